import DaemonSupport
import Logging
import NIOCore
import NIOPosix

/// The DPC's link endpoint: accepts gateways, authenticates them with the
/// shared key, stores their records and acknowledges each batch once it is on
/// disk (fsync), dropping records it already holds.
public final class DPCServer: Sendable {
    private let channel: Channel
    public let store: DPCStore

    public var localAddress: SocketAddress? { channel.localAddress }

    public init(listen: NetworkAddress, key: SharedKey, store: DPCStore, metrics: DPCMetrics, group: EventLoopGroup, logger: Logger) async throws {
        self.store = store
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(ByteToMessageHandler(LinkFrameDecoder()))
                    try ops.addHandler(MessageToByteHandler(LinkFrameEncoder()))
                    try ops.addHandler(LinkServerHandler(key: key, store: store, metrics: metrics, logger: logger))
                }
            }
            .bind(host: listen.host, port: listen.port).get()
    }

    public func close() async {
        try? await channel.close()
    }
}

/// One gateway connection: challenge, proof, then records and acknowledgements.
final class LinkServerHandler: ChannelInboundHandler {
    typealias InboundIn = LinkFrame
    typealias OutboundOut = LinkFrame

    private enum State {
        case awaitingProof(challenge: [UInt8])
        case authenticated(gateway: String)
        case closed
    }

    static let authenticationTimeout = TimeAmount.seconds(10)

    private let key: SharedKey
    private let store: DPCStore
    private let metrics: DPCMetrics
    private var logger: Logger
    private var state: State = .closed
    private var toAcknowledge: UInt64?
    private var timeout: Scheduled<Void>?

    init(key: SharedKey, store: DPCStore, metrics: DPCMetrics, logger: Logger) {
        self.key = key
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        let challenge = SharedKey.challenge()
        state = .awaitingProof(challenge: challenge)
        context.writeAndFlush(wrapOutboundOut(.hello(version: LinkFrame.protocolVersion, challenge: challenge)), promise: nil)
        let channel = context.channel
        let metrics = self.metrics
        let logger = self.logger
        timeout = context.eventLoop.scheduleTask(in: Self.authenticationTimeout) {
            metrics.refused("timeout")
            logger.warning("link refused: no authentication within \(Self.authenticationTimeout.nanoseconds / 1_000_000_000) s")
            channel.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        if case .authenticated(let gateway) = state {
            metrics.links.decrement()
            logger.info("gateway disconnected", metadata: ["gateway": "\(gateway)"])
        }
        state = .closed
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch (state, frame) {
        case (.awaitingProof(let challenge), .authenticate(let gateway, let theirs, let proof)):
            timeout?.cancel()
            let expected = key.gatewayProof(dpcChallenge: challenge, gatewayChallenge: theirs, gateway: gateway)
            guard SharedKey.matches(expected, proof), !gateway.isEmpty else {
                refuse(context: context, reason: "authentication failed", counter: "bad_key")
                return
            }
            state = .authenticated(gateway: gateway)
            metrics.links.increment()
            let last = store.lastSequence(gateway: gateway)
            logger.info("gateway authenticated", metadata: ["gateway": "\(gateway)", "last_sequence": "\(last)"])
            let answer = key.dpcProof(dpcChallenge: challenge, gatewayChallenge: theirs, gateway: gateway)
            context.writeAndFlush(wrapOutboundOut(.welcome(proof: answer, lastSequence: last)), promise: nil)
        case (.authenticated(let gateway), .record(let sequence, let body)):
            do {
                _ = try CorrectionRecord(decoding: body[...])
                if try store.store(gateway: gateway, sequence: sequence, body: body) {
                    metrics.stored.increment()
                } else {
                    metrics.duplicates.increment()
                }
                toAcknowledge = max(toAcknowledge ?? 0, sequence)
            } catch {
                metrics.protocolErrors.increment()
                logger.error("record \(sequence) refused: \(error)", metadata: ["gateway": "\(gateway)"])
                refuse(context: context, reason: "record \(sequence): \(error)", counter: nil)
            }
        case (.closed, _):
            break
        default:
            refuse(context: context, reason: "unexpected message", counter: "protocol")
        }
    }

    /// A batch of reads is over: make it durable, then acknowledge it.
    func channelReadComplete(context: ChannelHandlerContext) {
        guard let sequence = toAcknowledge else { return }
        toAcknowledge = nil
        do {
            try store.sync()
        } catch {
            logger.error("store sync failed, not acknowledging: \(error)")
            context.close(promise: nil)
            return
        }
        metrics.acknowledgements.increment()
        metrics.storeBytes.set(to: Double(store.totalBytes))
        context.writeAndFlush(wrapOutboundOut(.acknowledge(sequence: sequence)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        metrics.protocolErrors.increment()
        logger.warning("link closed: \(error)")
        context.close(promise: nil)
    }

    private func refuse(context: ChannelHandlerContext, reason: String, counter: String?) {
        if let counter {
            metrics.refused(counter)
            logger.warning("link refused: \(reason)")
        }
        if case .authenticated = state { metrics.links.decrement() }
        state = .closed
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.refused(reason: reason))).whenComplete { _ in channel.close(promise: nil) }
    }
}
