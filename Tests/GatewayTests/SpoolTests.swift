import DPCLink
import Foundation
import GNSSCore
import Logging
import Testing
@testable import Gateway

@Suite struct SpoolTests {
    static func directory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)").path
    }

    static func record(_ i: Int, size: Int = 1000) -> CorrectionRecord {
        CorrectionRecord(station: "S", time: GNSSTime(seconds: Int64(i)), rtcm: [UInt8](repeating: UInt8(i & 0xFF), count: size))
    }

    @Test("records leave the spool only when acknowledged; sequences continue after reopening")
    func acknowledgement() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let spool = try Spool(directory: dir, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test"))
            for i in 1...10 { #expect(try spool.append(Self.record(i)) == UInt64(i)) }
            try spool.sync()
            #expect(spool.pendingCount == 10)
            spool.acknowledge(through: 4)
            #expect(try spool.pending(after: 0, limit: 100).map(\.sequence) == Array(5...10))
            #expect(try CorrectionRecord(decoding: spool.pending(after: 6, limit: 1)[0].body[...]) == Self.record(7))
            try spool.sync()
        }
        let reopened = try Spool(directory: dir, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test"))
        #expect(reopened.acknowledgedSequence == 4)
        #expect(reopened.pendingCount == 6)
        #expect(try reopened.append(Self.record(11)) == 11)
        try reopened.sync()
        reopened.acknowledge(through: 99)
        #expect(reopened.acknowledgedSequence == 11 && reopened.pendingCount == 0)
    }

    @Test("at its cap the spool drops the oldest unacknowledged records and counts them")
    func cap() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let metrics = GatewayMetrics()
        let cap = 1 << 20
        let spool = try Spool(directory: dir, maxBytes: cap, metrics: metrics, logger: Logger(label: "test"))
        for i in 1...3000 { try spool.append(Self.record(i)) }
        try spool.sync()
        #expect(spool.droppedRecords > 0)
        #expect(spool.totalBytes <= cap + (64 << 10) + 2000)
        let pending = try spool.pending(after: 0, limit: 10_000).map(\.sequence)
        #expect(pending.last == 3000)
        #expect(pending == Array(pending.first!...3000), "what remains is the newest, without gaps")
        #expect(spool.droppedRecords + pending.count == 3000)
        let text = metrics.registry.emitToString()
        #expect(text.contains("gateway_spool_records_dropped_total \(spool.droppedRecords)"))
    }

    @Test("a record is offered for sending only once an fsync has made it durable")
    func sendOnlyDurable() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try Spool(directory: dir, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test"))
        for i in 1...3 { try spool.append(Self.record(i)) }
        #expect(try spool.pending(after: 0, limit: 100).isEmpty, "appended but not yet fsynced")
        #expect(spool.durableSequence == 0)
        try spool.sync()
        #expect(spool.durableSequence == 3)
        #expect(try spool.pending(after: 0, limit: 100).map(\.sequence) == [1, 2, 3])
        try spool.append(Self.record(4))
        #expect(try spool.pending(after: 3, limit: 100).isEmpty)
        #expect(try spool.pending(after: 0, limit: 100).map(\.sequence) == [1, 2, 3])
        try spool.sync()
        #expect(try spool.pending(after: 3, limit: 100).map(\.sequence) == [4])
    }

    @Test("records the size cap dropped count as dropped, never as acknowledged")
    func capDropsAreNotAcknowledged() throws {
        let dir = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let metrics = GatewayMetrics()
        let spool = try Spool(directory: dir, maxBytes: 1 << 20, metrics: metrics, logger: Logger(label: "test"))
        for i in 1...3000 { try spool.append(Self.record(i)) }
        try spool.sync()
        let dropped = spool.droppedRecords
        #expect(dropped > 0)
        spool.acknowledge(through: 3000)
        let text = metrics.registry.emitToString()
        #expect(text.contains("gateway_spool_records_dropped_total \(dropped)"))
        #expect(text.contains("gateway_records_acknowledged_total \(3000 - dropped)"), "\(text)")
    }

    @Test("a spool made from nothing has a random generation that survives reopening; one from before generations keeps 0")
    func generations() throws {
        let fresh = Self.directory(), wiped = Self.directory(), legacy = Self.directory()
        defer { for d in [fresh, wiped, legacy] { try? FileManager.default.removeItem(atPath: d) } }
        let metrics = GatewayMetrics()
        let first = try Spool(directory: fresh, maxBytes: 1 << 20, metrics: metrics, logger: Logger(label: "test")).generation
        #expect(first != 0)
        #expect(try Spool(directory: fresh, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test")).generation == first)
        #expect(try Spool(directory: wiped, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test")).generation != first)
        #expect(metrics.registry.emitToString().contains("gateway_spool_generations_total{reason=\"created\"} 1"))

        try FileManager.default.createDirectory(atPath: legacy, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: legacy + "/acknowledged", contents: Data("0\n".utf8))
        let old = try Spool(directory: legacy, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test"))
        #expect(old.generation == 0)
        try old.append(Self.record(1))
        try old.startNewGeneration(dpcLastSequence: 9)
        #expect(old.generation != 0)
        #expect(try String(contentsOfFile: legacy + "/generation", encoding: .utf8) == RecordStream.hex(old.generation) + "\n")

        // A generation file cut short: a new random generation, never the earlier layout's 0.
        _ = FileManager.default.createFile(atPath: wiped + "/generation", contents: Data("00ab".utf8))
        #expect(try Spool(directory: wiped, maxBytes: 1 << 20, metrics: nil, logger: Logger(label: "test")).generation != 0)
    }
}
