@testable import DPC
import Foundation
import JetStream
import Testing

/// The JetStream settings both daemons read, the record message id both sides agree on, and dpcd's
/// configuration with JetStream beside or instead of the direct link.
@Suite struct JetStreamSettingsTests {
    @Test("a record's message id is GATEWAY:GENERATION:SEQUENCE and reads back, colons in the gateway id included")
    func messageID() throws {
        let id = RecordMessageID(gateway: "region:north", generation: 0xb7c7_94cc_c4fb_b5b8, sequence: 42)
        #expect(id.description == "region:north:b7c794ccc4fbb5b8:42")
        #expect(RecordMessageID(id.description) == id)
        #expect(RecordMessageID("gw:0000000000000000:1") == RecordMessageID(gateway: "gw", generation: 0, sequence: 1))
        for bad in ["", "gw:1", "gw:b7c794ccc4fbb5b8:0", "gw:b7c794ccc4fbb5b:5", ":b7c794ccc4fbb5b8:5", "gw:b7c794ccc4fbb5b8:-5",
                    "gw:b7c794ccc4fbb5bx:5", "gw:b7c794ccc4fbb5b8:5x", "gw:b7c794ccc4fbb5b8:"] {
            #expect(RecordMessageID(bad) == nil, "\(bad)")
        }
    }

    @Test("server addresses: nats://HOST:PORT, tls://HOST:PORT or HOST:PORT, with credentials allowed")
    func servers() {
        for good in ["nats://127.0.0.1:4222", "tls://nats.example.net:4443", "127.0.0.1:4222", "nats://user:secret@10.0.0.1:4222"] {
            #expect(JetStreamSettings.problem(server: good) == nil, "\(good)")
        }
        #expect(JetStreamSettings.problem(server: "http://127.0.0.1:4222")?.contains("must start nats:// or tls://") == true)
        #expect(JetStreamSettings.problem(server: "nats://127.0.0.1")?.contains("needs a port") == true)
        #expect(JetStreamSettings.problem(server: "nats://127.0.0.1:70000")?.contains("port from 1 to 65535") == true)
        #expect(JetStreamSettings.problem(server: "nats://:4222")?.contains("no host") == true)
        #expect(JetStreamSettings.problem(server: "http://gateway:secret@host:4222")?.contains("secret") == false)
    }

    @Test("a password in a server URL is never shown")
    func redaction() {
        #expect(ServerListText.redacted("nats://gateway:secret@10.0.0.1:4222") == "nats://gateway:***@10.0.0.1:4222")
        #expect(ServerListText.redacted("nats://token@10.0.0.1:4222") == "nats://token@10.0.0.1:4222")
        #expect(ServerListText.redacted("nats://10.0.0.1:4222") == "nats://10.0.0.1:4222")
        #expect(ServerListText.redacted("gateway:p@ss:w@10.0.0.1:4222") == "gateway:***@10.0.0.1:4222")
        #expect(ServerListText.text(["nats://a:b@h:1", "nats://h:2"]) == "nats://a:***@h:1,nats://h:2")
    }

    @Test("subjects: one per gateway and station under the prefix; names a subject token cannot hold are made safe")
    func subjects() {
        var s = JetStreamSettings(servers: ["nats://127.0.0.1:4222"])
        #expect(s.subject(gateway: "js-gateway", station: "JS1") == "gnss.records.js-gateway.JS1")
        #expect(s.subject(gateway: "north.1", station: "A B>*") == "gnss.records.north_1.A_B__")
        s.subjectPrefix = "acme.gnss"
        #expect(s.streamSubjects == "acme.gnss.>")
        #expect(JetStreamSettings.problem(subjectPrefix: "gnss..records") != nil)
        #expect(JetStreamSettings.problem(subjectPrefix: "gnss.>") != nil)
        #expect(JetStreamSettings.problem(name: "GNSS.RECORDS", what: "stream") != nil)
        #expect(JetStreamSettings.problem(name: "GNSS_RECORDS", what: "stream") == nil)
    }

    func load(_ text: String) throws -> (configuration: DPCConfiguration?, problems: [String]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dpcd-js-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        let loaded = DPCConfiguration.load(path: path)
        return (loaded.configuration, loaded.problems.map { $0.description.replacingOccurrences(of: path, with: "dpcd.yaml") })
    }

