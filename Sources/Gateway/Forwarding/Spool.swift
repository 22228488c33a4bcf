import DPCLink
import DaemonSupport
import Foundation
import Logging
import Synchronization

/// The gateway's durable outbox: correction records are appended to a
/// segment log under the state directory and leave it only once the DPC has
/// acknowledged them. Sequence numbers are the log's record indices, so they
/// are consecutive and survive restarts; together with the spool's generation
/// (see `SpoolGeneration`) they name one record for good. A record may be sent
/// only once it is durable (`sync()` has fsynced it): the DPC can then never
/// hold a record that a crash took from the spool, whose number would be
/// reused for different data. Beyond the size cap the oldest records are
/// dropped, counted and logged.
///
/// The last acknowledged sequence is kept in the file `acknowledged` next to
/// the segments; losing its latest value only means re-sending records the DPC
/// already has, which it recognises and drops.
public final class Spool: Sendable {
    private struct State {
        var log: SegmentLog
        var acknowledged: UInt64
        /// Every record up to this sequence has been fsynced.
        var durable: UInt64 = 0
        var generation: SpoolGeneration
        var reportedDrops = 0
    }

    private let state: Mutex<State>
    private let directory: String
    private let acknowledgedPath: String
    private let metrics: GatewayMetrics?
    private let logger: Logger
    /// Wakes the sender waiting for something to send: signalled at every append, and by the forwarder when an
    /// acknowledgement makes room in its window.
    let readyToSend = WakeSignal()

    public init(directory: String, maxBytes: Int, metrics: GatewayMetrics?, logger: Logger) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let hadGeneration = existing.contains("generation")
        let predatesGenerations = !hadGeneration && existing.contains { $0.hasSuffix(".seg") || $0 == "acknowledged" }
        let segmentBytes = max(64 << 10, min(4 << 20, maxBytes / 16))
        let log = try SegmentLog(directory: directory, segmentBytes: segmentBytes, maxBytes: maxBytes)
        try log.sync()
        acknowledgedPath = (directory as NSString).appendingPathComponent("acknowledged")
        let text = (try? String(contentsOfFile: acknowledgedPath, encoding: .utf8)) ?? ""
        let acknowledged = min(UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, log.nextIndex &- 1)
        if log.recovery.truncatedBytes > 0 || log.recovery.corruptRecords > 0 {
            logger.warning("spool repaired on open", metadata: ["truncated_bytes": "\(log.recovery.truncatedBytes)",
                                                                 "corrupt_records": "\(log.recovery.corruptRecords)"])
        }
        let generation: SpoolGeneration
        if let stored = SpoolGeneration.stored(in: directory) {
            generation = stored
        } else if predatesGenerations {
            generation = .legacy
            try generation.store(in: directory)
        } else {
            generation = .random()
            try generation.store(in: directory)
            metrics?.spoolGenerations("created").increment()
            if hadGeneration {
                logger.warning("the spool's generation file is unreadable: starting a new generation, so its records are new data to the DPC",
                               metadata: ["directory": "\(directory)", "generation": "\(generation)"])
            } else {
                logger.notice("spool created with a new generation: its records are numbered from 1 as new data",
                              metadata: ["directory": "\(directory)", "generation": "\(generation)"])
            }
        }
        state = Mutex(State(log: log, acknowledged: acknowledged, durable: log.nextIndex &- 1, generation: generation))
        self.directory = directory
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
        readyToSend.signal()
        if dropped > 0 {
            metrics?.spoolDropped.increment(by: Int64(dropped))
            logger.warning("spool full: oldest unacknowledged records dropped", metadata: ["records": "\(dropped)"])
        }
        publishGauges()
        return sequence
    }

    /// Durable records after `sequence` waiting to be sent, oldest first; a record appended since the
    /// last `sync()` is not among them.
    public func pending(after sequence: UInt64, limit: Int) throws -> [(sequence: UInt64, body: [UInt8])] {
        try state.withLock { s in
            let from = max(sequence, s.acknowledged) + 1
            guard from <= s.durable else { return [] }
            let available = s.durable - from + 1
            let count = available < UInt64(limit) ? Int(available) : limit
            return try s.log.records(from: from, limit: count).filter { $0.index <= s.durable }.map { ($0.index, $0.payload) }
        }
    }

    /// The DPC holds every record up to `sequence`: they may leave the spool.
    public func acknowledge(through sequence: UInt64) {
        let newly: UInt64? = state.withLock { s in
            let upTo = min(sequence, s.log.nextIndex &- 1)
            guard upTo > s.acknowledged else { return nil }
            // Records the size cap dropped (below the oldest one on disk) were never stored by the DPC.
            let held = max(s.acknowledged, s.log.firstIndex &- 1)
            let n = upTo > held ? upTo - held : 0
            s.acknowledged = upTo
            try? s.log.removeSegments(through: upTo)
            return n
        }
        guard let newly else { return }
        if newly > 0 { metrics?.acknowledged.increment(by: Int64(newly)) }
        let text = String(acknowledgedSequence) + "\n"
        let temporary = acknowledgedPath + ".new"
        if FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) {
            _ = rename(temporary, acknowledgedPath)
        }
        publishGauges()
    }

    public var acknowledgedSequence: UInt64 { state.withLock { $0.acknowledged } }
    public var lastSequence: UInt64 { state.withLock { $0.log.nextIndex &- 1 } }
    /// The last sequence fsynced, so the last one that may be sent.
    public var durableSequence: UInt64 { state.withLock { $0.durable } }
    public var pendingCount: UInt64 { state.withLock { ($0.log.nextIndex &- 1) - max($0.acknowledged, $0.log.firstIndex &- 1) } }
    public var totalBytes: Int { state.withLock { $0.log.totalBytes } }
    public var droppedRecords: Int { state.withLock { $0.log.droppedRecords } }
    /// The spool's generation: with the sequence, what names a record to the DPC.
    public var generation: UInt64 { state.withLock { $0.generation.value } }

    /// fsync the spool, making every record appended so far durable and so ready to be sent
    /// (before sending, periodically, and at shutdown).
    public func sync() throws {
        try state.withLock { s in
            try s.log.sync()
            s.durable = s.log.nextIndex &- 1
        }
    }

    /// The DPC holds later sequence numbers of this generation than the spool has ever used: the spool
    /// lost records it had sent (its files were restored from an older copy or cut short), and the
    /// numbers it hands out next would name records the DPC already has. A new generation makes every
    /// record from here on, the unacknowledged ones included, new data to the DPC.
    public func startNewGeneration(dpcLastSequence: UInt64) throws {
        let (old, new, last) = try state.withLock { s in
            let new = SpoolGeneration.random()
            try new.store(in: directory)
            defer { s.generation = new }
            return (s.generation, new, s.log.nextIndex &- 1)
        }
        metrics?.spoolGenerations("sequence_regression").increment()
        logger.error("the DPC holds later records of this spool's generation than the spool: its sequence numbers went back; starting a new generation so no record is taken for one already stored",
                     metadata: ["old_generation": "\(old)", "generation": "\(new)", "last_sequence": "\(last)",
                                "dpc_last_sequence": "\(dpcLastSequence)"])
    }

    private func publishGauges() {
        metrics?.spoolBytes.set(to: Double(totalBytes))
        metrics?.spoolPending.set(to: Double(pendingCount))
    }
}
