import DPCLink
import DaemonSupport
import Logging
import NIOCore
import NIOPosix

/// The DPC's link endpoint: accepts gateways within the connection caps,
/// authenticates them with the shared key, stores their records and
/// acknowledges each batch once it is on disk (fsync), dropping records it
/// already holds.
public final class DPCServer: Sendable {
    /// How many connections the server holds, and for how long.
    public struct Limits: Sendable {
        public var maxConnections: Int
        public var maxConnectionsPerAddress: Int
        public var authenticationTimeout: TimeAmount
        public var idleTimeout: TimeAmount

        public init(maxConnections: Int = 256, maxConnectionsPerAddress: Int = 8,
                    authenticationTimeout: TimeAmount = .seconds(10), idleTimeout: TimeAmount = .seconds(60)) {
            self.maxConnections = maxConnections
            self.maxConnectionsPerAddress = maxConnectionsPerAddress
            self.authenticationTimeout = authenticationTimeout
            self.idleTimeout = idleTimeout
        }

        public init(_ c: DPCConfiguration) {
            self.init(maxConnections: c.maxConnections, maxConnectionsPerAddress: c.maxConnectionsPerAddress,
                      authenticationTimeout: .seconds(Int64(c.authenticationTimeout)), idleTimeout: .seconds(Int64(c.idleTimeout)))
        }
    }

    private let channel: Channel
    public let store: DPCStore

    public var localAddress: SocketAddress? { channel.localAddress }

    public init(listen: NetworkAddress, key: SharedKey, store: DPCStore, metrics: DPCMetrics, limits: Limits = Limits(),
                processing: NetworkProcessing? = nil, group: EventLoopGroup, logger: Logger) async throws {
        self.store = store
        let connections = ConnectionLimiter(maxTotal: limits.maxConnections, maxPerAddress: limits.maxConnectionsPerAddress)
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let peer = channel.remoteAddress?.ipAddress ?? "unknown"
                if let refusal = connections.admit(peer) {
                    metrics.refused(refusal.rawValue)
                    logger.warning("link refused: too many connections", metadata: [
                        "peer": "\(peer)", "open": "\(connections.open)", "limit": "\(refusal.rawValue)"])
                    return channel.eventLoop.makeFailedFuture(LinkProtocolError.unexpected("connection beyond the limit"))
                }
                metrics.connections.set(to: Double(connections.open))
                channel.closeFuture.whenComplete { _ in
                    connections.release(peer)
                    metrics.connections.set(to: Double(connections.open))
                }
                return channel.eventLoop.makeCompletedFuture {
                    let limit = LinkFrameLimit()
                    let ops = channel.pipeline.syncOperations
                    try ops.addHandler(IdleStateHandler(readTimeout: limits.idleTimeout))
                    try ops.addHandler(ByteToMessageHandler(LinkFrameDecoder(limit: limit)))
                    try ops.addHandler(MessageToByteHandler(LinkFrameEncoder()))
                    try ops.addHandler(LinkServerHandler(key: key, store: store, metrics: metrics, frameLimit: limit,
                                                         authenticationTimeout: limits.authenticationTimeout, processing: processing,
                                                         logger: logger))
                }
            }
            .bind(host: listen.host, port: listen.port).get()
    }

    public func close() async {
        try? await channel.close()
    }
}
