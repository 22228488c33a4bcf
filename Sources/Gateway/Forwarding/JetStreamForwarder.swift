import DPCLink
import JetStream
import Logging
import Synchronization

/// Sends the spool's records to a JetStream stream: connects to any server of the cluster, creates the stream
/// when the cluster has none of its name (and refuses one set up otherwise), then publishes the durable records
/// oldest first on `PREFIX.GATEWAY.STATION`, each with the message id `GATEWAY:GENERATION:SEQUENCE`, one at a
/// time so the stream holds them in the spool's order. A record leaves the spool only once the stream has
/// acknowledged it (stored, and replicated as the stream asks); a record published again after a failure is
/// dropped by the server inside its duplicate window and by the DPC's store after it. Before publishing, a
/// stream holding a later record of the spool's generation than the spool has numbered makes the spool start a
/// new generation, as the DPC's answer does on the direct link.
///
/// The DPC's corrections come back on the plain subject `corrections_subject`, subscribed to on the same
/// connection and handed to the station that takes them (`source: dpc://`).
///
/// Once connected the client reconnects by itself, to any server; a publish that times out meanwhile is tried
/// again on the same connection once the client is back. Any other failure starts over with a new connection
/// after `ReconnectBackoff`.
public final class JetStreamForwarder: Sendable {
    /// How long one publish waits for the stream's acknowledgement (a cluster electing a new leader takes seconds).
    public static let publishTimeout = Duration.seconds(5)

    private let settings: JetStreamSettings
    private let gatewayID: String
    private let spool: Spool
    private let metrics: GatewayMetrics?
    private let logger: Logger
    /// Records published per round; each waits for its acknowledgement before the next is sent.
    public let batchLimit: Int
    private let linkState = Mutex(Forwarder.LinkState.disconnected)
    private let correctionsSink = Mutex<(@Sendable ([UInt8]) -> Void)?>(nil)

    public func deliverCorrections(to sink: (@Sendable ([UInt8]) -> Void)?) {
        correctionsSink.withLock { $0 = sink }
    }

    public init(settings: JetStreamSettings, gatewayID: String, spool: Spool, metrics: GatewayMetrics?, logger: Logger,
                batchLimit: Int = 256) {
        self.settings = settings
        self.gatewayID = gatewayID
        self.spool = spool
        self.metrics = metrics
        self.logger = logger
        self.batchLimit = batchLimit
    }

    public var state: Forwarder.LinkState { linkState.withLock { $0 } }

