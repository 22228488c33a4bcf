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
                    try ops.addHandler(LinkServerHandler(key: key, store: store, metrics: metrics,
                                                         authenticationTimeout: .seconds(10), logger: logger))
                }
            }
            .bind(host: listen.host, port: listen.port).get()
    }

    public func close() async {
        try? await channel.close()
    }
}
