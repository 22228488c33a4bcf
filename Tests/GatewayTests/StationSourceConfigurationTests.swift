import DaemonSupport
import Foundation
import GNSSCore
import Testing
@testable import Gateway

/// A station's `source:`: UDP (`listen:` is its short form), a TCP server or an NTRIP mountpoint, checked with
/// file:line problems like every setting; a password never appears in what is printed.
@Suite struct StationSourceConfigurationTests {
    static func load(_ stations: String) -> ConfigurationLoader.Outcome {
        ConfigurationLoader.parse("""
            gateway_id: g
            stations:
            \(stations)
            """, file: "gateway.yaml")
    }

    @Test("listen: and source: udp:// mean the same; tcp:// and ntrip:// are read with their parts")
    func sourcesAreRead() throws {
        let outcome = Self.load("""
              - name: A
                listen: 127.0.0.1:5001
                allow: [192.0.2.8]
              - name: B
                source: udp://127.0.0.1:5001
                allow: [192.0.2.7]
              - name: C
                source: tcp://192.0.2.10:2102
                no_data_timeout: 30
              - name: D
                source: ntrip://user:p%40ss:w@caster.example.org:2101/GMSD7
                ntrip_version: 1
                gga: {lat: 30.5565, lon: 131.0156, height: 137, interval: 5}
              - name: E
                source: ntrip://caster.example.org:2101/OPEN
                sourcetable: false
              - name: F
                source: ntrips://user:pw@caster.example.org:2102/TLS
              - name: G
                source: ntrip://caster.example.org:2101/NEAREST
                gga: solution
            """)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        let s = try #require(outcome.configuration).stations
        #expect(s[0].source == .udp(NetworkAddress(host: "127.0.0.1", port: 5001)) && s[0].source == s[1].source)
        #expect(s[0].listen == NetworkAddress(host: "127.0.0.1", port: 5001))
        #expect(s[2].source == .tcp(NetworkAddress(host: "192.0.2.10", port: 2102)) && s[2].listen == nil && s[2].noDataTimeout == 30)
        guard case .ntrip(let m) = s[3].source else { Issue.record("not NTRIP: \(s[3].source)"); return }
        #expect(m.caster == NetworkAddress(host: "caster.example.org", port: 2101) && m.mountpoint == "GMSD7")
        #expect(m.user == "user" && m.password == "p@ss:w")
        #expect(s[3].ntrip.version == 1 && s[3].ntrip.ggaInterval == 5)
        #expect(abs((s[3].ntrip.ggaPosition?.latitudeDegrees ?? 0) - 30.5565) < 1e-9)
        #expect(s[4].ntrip.version == 2 && s[4].ntrip.ggaPosition == nil && s[4].noDataTimeout == 10)
        // What logs and status show.
        #expect(s[3].source.description == "ntrip://user:***@caster.example.org:2101/GMSD7")
        #expect(s[4].source.description == "ntrip://caster.example.org:2101/OPEN")
        #expect(s[2].source.description == "tcp://192.0.2.10:2102")
        guard case .ntrip(let tls) = s[5].source else { Issue.record("not NTRIP: \(s[5].source)"); return }
        #expect(tls.secure && !m.secure && s[5].ntrip.trustAnchor == nil)
        #expect(s[5].source.description == "ntrips://user:***@caster.example.org:2102/TLS")
        #expect(s[3].ntrip.sourcetable && !s[4].ntrip.sourcetable)
        #expect(s[6].ntrip.ggaFromSolution && s[6].ntrip.ggaPosition == nil && !s[4].ntrip.ggaFromSolution)
    }

    @Test("Bad sources are problems on their own lines, and no message shows a password")
    func problemsWithLines() throws {
        let outcome = Self.load("""
              - name: A
                source: ftp://127.0.0.1:21
              - name: B
                source: ntrip://me:hunter2@127.0.0.1:2101
              - name: C
                source: ntrips://me:hunter2@127.0.0.1:2102/MNT
                trust_anchor: /nonexistent/ca.pem
              - name: D
                listen: 127.0.0.1:5001
                source: tcp://127.0.0.1:5002
              - name: E
                source: tcp://127.0.0.1:2102
                allow: [192.0.2.7]
                ntrip_version: 2
                sourcetable: false
              - name: F
                source: ntrip://me:hunter2@127.0.0.1:2101/MNT
                ntrip_version: 3
                gga: {lat: 95, lon: 0}
                no_data_timeout: 0
                trust_anchor: /tmp/ca.pem
                sourcetable: maybe
              - name: G
                source: tcp://127.0.0.1
              - name: H
                format: rtcm3
            """)
        #expect(outcome.configuration == nil)
        let byLine = Dictionary(grouping: outcome.problems, by: \.line).mapValues { $0.map(\.message) }
        func has(_ line: Int, _ text: String) {
            #expect(byLine[line]?.contains { $0.contains(text) } == true, "line \(line): \(byLine[line] ?? [])")
        }
        has(4, "unknown scheme 'ftp'")
        has(6, "needs a mountpoint")
        has(9, "trust_anchor '/nonexistent/ca.pem': cannot read PEM certificates")
        has(12, "either listen")
        has(15, "allow lists who may send to a UDP port")
        has(16, "ntrip_version applies to an ntrip:// source only")
        has(17, "sourcetable (whether the caster's sourcetable is checked for the mountpoint) applies to an ntrip:// source only")
        has(20, "ntrip_version must be 1 or 2")
        has(21, "gga needs lat and lon")
        has(22, "no_data_timeout must be seconds")
        has(23, "trust_anchor (the certificates an NTRIP caster's must chain to) applies to an ntrips:// source only")
        has(24, "sourcetable must be true or false")
        has(26, "tcp:// needs HOST:PORT")
        has(27, "station needs 'listen'")
        for p in outcome.problems { #expect(!p.description.contains("hunter2"), "\(p)") }
    }
}