    public func run() async {
        var backoff = ReconnectBackoff()
        let servers = ServerListText.text(settings.servers)
        while !Task.isCancelled {
            setState(.connecting)
            do {
                let connection = try await JetStreamConnection.connect(servers: settings.servers, name: "gatewayd \(gatewayID)")
                let outcome = try await connection.ensure(settings.streamDefinition)
                if outcome == .created {
                    logger.notice("JetStream stream created", metadata: ["stream": "\(settings.stream)", "subjects": "\(settings.streamSubjects)",
                                                                        "replicas": "\(settings.replicas)"])
                }
                try await checkNumbering(connection)
                setState(.connected)
                backoff.reset()
                let server = await connection.connectedServer ?? "?"
                logger.info("JetStream up", metadata: ["server": "\(server)", "stream": "\(settings.stream)",
                                                       "generation": "\(RecordStream.hex(spool.generation))", "pending": "\(spool.pendingCount)"])
                try await withThrowingTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { try await self.deliver(over: connection) }
                    tasks.addTask { try await self.receiveCorrections(over: connection) }
                    try await tasks.next()
                    tasks.cancelAll()
                }
            } catch is CancellationError {
                break
            } catch let error as JetStreamError where error.noServerReachable {
                logger.warning("no JetStream server reachable: records wait in the spool",
                               metadata: ["servers": "\(servers)", "pending": "\(spool.pendingCount)", "error": "\(error)"])
            } catch let error as JetStreamError where error.credentialsRefused {
                metrics?.linkRefusals.increment()
                logger.error("JetStream servers refused the credentials: give the user and password the servers expect in the server URLs",
                             metadata: ["servers": "\(servers)", "error": "\(error)"])
            } catch let error as StreamMismatch {
                metrics?.linkRefusals.increment()
                logger.error("JetStream stream refused: \(error)", metadata: ["servers": "\(servers)"])
            } catch {
                logger.warning("JetStream link down: \(error)", metadata: ["servers": "\(servers)", "pending": "\(spool.pendingCount)"])
            }
            setState(.disconnected)
            try? await Task.sleep(for: backoff.next())
        }
        setState(.disconnected)
    }

    /// The stream holds a later record of this spool's generation than the spool has ever numbered: the spool
    /// lost records it had published (its files restored from an older copy, or cut short), and the numbers it
    /// hands out next would name records the DPC already has, which would drop them. A new generation makes every
    /// record from here on new data.
    private func checkNumbering(_ connection: JetStreamConnection) async throws {
        guard let text = try await connection.lastMessageID(stream: settings.stream, subject: settings.subjects(gateway: gatewayID)),
              let last = RecordMessageID(text), last.gateway == gatewayID, last.generation == spool.generation,
              last.sequence > spool.lastSequence else { return }
        try spool.startNewGeneration(dpcLastSequence: last.sequence)
    }

    /// Publishes what the spool holds until cancelled; throws on a failure the client does not ride out itself.
    private func deliver(over connection: JetStreamConnection) async throws {
        var waiting = false
        while true {
            try Task.checkCancellation()
            try spool.sync()  // a record leaves only once it is durable
            let batch = try spool.pending(after: spool.acknowledgedSequence, limit: batchLimit)
            if batch.isEmpty {
                await spool.readyToSend.wait(timeout: .seconds(5))
                if connection.isConnected == waiting {  // the client lost or regained its server while idle
                    waiting.toggle()
                    setState(waiting ? .connecting : .connected)
                    if waiting {
                        logger.warning("JetStream connection lost: the client reconnects to any server of the list; records wait in the spool",
                                       metadata: ["servers": "\(ServerListText.text(settings.servers))"])
                    } else {
                        logger.info("JetStream connection back", metadata: ["pending": "\(spool.pendingCount)"])
                    }
                }
                continue
            }
            let generation = spool.generation
            let messages = batch.map { record in
                let station = (try? CorrectionRecord(decoding: record.body[...]))?.station ?? "unknown"
                return OutgoingMessage(subject: settings.subject(gateway: gatewayID, station: station), payload: record.body,
                                       messageID: RecordMessageID(gateway: gatewayID, generation: generation, sequence: record.sequence).description)
            }
            let progress = await connection.publishInOrder(messages, stream: settings.stream, timeout: Self.publishTimeout)
            if progress.acknowledged > 0 {
                spool.acknowledge(through: batch[progress.acknowledged - 1].sequence)
                metrics?.forwarded.increment(by: Int64(progress.acknowledged))
                if waiting {
                    waiting = false
                    setState(.connected)
                    let server = await connection.connectedServer ?? "?"
                    logger.info("JetStream publishing again", metadata: ["server": "\(server)",
                                                                         "pending": "\(spool.pendingCount)"])
                }
            }
            guard let failure = progress.failure else { continue }
            guard failure.timedOut else { throw failure }
            if !waiting {
                waiting = true
                setState(.connecting)
                logger.warning("JetStream publish not acknowledged in \(Self.publishTimeout): trying again once the client is connected",
                               metadata: ["error": "\(failure)", "pending": "\(spool.pendingCount)"])
            }
            // While the client reconnects it keeps what is published in its buffer: publish again only once it is
            // back, so one record at most waits there, not a copy per timeout.
            while !connection.isConnected {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Takes the DPC's corrections from their subject until cancelled, each message one epoch's SSR frames.
    private func receiveCorrections(over connection: JetStreamConnection) async throws {
        let subscription = try await connection.subscribe(subject: settings.correctionsSubject)
        var reportedDrops: Int64 = 0
        var taken = 0
        while true {
            try Task.checkCancellation()
            let payload = try await subscription.next(wait: .seconds(1))
            if let payload, !payload.isEmpty {
                taken += 1
                metrics?.dpcCorrections.increment()
                correctionsSink.withLock { $0 }?(payload)
            }
            // Messages the client dropped because this loop fell behind, looked at now and then.
            if payload == nil || taken % 64 == 0 {
                let dropped = await subscription.dropped
                if dropped > reportedDrops {
                    metrics?.dpcCorrectionsDropped.increment(by: Int64(dropped - reportedDrops))
                    logger.warning("corrections dropped on \(settings.correctionsSubject): not taken fast enough", metadata: ["dropped": "\(dropped)"])
                    reportedDrops = dropped
                }
            }
        }
    }

    private func setState(_ s: Forwarder.LinkState) {
        linkState.withLock { $0 = s }
        metrics?.linkUp.set(to: s == .connected ? 1 : 0)
    }
}
