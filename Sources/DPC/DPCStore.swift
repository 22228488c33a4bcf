import DaemonSupport
import GNSSFormats
import Synchronization

/// A record as the DPC keeps it: which gateway sent it, under which sequence number.
public struct StoredRecord: Sendable {
    public var gateway: String
    public var sequence: UInt64
    public var record: CorrectionRecord
}

/// The DPC's durable store: an append-only, checksummed segment log of every
/// record received, with the last sequence number stored per gateway so a
/// record sent twice (after a reconnection) is stored once.
///
/// Stored form of one entry: gateway id (UInt8 length + UTF-8), sequence
/// (UInt64 little-endian), then the encoded `CorrectionRecord`.
public final class DPCStore: Sendable {
    private struct State {
        var log: SegmentLog
        var lastSequence: [String: UInt64]
        var unsynced = false
    }

    private let state: Mutex<State>
    public let directory: String

    /// Opens (or creates) the store and learns the last sequence of every gateway from it.
    public init(directory: String) throws {
        self.directory = directory
        let log = try SegmentLog(directory: directory)
        var last: [String: UInt64] = [:]
        try Self.scan(log) { entry in last[entry.gateway] = max(last[entry.gateway] ?? 0, entry.sequence) }
        state = Mutex(State(log: log, lastSequence: last))
    }

    /// What opening the store had to repair (a torn tail after a crash), for the log.
    public var recovery: SegmentLogRecovery { state.withLock { $0.log.recovery } }

    public func lastSequence(gateway: String) -> UInt64 {
        state.withLock { $0.lastSequence[gateway] ?? 0 }
    }

    public var totalBytes: Int { state.withLock { $0.log.totalBytes } }

    public var gateways: [String: UInt64] { state.withLock { $0.lastSequence } }

    /// Appends a record unless this gateway's sequence was stored already; true when appended.
    /// The record is durable only after `sync()`.
    public func store(gateway: String, sequence: UInt64, body: [UInt8]) throws -> Bool {
        try state.withLock { s in
            guard sequence > s.lastSequence[gateway] ?? 0 else { return false }
            var entry: [UInt8] = []
            let id = Array(gateway.utf8.prefix(255))
            entry.append(UInt8(id.count))
            entry += id
            entry.appendLittleEndian(sequence)
            entry += body
            try s.log.append(entry)
            s.lastSequence[gateway] = sequence
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
        let n = Int(try r.byte())
        let gateway = String(decoding: try r.bytes(n), as: UTF8.self)
        let sequence = try r.uint64()
        let record = try CorrectionRecord(decoding: try r.bytes(r.remaining))
        return StoredRecord(gateway: gateway, sequence: sequence, record: record)
    }
}
