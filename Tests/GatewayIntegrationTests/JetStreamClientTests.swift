import Foundation
import JetStream
import Testing

/// The Swift layer over the NATS C client against a real `nats-server`: the stream made or checked, resends
/// dropped by message id, and a durable consumer that resumes at its acknowledgement floor and, when its
/// owner died holding unacknowledged messages, delivers those again first and in order.
@Suite("JetStream client layer", .serialized, .enabled(if: NATSServerProcess.available, "nats-server is not on PATH (apt-get install nats-server)"))
struct JetStreamClientTests {
    static let port = 14241

    static func message(_ sequence: Int) -> OutgoingMessage {
        OutgoingMessage(subject: "gnss.records.gw.REF", payload: Array("record \(sequence)".utf8),
                        messageID: RecordMessageID(gateway: "gw", generation: 7, sequence: UInt64(sequence)).description)
    }

    @Test("stream created then found; another setup refused; a resend inside the window is a duplicate")
    func streamAndDuplicates() async throws {
        let dir = makeWorkDirectory("jetstream-client-stream")
        let nats = try NATSServerProcess(port: Self.port, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")
        let connection = try await JetStreamConnection.connect(servers: ["nats://127.0.0.1:\(Self.port)"], name: "test")
        let definition = StreamDefinition(name: "RECORDS", subjects: ["gnss.records.>"], replicas: 1, maxBytes: 64 << 20)
        #expect(try await connection.ensure(definition) == .created)
        #expect(try await connection.ensure(definition) == .existing)
        var other = definition
        other.subjects = ["acme.records.>"]
        await #expect(throws: StreamMismatch.self) { try await connection.ensure(other) }
        other = definition
        other.replicas = 3
        do {
            _ = try await connection.ensure(other)
            Issue.record("a stream of 1 replica taken for one of 3")
        } catch let mismatch as StreamMismatch {
            #expect(mismatch.description.contains("1 replicas") && mismatch.description.contains("3 replicas"), "\(mismatch)")
        }

        let first = await connection.publishInOrder((1...5).map(Self.message), stream: "RECORDS", timeout: .seconds(2))
        #expect(first.acknowledged == 5 && first.duplicates == 0 && first.failure == nil)
        let again = await connection.publishInOrder((4...6).map(Self.message), stream: "RECORDS", timeout: .seconds(2))
        #expect(again.acknowledged == 3 && again.duplicates == 2, "records 4 and 5 were in the stream already")
        #expect(try await connection.lastMessageID(stream: "RECORDS", subject: "gnss.records.gw.>") == "gw:0000000000000007:6")
        #expect(try await connection.lastMessageID(stream: "RECORDS", subject: "gnss.records.other.>") == nil)
        let wrongStream = await connection.publishInOrder([Self.message(7)], stream: "ELSEWHERE", timeout: .seconds(2))
        #expect(wrongStream.acknowledged == 0 && wrongStream.failure != nil)
    }

    @Test("a durable consumer resumes at its floor, and after unacknowledged deliveries starts again from them, in order")
    func durableConsumer() async throws {
        let dir = makeWorkDirectory("jetstream-client-consumer")
        let nats = try NATSServerProcess(port: Self.port + 1, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")
        let servers = ["nats://127.0.0.1:\(Self.port + 1)"]
        let publisher = try await JetStreamConnection.connect(servers: servers, name: "publisher")
        _ = try await publisher.ensure(StreamDefinition(name: "RECORDS", subjects: ["gnss.records.>"], replicas: 1, maxBytes: 64 << 20))
        #expect(await publisher.publishInOrder((1...10).map(Self.message), stream: "RECORDS", timeout: .seconds(2)).acknowledged == 10)

        func ids(_ messages: [DeliveredMessage]) -> [UInt64] { messages.compactMap { $0.messageID.flatMap(RecordMessageID.init)?.sequence } }

        do {  // takes the first four and dies without acknowledging
            let connection = try await JetStreamConnection.connect(servers: servers, name: "dpc")
            let (consumer, start) = try await DurablePullConsumer.open(connection: connection, stream: "RECORDS", durable: "dpc-1",
                                                                       filter: "gnss.records.>", batchLimit: 4)
            #expect(start == .created)
            let batch = try await consumer.fetch(wait: .seconds(2))
            #expect(ids(batch) == [1, 2, 3, 4])
            #expect(batch.map(\.streamSequence) == [1, 2, 3, 4])
        }
        do {  // comes back: the four again, first; acknowledges them and the next four
            let connection = try await JetStreamConnection.connect(servers: servers, name: "dpc")
            let (consumer, start) = try await DurablePullConsumer.open(connection: connection, stream: "RECORDS", durable: "dpc-1",
                                                                       filter: "gnss.records.>", batchLimit: 4)
            #expect(start == .restartedAfterUnacknowledged(from: 1, unacknowledged: 4))
            let again = try await consumer.fetch(wait: .seconds(2))
            #expect(ids(again) == [1, 2, 3, 4])
            try await consumer.acknowledgeFetched()
            #expect(ids(try await consumer.fetch(wait: .seconds(2))) == [5, 6, 7, 8])
            try await consumer.acknowledgeFetched()
            #expect(ids(try await consumer.fetch(wait: .seconds(2))) == [9, 10])  // fetched, not acknowledged
        }
        #expect(await publisher.publishInOrder((11...12).map(Self.message), stream: "RECORDS", timeout: .seconds(2)).acknowledged == 2)
        do {  // the unacknowledged 9 and 10 come before the newer 11 and 12
            let connection = try await JetStreamConnection.connect(servers: servers, name: "dpc")
            let (consumer, start) = try await DurablePullConsumer.open(connection: connection, stream: "RECORDS", durable: "dpc-1",
                                                                       filter: "gnss.records.>", batchLimit: 4)
            #expect(start == .restartedAfterUnacknowledged(from: 9, unacknowledged: 2))
            #expect(ids(try await consumer.fetch(wait: .seconds(2))) == [9, 10, 11, 12])
            try await consumer.acknowledgeFetched()
        }
        do {  // everything acknowledged: resumed as it was, nothing more to fetch
            let connection = try await JetStreamConnection.connect(servers: servers, name: "dpc")
            let (consumer, start) = try await DurablePullConsumer.open(connection: connection, stream: "RECORDS", durable: "dpc-1",
                                                                       filter: "gnss.records.>", batchLimit: 4)
            #expect(start == .resumed(acknowledgedThrough: 12))
            #expect(try await consumer.fetch(wait: .milliseconds(300)).isEmpty)
        }
    }

    @Test("no server reachable: connecting fails at once with an error that says so")
    func unreachable() async throws {
        do {
            _ = try await JetStreamConnection.connect(servers: ["nats://127.0.0.1:\(Self.port + 2)"], name: "test")
            Issue.record("connected to a port nothing listens on")
        } catch let error as JetStreamError {
            #expect(error.noServerReachable, "\(error)")
            #expect(error.description.contains("nats://127.0.0.1:\(Self.port + 2)"), "\(error)")
        }
    }
}
