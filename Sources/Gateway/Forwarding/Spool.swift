import DPC
import DaemonSupport
import Foundation
import Logging
import Synchronization

/// The gateway's durable outbox: correction records are appended to a
/// segment log under the state directory and leave it only once the DPC has
/// acknowledged them. Sequence numbers are the log's record indices, so they
/// are consecutive and survive restarts. Beyond the size cap the oldest
/// records are dropped, counted and logged.
///
/// The last acknowledged sequence is kept in the file `acknowledged` next to
/// the segments; losing its latest value only means re-sending records the DPC
/// already has, which it recognises and drops.
public final class Spool: Sendable {
    private struct State {
        var log: SegmentLog
        var acknowledged: UInt64
        var reportedDrops = 0
    }

    private let state: Mutex<State>
    private let acknowledgedPath: String
    private let metrics: GatewayMetrics?
    private let logger: Logger

    public init(directory: String, maxBytes: Int, metrics: GatewayMetrics?, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let segmentBytes = max(64 << 10, min(4 << 20, maxBytes / 16))
        let log = try SegmentLog(directory: directory, segmentBytes: segmentBytes, maxBytes: maxBytes)
        acknowledgedPath = (directory as NSString).appendingPathComponent("acknowledged")
        let text = (try? String(contentsOfFile: acknowledgedPath, encoding: .utf8)) ?? ""
        let acknowledged = min(UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, log.nextIndex &- 1)
        if log.recovery.truncatedBytes > 0 || log.recovery.corruptRecords > 0 {
            logger.warning("spool repaired on open", metadata: ["truncated_bytes": "\(log.recovery.truncatedBytes)",
                                                                 "corrupt_records": "\(log.recovery.corruptRecords)"])
        }
        state = Mutex(State(log: log, acknowledged: acknowledged))
        self.metrics = metrics
        self.logger = logger
        publishGauges()
    }

    /// Appends a record; returns its sequence number.
    @discardableResult
    public func append(_ record: CorrectionRecord) throws -> UInt64 {
        let (sequence, dropped) = try state.withLock { s in
            let sequence = try s.log.append(record.encoded())
            let dropped = s.log.droppedRecords - s.reportedDrops
            s.reportedDrops = s.log.droppedRecords
            return (sequence, dropped)
        }
        metrics?.spooled.increment()
        if dropped > 0 {
            metrics?.spoolDropped.increment(by: Int64(dropped))
            logger.warning("spool full: oldest unacknowledged records dropped", metadata: ["records": "\(dropped)"])
        }
        publishGauges()
        return sequence
    }

    /// Records after `sequence` waiting to be sent, oldest first.
    public func pending(after sequence: UInt64, limit: Int) throws -> [(sequence: UInt64, body: [UInt8])] {
        try state.withLock { s in
            let from = max(sequence, s.acknowledged) + 1
            return try s.log.records(from: from, limit: limit).map { ($0.index, $0.payload) }
        }
    }

    /// The DPC holds every record up to `sequence`: they may leave the spool.
    public func acknowledge(through sequence: UInt64) {
        let newly: UInt64 = state.withLock { s in
            let upTo = min(sequence, s.log.nextIndex &- 1)
            guard upTo > s.acknowledged else { return 0 }
            let n = upTo - s.acknowledged
            s.acknowledged = upTo
            try? s.log.removeSegments(through: upTo)
            return n
        }
        guard newly > 0 else { return }
        metrics?.acknowledged.increment(by: Int64(newly))
        let text = String(acknowledgedSequence) + "\n"
        let temporary = acknowledgedPath + ".new"
        if FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) {
            _ = rename(temporary, acknowledgedPath)
        }
        publishGauges()
    }

    public var acknowledgedSequence: UInt64 { state.withLock { $0.acknowledged } }
    public var lastSequence: UInt64 { state.withLock { $0.log.nextIndex &- 1 } }
    public var pendingCount: UInt64 { state.withLock { ($0.log.nextIndex &- 1) - max($0.acknowledged, $0.log.firstIndex &- 1) } }
    public var totalBytes: Int { state.withLock { $0.log.totalBytes } }
    public var droppedRecords: Int { state.withLock { $0.log.droppedRecords } }

    /// fsync the spool (periodically and at shutdown).
    public func sync() throws {
        try state.withLock { try $0.log.sync() }
    }

    private func publishGauges() {
        metrics?.spoolBytes.set(to: Double(totalBytes))
        metrics?.spoolPending.set(to: Double(pendingCount))
    }
}
