import DPCLink
import JetStream
import Logging
import NIOPosix

/// Takes gateways' records from a JetStream stream into the store through a durable pull consumer: fetches a
/// batch in stream order, stores each record under the gateway, generation and sequence its message id names
/// (a record the store has already is counted as a duplicate and not stored twice), fsyncs the store, and only
/// then acknowledges the batch. A dpcd that died before acknowledging gets the same records again, first and in
/// order, when it comes back (see `DurablePullConsumer`). A message that is not a record (no or a bad message
/// id, an undecodable body) is counted, logged and acknowledged with its batch, so it cannot stop the stream.
///
/// Connects to any server of the list, creates the stream when the cluster has none of its name and refuses
/// one set up otherwise; on any failure it starts over after a growing wait of at most 5 s.
public final class JetStreamIntake: Sendable {
    /// Records fetched, stored and acknowledged at a time (also the consumer's limit of unacknowledged records).
    public static let batchLimit = 256

    private let settings: JetStreamSettings
    private let durable: String
    private let store: DPCStore
    private let metrics: DPCMetrics
    private let logger: Logger
    private let processing: NetworkProcessing?

    public init(settings: JetStreamSettings, store: DPCStore, metrics: DPCMetrics, processing: NetworkProcessing? = nil, logger: Logger) {
        self.settings = settings
        self.processing = processing
        durable = settings.durable ?? "dpcd"
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    /// Runs until the task is cancelled.
    public func run() async {
        var wait = Duration.milliseconds(250)
        // The stream sequence a gap was last seen at, once the consumer was set up again for it: seen again from there,
        // the records are no longer in the stream (dropped by its limits), not lost in delivery.
        var gapRestartedAt: UInt64?
        let servers = ServerListText.text(settings.servers)
        while !Task.isCancelled {
            do {
                let connection = try await JetStreamConnection.connect(servers: settings.servers, name: "dpcd \(durable)")
                if try await connection.ensure(settings.streamDefinition) == .created {
                    logger.notice("JetStream stream created", metadata: ["stream": "\(settings.stream)", "subjects": "\(settings.streamSubjects)",
                                                                        "replicas": "\(settings.replicas)"])
                }
                let (consumer, start) = try await DurablePullConsumer.open(connection: connection, stream: settings.stream, durable: durable,
                                                                           filter: settings.streamSubjects, batchLimit: Self.batchLimit)
                metrics.jetStreamUp.set(to: 1)
                wait = .milliseconds(250)
                logStart(start, server: await connection.connectedServer)
                // The network's corrections go out on their subject while the connection lasts, as to a linked gateway;
                // an epoch that comes while the client reconnects is skipped and counted (a correction is worth having
                // only now), and a new connection is sent the retained epochs it has not had.
                let subject = settings.correctionsSubject, name = "jetstream \(durable)"
                let token = processing.map { p in
                    p.broadcast.subscribe(gateway: name) { [weak p] sequence, rtcm in
                        guard connection.publishInBackground(subject: subject, payload: rtcm) else { return false }
                        p?.broadcast.acknowledge(gateway: name, through: sequence)
                        return true
                    }
                }
                defer { if let token { processing?.broadcast.unsubscribe(token) } }
                try await consume(consumer, expecting: Self.next(after: start), gapRestartedAt: gapRestartedAt)
            } catch is CancellationError {
                break
            } catch let gap as DeliveryGap {
                // Acknowledging past it would acknowledge the missing records too (acknowledgements cover all before).
                logger.warning("JetStream delivered stream sequence \(gap.delivered) where \(gap.expected) was next: setting the consumer up again from its acknowledgement floor",
                               metadata: ["durable": "\(durable)"])
                gapRestartedAt = gap.expected
            } catch let error as JetStreamError where error.noServerReachable {
                logger.warning("no JetStream server reachable: no records are taken in", metadata: ["servers": "\(servers)", "error": "\(error)"])
            } catch let error as JetStreamError where error.credentialsRefused {
                logger.error("JetStream servers refused the credentials: give the user and password the servers expect in the server URLs",
                             metadata: ["servers": "\(servers)", "error": "\(error)"])
            } catch let error as StreamMismatch {
                logger.error("JetStream stream refused: \(error)", metadata: ["servers": "\(servers)"])
            } catch {
                logger.warning("JetStream intake down: \(error)", metadata: ["servers": "\(servers)", "durable": "\(durable)"])
            }
            metrics.jetStreamUp.set(to: 0)
            try? await Task.sleep(for: wait)
            wait = min(wait * 2, .seconds(5))
        }
        metrics.jetStreamUp.set(to: 0)
    }

    private func logStart(_ start: DurablePullConsumer.Start, server: String?) {
        var metadata: Logger.Metadata = ["server": "\(server ?? "?")", "stream": "\(settings.stream)", "durable": "\(durable)"]
        switch start {
        case .created:
            logger.notice("JetStream consumer created: taking in every record of the stream", metadata: metadata)
        case .resumed(let floor):
            metadata["acknowledged_through"] = "\(floor)"
            logger.info("JetStream consumer resumed", metadata: metadata)
        case .restartedAfterUnacknowledged(let from, let count):
            metadata["from_stream_sequence"] = "\(from)"
            metadata["unacknowledged"] = "\(count)"
            logger.notice("JetStream consumer set up again from its first unacknowledged record, so those come again in order",
                          metadata: metadata)
        }
    }

    /// A batch that does not continue from the last record acknowledged: records between were delivered and lost
    /// on the way (a server failing mid-delivery), and would come again only after newer ones.
    struct DeliveryGap: Error, Equatable {
        var expected: UInt64
        var delivered: UInt64
    }

    /// Checks that a batch's stream sequences continue from `expected` (nil: from wherever it starts): returns the next
    /// one expected, and the sequences skipped when the consumer was just set up again for that very gap (gone from
    /// the stream); throws `DeliveryGap` for any other break, going back included.
    static func continuity(of sequences: [UInt64], expected: UInt64?, gapRestartedAt: UInt64?) throws(DeliveryGap)
        -> (next: UInt64?, gone: ClosedRange<UInt64>?) {
        var next = expected
        var gone: ClosedRange<UInt64>?
        for sequence in sequences {
            if let e = next, sequence != e {
                guard sequence > e, gapRestartedAt == e, gone == nil else { throw DeliveryGap(expected: e, delivered: sequence) }
                gone = e...(sequence - 1)
            }
            next = sequence + 1
        }
        return (next, gone)
    }

    /// The stream sequence the consumer delivers next, where its start says (nil for a new consumer: the stream's first).
    static func next(after start: DurablePullConsumer.Start) -> UInt64? {
        switch start {
        case .created: nil
        case .resumed(let floor): floor + 1
        case .restartedAfterUnacknowledged(let from, _): from
        }
    }

    /// Stores and acknowledges batch after batch until cancelled or a failure. Batches must continue the stream's
    /// sequence from `expected`; a gap throws `DeliveryGap` before anything is acknowledged, unless the consumer was just
    /// set up again for that very gap (`gapRestartedAt`): then the records are gone from the stream, and it is logged.
    private func consume(_ consumer: DurablePullConsumer, expecting first: UInt64?, gapRestartedAt: UInt64?) async throws {
        var expected = first
        var connected = true
        while true {
            try Task.checkCancellation()
            let batch = try await consumer.fetch(wait: .seconds(1))
            if consumer.isConnected != connected {
                connected.toggle()
                metrics.jetStreamUp.set(to: connected ? 1 : 0)
                if connected {
                    logger.info("JetStream connection back: taking records in again", metadata: ["durable": "\(durable)"])
                } else {
                    logger.warning("JetStream connection lost: the client reconnects to any server of the list",
                                   metadata: ["servers": "\(ServerListText.text(settings.servers))", "durable": "\(durable)"])
                }
            }
            guard !batch.isEmpty else { continue }
            let (next, gone) = try Self.continuity(of: batch.map(\.streamSequence), expected: expected, gapRestartedAt: gapRestartedAt)
            expected = next
            if let gone {
                logger.error("JetStream stream sequences \(gone.lowerBound)–\(gone.upperBound) are no longer in the stream (dropped by its limits before this DPC took them)",
                             metadata: ["durable": "\(durable)", "stream": "\(settings.stream)"])
            }
            var stored = 0
            var duplicates = 0
            for message in batch {
                switch take(message) {
                case .stored: stored += 1
                case .duplicate: duplicates += 1
                case .rejected: break
                }
            }
            let store = self.store
            try await NIOThreadPool.singleton.runIfActive { try store.sync() }  // the fsync off the task's thread
            try await consumer.acknowledgeFetched()
            metrics.stored.increment(by: Int64(stored))
            metrics.duplicates.increment(by: Int64(duplicates))
            metrics.acknowledgements.increment()
            metrics.storeBytes.set(to: Double(store.totalBytes))
        }
    }

    private enum Taken { case stored, duplicate, rejected }

    private func take(_ message: DeliveredMessage) -> Taken {
        guard let text = message.messageID, let id = RecordMessageID(text) else {
            reject(message, reason: message.messageID.map { "message id '\($0)' is not GATEWAY:GENERATION:SEQUENCE" } ?? "no message id")
            return .rejected
        }
        do {
            let record = try CorrectionRecord(decoding: message.payload[...])
            let stream = RecordStream(gateway: id.gateway, generation: id.generation)
            guard try store.store(stream, sequence: id.sequence, body: message.payload) else { return .duplicate }
            processing?.accept(record)
            return .stored
        } catch {
            reject(message, reason: "\(error)")
            return .rejected
        }
    }

    private func reject(_ message: DeliveredMessage, reason: String) {
        metrics.jetStreamRejected.increment()
        logger.error("JetStream message is not a record, dropped: \(reason)",
                     metadata: ["subject": "\(message.subject)", "stream_sequence": "\(message.streamSequence)"])
    }
}