    @Test("dpcd: JetStream alone needs no key; beside the link the key stays required; problems at their lines")
    func dpcdConfiguration() throws {
        let alone = try load("store: ./s\njetstream:\n  servers: [nats://127.0.0.1:4222]\n  durable: dpc-1\n")
        let c = try #require(alone.configuration, "\(alone.problems)")
        #expect(!c.linkEnabled)
        #expect(c.jetStream?.durable == "dpc-1" && c.jetStream?.stream == "GNSS_RECORDS" && c.jetStream?.replicas == 1)

        let beside = try load("listen: 127.0.0.1:7001\nstore: ./s\njetstream:\n  servers: [nats://127.0.0.1:4222]\n  durable: dpc-1\n")
        #expect(beside.configuration == nil)
        #expect(beside.problems.contains { $0.contains("no shared key") })

        let bad = try load("store: ./s\njetstream:\n  servers: []\n  replicas: 0\n  stream: a.b\n  colour: blue\n")
        #expect(bad.configuration == nil)
        #expect(bad.problems.contains("dpcd.yaml:3: jetstream.servers is empty: give at least one nats://HOST:PORT"), "\(bad.problems)")
        #expect(bad.problems.contains { $0.hasPrefix("dpcd.yaml:4: jetstream.replicas must be a count from 1 to 5") }, "\(bad.problems)")
        #expect(bad.problems.contains { $0.hasPrefix("dpcd.yaml:5: jetstream.stream 'a.b' cannot hold '.'") }, "\(bad.problems)")
        #expect(bad.problems.contains { $0.hasPrefix("dpcd.yaml:6: jetstream: unknown setting 'colour'") }, "\(bad.problems)")
        #expect(bad.problems.contains { $0.contains("durable is missing") }, "\(bad.problems)")
    }

    @Test("corrections_subject: a plain subject outside the records' subjects, gnss.corrections unless set")
    func correctionsSubject() throws {
        let plain = try load("store: ./s\njetstream:\n  servers: [nats://127.0.0.1:4222]\n  durable: dpc-1\n")
        #expect(plain.configuration?.jetStream?.correctionsSubject == "gnss.corrections")
        let set = try load("store: ./s\njetstream:\n  servers: [nats://127.0.0.1:4222]\n  durable: dpc-1\n  corrections_subject: region.ssr\n")
        #expect(set.configuration?.jetStream?.correctionsSubject == "region.ssr", "\(set.problems)")
        let inside = try load("store: ./s\njetstream:\n  servers: [nats://127.0.0.1:4222]\n  durable: dpc-1\n  corrections_subject: gnss.records.ssr\n")
        #expect(inside.problems.contains { $0.hasPrefix("dpcd.yaml:5: jetstream.corrections_subject 'gnss.records.ssr' is inside the records' subjects") },
                "\(inside.problems)")
        let wild = try load("store: ./s\njetstream:\n  servers: [nats://127.0.0.1:4222]\n  durable: dpc-1\n  corrections_subject: ssr.>\n")
        #expect(wild.problems.contains { $0.contains("corrections_subject 'ssr.>' cannot hold wildcards") }, "\(wild.problems)")
    }
}

/// The intake's guard against records lost in delivery: acknowledgements cover every record before the one
/// acknowledged, so a batch must continue the stream's sequence or the consumer is set up again before anything is
/// acknowledged.
@Suite struct JetStreamDeliveryGapTests {
    @Test("a batch that continues the stream is taken; one that skips is a gap; after the restart for it, the skip is records gone from the stream")
    func continuity() throws {
        let taken = try JetStreamIntake.continuity(of: [93, 94, 95], expected: 93, gapRestartedAt: nil)
        #expect(taken.next == 96 && taken.gone == nil)
        #expect(try JetStreamIntake.continuity(of: [7, 8], expected: nil, gapRestartedAt: nil).next == 9)
        #expect(throws: JetStreamIntake.DeliveryGap(expected: 93, delivered: 94)) {
            try JetStreamIntake.continuity(of: [94, 95], expected: 93, gapRestartedAt: nil)
        }
        #expect(throws: JetStreamIntake.DeliveryGap(expected: 97, delivered: 98)) {
            try JetStreamIntake.continuity(of: [95, 96, 98], expected: 95, gapRestartedAt: nil)
        }
        // Going back is never taken: it would be a record already stored, or an order the store cannot keep.
        #expect(throws: JetStreamIntake.DeliveryGap(expected: 93, delivered: 92)) {
            try JetStreamIntake.continuity(of: [92], expected: 93, gapRestartedAt: 93)
        }
        let gone = try JetStreamIntake.continuity(of: [120, 121], expected: 93, gapRestartedAt: 93)
        #expect(gone.next == 122 && gone.gone == 93...119)
    }
}
