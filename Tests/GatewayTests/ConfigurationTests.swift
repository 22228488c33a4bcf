import Foundation
import Testing
import GNSSCore
import DaemonSupport
import JetStream
@testable import Gateway

@Suite struct ConfigurationTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/examples/local.yaml").path

    @Test func theLocalExampleIsValid() throws {
        let outcome = ConfigurationLoader.load(path: Self.example)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        let c = try #require(outcome.configuration)
        #expect(c.stations.map(\.name) == ["DEMO"])
        #expect(c.stations[0].listen == NetworkAddress(host: "127.0.0.1", port: 5001))
        #expect(c.stations[0].role == .reference && c.stations[0].processing == .spp && c.stations[0].position == nil)
        #expect(c.metrics == NetworkAddress(host: "127.0.0.1", port: 9464))
        #expect(c.dpcAddress == NetworkAddress(host: "127.0.0.1", port: 7001))
        #expect(c.controlSocket == "./run/gatewayd.sock" && c.spoolMaxBytes == 268_435_456)
    }

    /// `dpc` without `transport` (or with `transport: link`) is the direct link as before; `transport: jetstream`
    /// takes the cluster's settings instead of an address and key.
    @Test func dpcTransports() throws {
        let stations = "stations:\n  - name: REF\n    listen: 127.0.0.1:5001\n    role: reference\n"
        let key = String(repeating: "ab", count: 32)
        for link in ["dpc:\n  address: 127.0.0.1:7001\n  key: \(key)\n", "dpc:\n  transport: link\n  address: 127.0.0.1:7001\n  key: \(key)\n"] {
            let outcome = ConfigurationLoader.parse(link + stations, file: "g.yaml")
            let c = try #require(outcome.configuration, "\(outcome.problems)")
            #expect(c.dpcAddress == NetworkAddress(host: "127.0.0.1", port: 7001) && c.dpcJetStream == nil)
        }
        let jetStream = """
            dpc:
              transport: jetstream
              servers: [nats://127.0.0.1:4222, nats://127.0.0.1:4223]
              stream: RECORDS
              replicas: 3
              subject_prefix: acme.gnss

            """
        let outcome = ConfigurationLoader.parse(jetStream + stations, file: "g.yaml")
        let c = try #require(outcome.configuration, "\(outcome.problems)")
        #expect(c.dpcAddress == nil)
        let j = try #require(c.dpcJetStream)
        #expect(j.servers == ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223"] && j.stream == "RECORDS" && j.replicas == 3)
        #expect(j.subject(gateway: c.gatewayID, station: "REF") == "acme.gnss.gateway.REF")

        let wrong = ConfigurationLoader.parse("dpc:\n  transport: kafka\n" + stations, file: "g.yaml").problems.map(\.description)
        #expect(wrong.contains("g.yaml:2: dpc.transport must be link (the direct link, the default) or jetstream"), "\(wrong)")
        let mixed = ConfigurationLoader.parse("dpc:\n  transport: jetstream\n  servers: nats://127.0.0.1:4222\n  address: 127.0.0.1:7001\n" + stations,
                                              file: "g.yaml").problems.map(\.description)
        #expect(mixed.contains { $0.hasPrefix("g.yaml:4: dpc: unknown setting 'address'") }, "\(mixed)")
    }

    /// Every problem is reported, each with the line it is on.
    @Test func problemsCarryTheirLines() {
        let text = """
            gateway_id: g
            metrics: localhost:99999
            colour: blue
            stations:
              - name: BASE
                listen: 127.0.0.1:5001
                role: reference
                position: [-3976219.66, 3382372.54, 3652513.05]
              - name: ROVER
                listen: 127.0.0.1:5001
                processing: rtk
                reference: NOWHERE
              - name: BASE
                listen: 127.0.0.1:5002
              - name: FAR
                listen: 127.0.0.1:5003
                position: [1, 2, 3]
              - name: ODD
                listen: 127.0.0.1:5004
                format: sbf
              - name: SKY
                listen: 127.0.0.1:5005
                format: leo
                processing: ppp
            """
        let outcome = ConfigurationLoader.parse(text, file: "bad.yaml")
        #expect(outcome.configuration == nil)
        let lines = outcome.problems.map(\.line)
        let messages = outcome.problems.map(\.message).joined(separator: "\n")
        #expect(lines.contains(2) && messages.contains("metrics 'localhost:99999'"))
        #expect(lines.contains(3) && messages.contains("unknown setting 'colour'"))
        #expect(lines.contains(13) && messages.contains("station 'BASE' is already defined at line 5"))
        #expect(lines.contains(17) && messages.contains("position must be"))
        #expect(lines.contains(20) && messages.contains("format must be one of rtcm3, ubx, leo"))
        #expect(lines.contains(24) && messages.contains("format: leo") && messages.contains("processing must be none"))
        #expect(messages.contains("reference 'NOWHERE' is not a station"))
        #expect(messages.contains("a shared port needs distinct 'allow' lists"))
        #expect(outcome.problems.allSatisfy { $0.file == "bad.yaml" })
    }

    /// A station's positioning profile: what `replay --mode` takes as options, with each wrong value at its line.
    @Test func positioningProfileKeys() throws {
        let good = """
            stations:
              - name: ROVER
                listen: 127.0.0.1:5001
                processing: ppp
                systems: [G, E]
                elevation_mask: 10
                exclude: G05,E14
                dynamics: static
                position_noise: 2
              - name: NEAR
                listen: 127.0.0.1:5002
                processing: spp
            """
        let c = try #require(ConfigurationLoader.parse(good, file: "g.yaml").configuration)
        let p = try #require(c.stations[0].profile)
        #expect(p.mode == .ppp && p.dynamics == .static && p.activeSystems == [.gps, .galileo])
        #expect(abs((p.elevationMask ?? 0) - 10 * Constants.degreesToRadians) < 1e-12)
        #expect(p.excludedSatellites == [SatelliteID(.gps, 5), SatelliteID(.galileo, 14)] && p.positionProcessNoise == 2)
        // A rover unless told otherwise: kinematic, a vehicle's random walk, the mode's systems and mask.
        let spp = try #require(c.stations[1].profile)
        #expect(spp.dynamics == .kinematic && spp.positionProcessNoise == 10 && spp.systems == nil && spp.ionosphere == .ionosphereFree)

        let bad = """
            stations:
              - name: ROVER
                listen: 127.0.0.1:5001
                processing: rtk
                reference: BASE
                systems: [G, Q]
                elevation_mask: 95
                max_base_age: -1
              - name: BASE
                listen: 127.0.0.1:5002
                role: reference
                processing: none
                dynamics: static
            """
        let problems = ConfigurationLoader.parse(bad, file: "g.yaml").problems.map(\.description)
        #expect(problems.contains { $0.hasPrefix("g.yaml:6:") && $0.contains("systems") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("g.yaml:7:") && $0.contains("elevation_mask") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("g.yaml:8:") && $0.contains("max_base_age") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("g.yaml:13:") && $0.contains("needs a processing mode") }, "\(problems)")
    }

    @Test func yamlSyntaxErrorsAndHostileInput() {
        let broken = ConfigurationLoader.parse("stations:\n  - name: [unclosed\n", file: "x.yaml")
        #expect(broken.configuration == nil && broken.problems.first?.message.hasPrefix("YAML") == true)
        #expect(ConfigurationLoader.parse("", file: "empty.yaml").configuration == nil)
        #expect(ConfigurationLoader.parse("- just\n- a list\n", file: "l.yaml").problems.first?.line == 1)
        // Deep nesting and odd scalars give problems, never a crash.
        let deep = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(ConfigurationLoader.parse("stations: " + deep, file: "d.yaml").configuration == nil)
        let missing = ConfigurationLoader.load(path: "/nonexistent/gateway.yaml").problems
        #expect(missing.first?.message == "cannot read the file: No such file or directory")
        #expect(missing.first?.description == "/nonexistent/gateway.yaml: cannot read the file: No such file or directory")
        #expect(ConfigurationLoader.load(path: "/").problems.first?.message == "cannot read the file: it is a directory")
    }

    /// `metrics` and `control_socket` take their old one-value form (limits at their defaults) or a
    /// mapping with the servers' limits; a bad limit is reported at its line.
    @Test func serverLimits() throws {
        let station = "stations:\n  - name: A\n    listen: 127.0.0.1:5001\n"
        let plain = try #require(ConfigurationLoader.parse("control_socket: ./c.sock\nmetrics: 127.0.0.1:9464\n" + station, file: "p.yaml").configuration)
        #expect(plain.controlSocket == "./c.sock" && plain.metrics == NetworkAddress(host: "127.0.0.1", port: 9464))
        #expect(plain.metricsLimits == .metricsEndpoint && plain.controlSocketLimits == .controlSocket)

        let text = """
            control_socket:
              path: ./c.sock
              max_connections: 4
              idle_timeout: 2.5
            metrics:
              listen: 127.0.0.1:9470
              max_request_bytes: 4096
            """ + "\n" + station
        let mapped = try #require(ConfigurationLoader.parse(text, file: "m.yaml").configuration)
        #expect(mapped.controlSocket == "./c.sock" && mapped.metrics == NetworkAddress(host: "127.0.0.1", port: 9470))
        #expect(mapped.controlSocketLimits == ConnectionLimits(maxConnections: 4, idleTimeout: .milliseconds(2500), maxRequestBytes: 64 * 1024))
        #expect(mapped.metricsLimits == ConnectionLimits(maxConnections: 64, idleTimeout: .seconds(120), maxRequestBytes: 4096))
        let off = try #require(ConfigurationLoader.parse("metrics:\n  listen: off\n  max_connections: 2\n" + station, file: "o.yaml").configuration)
        #expect(off.metrics == nil)

        let bad = """
            control_socket:
              max_connections: 0
            metrics:
              listen: 127.0.0.1:9470
              idle_timeout: forever
              max_request_bytes: 12
              backlog: 5
            """ + "\n" + station
        let outcome = ConfigurationLoader.parse(bad, file: "b.yaml")
        #expect(outcome.configuration == nil)
        let problems = outcome.problems.map(\.description)
        #expect(problems.contains { $0.hasSuffix("control_socket needs a path") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("b.yaml:2:") && $0.contains("control_socket.max_connections") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("b.yaml:5:") && $0.contains("metrics.idle_timeout") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("b.yaml:6:") && $0.contains("metrics.max_request_bytes") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("b.yaml:7:") && $0.contains("unknown setting 'backlog'") }, "\(problems)")
    }

    /// Keys that are lists, mappings or aliases, and nesting past 64 levels, are refused at their line before the
    /// file is composed: composing hashes every key whole (a nested key again at each level, an alias of aliases as
    /// its full expansion) and recurses once per level.
    @Test func complexKeysAndDeepNestingAreRefusedFirst() {
        func problems(_ text: String) -> [String] {
            let outcome = ConfigurationLoader.parse(text, file: "k.yaml")
            #expect(outcome.configuration == nil)
            return outcome.problems.map(\.description)
        }
        let station = "stations:\n  - name: A\n    listen: 127.0.0.1:5001\n"
        #expect(problems(station + "? [a, b]\n: c\n") == ["k.yaml:4: YAML: a key must be text, not a list"])
        #expect(problems(station + "{x: 1}: c\n") == ["k.yaml:4: YAML: a key must be text, not a mapping"])
        // Explicit keys nested in explicit keys, the shape of a slow fuzzing input.
        let nested = (0..<40).map { String(repeating: " ", count: 2 * $0) + "? " }.joined(separator: "\n") + "x\n"
        #expect(problems(nested) == ["k.yaml:2: YAML: a key must be text, not a mapping"])
        // Nine aliases of nine aliases, nine levels down: 387 million scalars once expanded, refused at its one key.
        var laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            laughs += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n"
        }
        laughs += "? *a8\n: surprise\n"
        #expect(problems(station + laughs) == ["k.yaml:13: YAML: a key must be text, not an alias"])
        // An alias as a value is still read as the value it names.
        let shared = "gateway_id: &id gw-1\nstate_directory: *id\n" + station
        #expect(ConfigurationLoader.parse(shared, file: "k.yaml").configuration?.stateDirectory == "gw-1")
        // The YAML parser itself stops at 1000 levels; 500 are refused here, before any of them is composed.
        let deep = "stations: " + String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "\n"
        #expect(problems(deep) == ["k.yaml:1: YAML: nested more than 64 levels deep"])
        // The top-level mapping and 63 lists are 64 levels: read as usual.
        #expect(problems("stations: " + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "\n")
                    .allSatisfy { !$0.contains("YAML") })
    }

    @Test func addresses() {
        #expect(NetworkAddress("127.0.0.1:5001") == NetworkAddress(host: "127.0.0.1", port: 5001))
        #expect(NetworkAddress("[::1]:7001") == NetworkAddress(host: "::1", port: 7001))
        #expect(NetworkAddress("[::1]:7001")?.description == "[::1]:7001")
        #expect(NetworkAddress("host:0") == nil && NetworkAddress("nohost") == nil && NetworkAddress(":80") == nil)
    }
}
