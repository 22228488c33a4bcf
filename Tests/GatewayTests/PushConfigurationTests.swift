import DaemonSupport
import Foundation
import GNSSCore
import Testing
@testable import Gateway

/// A station's `push:` targets and the caster's `sources:`, checked with file:line problems; a password never
/// appears in what is printed.
@Suite struct PushConfigurationTests {
    static func load(_ text: String) -> ConfigurationLoader.Outcome {
        ConfigurationLoader.parse("gateway_id: g\n" + text, file: "gateway.yaml")
    }

    @Test("push: URLs and mappings, NTRIP 1.0 and 2.0; caster sources with and without a user")
    func pushAndSourcesAreRead() throws {
        let outcome = Self.load("""
            stations:
              - name: REF
                listen: 127.0.0.1:5001
                role: reference
                push:
                  - ntrip://user:pw@caster.example.org:2101/REF0
                  - {url: "ntrip://:s3cret@old.example.org:2101/REF1", ntrip_version: 1}
              - {name: SSR, listen: 127.0.0.1:5002, role: corrections, push: ["ntrips://u:p@caster.example.org:2102/SSR0"]}
            caster:
              listen: 127.0.0.1:2101
              users: [{name: rover, password: pw, mountpoints: [REF, IN]}]
              sources:
                - {mountpoint: IN, password: inpw}
                - {mountpoint: IN2, user: server, password: inpw2}
              source_timeout: 12
            """)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        let c = try #require(outcome.configuration)
        let push = c.stations[0].push
        #expect(push.count == 2 && push[0].version == 2 && push[1].version == 1)
        #expect(push[0].mountpoint.user == "user" && push[0].mountpoint.password == "pw" && push[0].mountpoint.mountpoint == "REF0")
        #expect(push[1].mountpoint.user == nil && push[1].mountpoint.password == "s3cret")
        #expect(push[1].description == "ntrip://:***@old.example.org:2101/REF1")
        #expect(c.stations[1].push.first?.mountpoint.secure == true)
        let caster = try #require(c.caster)
        #expect(caster.sources == [.init(mountpoint: "IN", password: "inpw"), .init(mountpoint: "IN2", user: "server", password: "inpw2")])
        #expect(caster.sourceTimeout == 12)
        let inSource = try #require(caster.source("IN")), in2 = try #require(caster.source("IN2"))
        #expect(caster.admits(inSource, user: nil, password: "inpw") && caster.admits(inSource, user: "anyone", password: "inpw"))
        #expect(!caster.admits(inSource, user: nil, password: "inpw2"))
        #expect(caster.admits(in2, user: "server", password: "inpw2") && !caster.admits(in2, user: "other", password: "inpw2"))
        #expect(caster.admits(in2, user: nil, password: "inpw2"))
    }

    @Test("a rover's push, a bad push URL, a pushed mountpoint with a station's name: problems on their lines, no password shown")
    func problems() throws {
        let outcome = Self.load("""
            stations:
              - {name: ROV, listen: 127.0.0.1:5001, processing: none, push: ["ntrip://u:hunter2@h:2101/M"]}
              - name: REF
                listen: 127.0.0.1:5002
                role: reference
                push:
                  - tcp://h:2101
                  - ntrip://u@h:2101/NOPASSWORD
                  - {url: "ntrip://u:hunter2@h:2101/M", ntrip_version: 3}
            """)
        #expect(outcome.configuration == nil)
        let messages = outcome.problems.map(\.description)
        #expect(messages.contains { $0.contains("needs role reference or corrections") }, "\(messages)")
        #expect(messages.contains { $0.contains("must be ntrip://") }, "\(messages)")
        #expect(messages.contains { $0.contains("needs a password") }, "\(messages)")
        #expect(messages.contains { $0.contains("ntrip_version must be 1") }, "\(messages)")
        for m in messages { #expect(!m.contains("hunter2"), "\(m)") }

        let collision = Self.load("""
            stations:
              - {name: REF, listen: 127.0.0.1:5002, role: reference}
            caster:
              listen: 127.0.0.1:2101
              users: [{name: rover, password: pw}]
              sources:
                - {mountpoint: REF, password: hunter2}
            """)
        #expect(collision.configuration == nil)
        #expect(collision.problems.contains { $0.description.contains("'REF' is a station's mountpoint already") }, "\(collision.problems)")
    }
}
