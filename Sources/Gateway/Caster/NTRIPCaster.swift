import DPCLink
import DaemonSupport
import GNSSCore
import NIOCore
import NIOPosix
import NIOSSL

/// The gateway's NTRIP caster (`caster:`): listens on `listen` (over TLS with `tls:`), answers each connection with a
/// `CasterSessionHandler`, and serves the reference stations' correction records (`publish`) at mountpoints named
/// after them, and the streams NTRIP servers push into `sources` at theirs.
///
/// Each accepted socket's kernel send buffer is kept small (`socketSendBuffer`): what a client has not taken is then
/// held mostly in the client's own unsent count, where `client_buffer_bytes` bounds it.
public final class NTRIPCaster: Sendable {
    public let configuration: CasterConfiguration
    let mountpoints: CasterMountpoints
    private let channel: Channel

    /// The kernel send buffer asked for each client socket.
    static let socketSendBuffer = 32 << 10
    /// Bytes one read takes from a client: a request head, or GGA sentences, which are dropped.
    static let largestRead = 4096

    /// The address actually bound.
    public var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `configuration.listen`; `catalogue` gives the mountpoints served now (the reference stations) with their
    /// coordinates when known.
    public init(configuration: CasterConfiguration, network: String, metrics: GatewayMetrics, group: EventLoopGroup,
                catalogue: @escaping @Sendable () -> [(name: String, position: ECEF?)]) async throws {
        self.configuration = configuration
        let mountpoints = CasterMountpoints(maxClients: configuration.maxClients, metrics: CasterMetrics(registry: metrics.registry))
        self.mountpoints = mountpoints
        let tls = try configuration.tls.map { files in
            let chain = try NIOSSLCertificate.fromPEMFile(files.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: files.key, format: .pem)
            return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        }
        let session = CasterSessionHandler.Context(configuration: configuration, mountpoints: mountpoints, network: network, catalogue: catalogue)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelOption(ChannelOptions.socketOption(.so_sndbuf), value: Self.socketSendBuffer)
            .childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1024,
                                                                                                       maximum: Self.largestRead))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(CasterSessionHandler(caster: session))
                }
            }
        do {
            channel = try await bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port).get()
        } catch {
            throw ListenError(purpose: "the NTRIP caster", transport: .tcp, address: configuration.listen.description,
                              setting: "caster.listen", underlying: error)
        }
    }

    /// A reference station's correction record, to the clients of its mountpoint.
    public func publish(_ record: CorrectionRecord) {
        mountpoints.publish(record)
    }

    /// Clients streaming each mountpoint now.
    public var clientCounts: [String: Int] { mountpoints.clientCounts }

    /// Stops listening and closes every client.
    public func close() async {
        try? await channel.close()
        mountpoints.closeAll()
    }
}
