import DPCLink
import DaemonSupport
import GNSSFormats
import Synchronization

/// A record as the DPC keeps it: which gateway sent it, from which spool generation, under which sequence number.
public struct StoredRecord: Sendable {
    public var gateway: String
    /// The gateway's spool generation (0 for records stored before generations existed).
    public var generation: UInt64
    public var sequence: UInt64
    public var record: CorrectionRecord
}

/// The DPC's durable store: an append-only, checksummed segment log of every
/// record received, with the last sequence number stored per gateway and
/// spool generation, so a record sent twice (after a reconnection) is stored
/// once, and a gateway whose spool started over (a new generation) has its
/// records stored as the new data they are.
///
/// Stored form of one entry: a zero byte, the generation (UInt64
/// little-endian), gateway id (UInt8 length + UTF-8), sequence (UInt64
/// little-endian), then the encoded `CorrectionRecord`. Entries written
/// before generations existed start directly with the id's length (never
/// zero: ids are not empty) and belong to generation 0.
public final class DPCStore: Sendable {
    private struct State {
        var log: SegmentLog
        var lastSequence: [RecordStream: UInt64]
        var unsynced = false
    }

    private let state: Mutex<State>
    public let directory: String

    /// Opens (or creates) the store and learns the last sequence of every gateway and generation from it.
    public init(directory: String) throws {
        self.directory = directory
        let log = try SegmentLog(directory: directory)
        var last: [RecordStream: UInt64] = [:]
        try Self.scan(log) { entry in
            let stream = RecordStream(gateway: entry.gateway, generation: entry.generation)
            last[stream] = max(last[stream] ?? 0, entry.sequence)
        }
        state = Mutex(State(log: log, lastSequence: last))
    }

    /// What opening the store had to repair (a torn tail after a crash), for the log.
    public var recovery: SegmentLogRecovery { state.withLock { $0.log.recovery } }

    public func lastSequence(_ stream: RecordStream) -> UInt64 {
        state.withLock { $0.lastSequence[stream] ?? 0 }
    }

    /// The generations the store holds records of for `gateway`.
    public func generations(gateway: String) -> [UInt64] {
        state.withLock { $0.lastSequence.keys.filter { $0.gateway == gateway }.map(\.generation).sorted() }
    }

    public var totalBytes: Int { state.withLock { $0.log.totalBytes } }

    /// The gateways the store holds records of.
    public var gateways: Set<String> { state.withLock { Set($0.lastSequence.keys.map(\.gateway)) } }

    /// Appends a record unless this stream's sequence was stored already; true when appended.
    /// The record is durable only after `sync()`.
    public func store(_ stream: RecordStream, sequence: UInt64, body: [UInt8]) throws -> Bool {
        try state.withLock { s in
            guard sequence > s.lastSequence[stream] ?? 0 else { return false }
            var entry: [UInt8] = [0]
            entry.appendLittleEndian(stream.generation)
            let id = Array(stream.gateway.utf8.prefix(255))
            entry.append(UInt8(id.count))
            entry += id
            entry.appendLittleEndian(sequence)
            entry += body
            try s.log.append(entry)
            s.lastSequence[stream] = sequence
            s.unsynced = true
            return true
        }
    }

    /// Makes every appended record durable (fsync).
    public func sync() throws {
        try state.withLock { s in
            guard s.unsynced else { return }
            try s.log.sync()
            s.unsynced = false
        }
    }

    /// Every record of a store directory, in the order stored, for `dpcd dump`.
    /// Returns the indices of entries that could not be decoded (skipped).
    @discardableResult
    public static func records(directory: String, visit: (StoredRecord) throws -> Void) throws -> [UInt64] {
        let log = try SegmentLog(directory: directory, readOnly: true)
        return try scan(log, visit)
    }

    @discardableResult
    private static func scan(_ log: SegmentLog, _ visit: (StoredRecord) throws -> Void) throws -> [UInt64] {
        var next = log.firstIndex
        var undecodable: [UInt64] = []
        while next < log.nextIndex {
            let batch = try log.records(from: next, limit: 4096)
            guard let last = batch.last else { break }
            for (index, payload) in batch {
                if let entry = try? decode(payload[...]) { try visit(entry) } else { undecodable.append(index) }
            }
            next = last.index + 1
        }
        return undecodable
    }

    static func decode(_ bytes: ArraySlice<UInt8>) throws(FormatError) -> StoredRecord {
        var r = ByteCursor(bytes)
        var n = Int(try r.byte())
        var generation: UInt64 = 0
        if n == 0 {
            generation = try r.uint64()
            n = Int(try r.byte())
        }
        let gateway = String(decoding: try r.bytes(n), as: UTF8.self)
        let sequence = try r.uint64()
        let record = try CorrectionRecord(decoding: try r.bytes(r.remaining))
        return StoredRecord(gateway: gateway, generation: generation, sequence: sequence, record: record)
    }
}
