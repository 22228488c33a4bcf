import DPCLink
import DaemonSupport
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Sends the spool's records to the DPC over the authenticated link: connects,
/// proves it holds the shared key and checks that the DPC does too, names its
/// spool's generation and last sequence, resumes after the last sequence the
/// DPC has stored for that generation, keeps up to `window` durable records in
/// flight (each fsynced in the spool before it is sent) and lets the spool
/// release what is acknowledged. A DPC holding later sequences of the
/// generation than the spool ever used makes the spool start a new generation.
/// With nothing to send it sends a keep-alive every
/// `LinkTiming.keepaliveInterval`, and it takes a DPC silent for
/// `LinkTiming.gatewaySilenceLimit` for gone. On any failure it reconnects
/// with `ReconnectBackoff`.
public final class Forwarder: Sendable {
    public enum LinkState: String, Sendable { case disconnected, connecting, connected }

    /// How a session ended without an error.
    private enum SessionEnd { case newGeneration }

    private let address: NetworkAddress
    private let gatewayID: String
    private let key: SharedKey
    private let spool: Spool
    private let metrics: GatewayMetrics?
    private let logger: Logger
    private let group: EventLoopGroup
    public let window: Int
    private let linkState = Mutex(LinkState.disconnected)
    /// Where the corrections the DPC sends back go (a corrections station's inbox), if anywhere.
    private let correctionsSink = Mutex<(@Sendable ([UInt8]) -> Void)?>(nil)

    /// Hands the DPC's corrections to `sink` from now on (nil: they are acknowledged and dropped).
    public func deliverCorrections(to sink: (@Sendable ([UInt8]) -> Void)?) {
        correctionsSink.withLock { $0 = sink }
    }

    public init(address: NetworkAddress, gatewayID: String, key: SharedKey, spool: Spool, group: EventLoopGroup,
                metrics: GatewayMetrics?, logger: Logger, window: Int = 512) {
        self.address = address
        self.gatewayID = gatewayID
        self.key = key
        self.spool = spool
        self.group = group
        self.metrics = metrics
        self.logger = logger
        self.window = window
    }

    public var state: LinkState { linkState.withLock { $0 } }

    /// Runs until the task is cancelled.
    public func run() async {
        var backoff = ReconnectBackoff()
        while !Task.isCancelled {
            setState(.connecting)
            let wait: Duration
            do {
                switch try await session(authenticated: { backoff.reset() }) {
                case .newGeneration:
                    setState(.disconnected)
                    continue
                }
            } catch is CancellationError {
                break
            } catch {
                wait = backoff.next()
                switch error {
                case LinkProtocolError.authentication:
                    metrics?.linkRefusals.increment()
                    logger.warning("DPC link down: \(error)", metadata: ["dpc": "\(address)", "retry_in": "\(wait)"])
                case LinkProtocolError.version:
                    metrics?.linkRefusals.increment()
                    logger.error("DPC link refused: \(error)", metadata: ["dpc": "\(address)", "retry_in": "\(wait)"])
                default:
                    logger.warning("DPC link down: \(error)", metadata: ["dpc": "\(address)", "retry_in": "\(wait)"])
                }
            }
            setState(.disconnected)
            try? await Task.sleep(for: wait)
        }
        setState(.disconnected)
    }

    private func setState(_ s: LinkState) {
        linkState.withLock { $0 = s }
        metrics?.linkUp.set(to: s == .connected ? 1 : 0)
    }

    private func session(authenticated: () -> Void) async throws -> SessionEnd {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.seconds(5))
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(ByteToMessageHandler(LinkFrameDecoder(limit: LinkFrameLimit(bodyBytes: LinkFrame.fromDPCBodyLimit))))
                    try ops.addHandler(MessageToByteHandler(LinkFrameEncoder()))
                    return try NIOAsyncChannel<LinkFrame, LinkFrame>(wrappingChannelSynchronously: channel)
                }
            }
        let connection = channel.channel
        return try await channel.executeThenClose { inbound, outbound in
            var frames = inbound.makeAsyncIterator()
            guard case .hello(let version, let dpcChallenge)? = try await frames.next() else {
                throw LinkProtocolError.unexpected("first message from the DPC")
            }
            guard version == LinkFrame.protocolVersion else { throw LinkProtocolError.version(version) }
            let generation = spool.generation
            let ownLast = spool.lastSequence
            let challenge = SharedKey.challenge()
            let proof = key.gatewayProof(dpcChallenge: dpcChallenge, gatewayChallenge: challenge, gateway: gatewayID, generation: generation)
            try await outbound.write(.authenticate(version: LinkFrame.protocolVersion, gateway: gatewayID, generation: generation,
                                                   lastSequence: ownLast, challenge: challenge, proof: proof))
            let lastStored: UInt64
            switch try await frames.next() {
            case .welcome(let theirs, let last)?:
                let expected = key.dpcProof(dpcChallenge: dpcChallenge, gatewayChallenge: challenge, gateway: gatewayID, generation: generation)
                guard SharedKey.matches(expected, theirs) else { throw LinkProtocolError.authentication("the DPC does not hold the shared key") }
                lastStored = last
            case .refused(let reason)?:
                throw LinkProtocolError.authentication(reason)
            default:
                throw LinkProtocolError.unexpected("answer to authentication")
            }
            if lastStored > ownLast {
                try spool.startNewGeneration(dpcLastSequence: lastStored)
                return .newGeneration
            }
            spool.acknowledge(through: lastStored)
            setState(.connected)
            authenticated()
            logger.info("DPC link up", metadata: ["dpc": "\(address)", "dpc_last_sequence": "\(lastStored)",
                                                  "generation": "\(RecordStream.hex(generation))", "pending": "\(spool.pendingCount)"])
            let acknowledged = AcknowledgedSequence(spool.acknowledgedSequence)
            let heard = LastHeard()
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [spool, metrics, window] in
                    var sent = acknowledged.value
                    var lastWrite = ContinuousClock.now
                    while !Task.isCancelled {
                        try spool.sync()  // a record leaves only once it is durable
                        let room = window - Int(sent - min(sent, acknowledged.value))
                        let batch = room > 0 ? try spool.pending(after: sent, limit: room) : []
                        if batch.isEmpty {
                            let quiet = ContinuousClock.now - lastWrite
                            if quiet >= LinkTiming.keepaliveInterval {
                                try await outbound.write(.keepalive)
                                lastWrite = .now
                                continue
                            }
                            // Until a record is appended, an acknowledgement makes room, or a keep-alive is due.
                            await spool.readyToSend.wait(timeout: LinkTiming.keepaliveInterval - quiet)
                            try Task.checkCancellation()
                            continue
                        }
                        try await outbound.write(contentsOf: batch.map { LinkFrame.record(sequence: $0.sequence, body: $0.body) })
                        metrics?.forwarded.increment(by: Int64(batch.count))
                        sent = batch[batch.count - 1].sequence
                        lastWrite = .now
                    }
                }
                group.addTask { [logger, address] in
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(1))
                        if heard.silence > LinkTiming.gatewaySilenceLimit {
                            logger.warning("nothing heard from the DPC for \(LinkTiming.gatewaySilenceLimit); reconnecting",
                                           metadata: ["dpc": "\(address)"])
                            connection.close(promise: nil)
                            return
                        }
                    }
                }
                while let frame = try await frames.next() {
                    heard.now()
                    switch frame {
                    case .acknowledge(let sequence):
                        spool.acknowledge(through: sequence)
                        acknowledged.value = sequence
                        spool.readyToSend.signal()  // room in the window
                    case .keepalive:
                        break
                    case .corrections(let sequence, let rtcm):
                        correctionsSink.withLock { $0 }?(rtcm)
                        metrics?.dpcCorrections.increment()
                        try await outbound.write(.correctionsAcknowledge(sequence: sequence))
                    case .refused(let reason):
                        throw LinkProtocolError.unexpected("refusal: \(reason)")
                    default:
                        throw LinkProtocolError.unexpected("message from the DPC")
                    }
                }
                throw LinkProtocolError.unexpected("end of the connection")
            }
        }
    }
}

/// When the DPC last sent anything, for the silence check.
private final class LastHeard: Sendable {
    private let instant = Mutex(ContinuousClock.now)

    func now() { instant.withLock { $0 = .now } }

    var silence: Duration { ContinuousClock.now - instant.withLock { $0 } }
}

/// The latest acknowledgement, shared by the link's reading and sending tasks.
private final class AcknowledgedSequence: Sendable {
    private let stored: Atomic<UInt64>

    init(_ value: UInt64) { stored = Atomic(value) }

    var value: UInt64 {
        get { stored.load(ordering: .acquiring) }
        set { stored.store(newValue, ordering: .releasing) }
    }
}
