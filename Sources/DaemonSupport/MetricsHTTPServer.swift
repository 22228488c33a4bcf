import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// The HTTP endpoint for health: `GET /metrics` in Prometheus text format from
/// a collector registry, and `GET /healthz` answering `ok` while `healthy()`
/// holds (503 otherwise). Anything else is a 404.
public final class MetricsHTTPServer: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let channel: Channel

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, group: EventLoopGroup,
                healthy: @escaping @Sendable () -> Bool) async throws {
        self.registry = registry
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(HealthRequestHandler(registry: registry, healthy: healthy))
                }
            }
            .bind(host: host, port: port).get()
    }

    public func close() async {
        try? await channel.close()
    }
}

private final class HealthRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private let healthy: @Sendable () -> Bool
    private var head: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry, healthy: @escaping @Sendable () -> Bool) {
        self.registry = registry
        self.healthy = healthy
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let h = head else { return }
            head = nil
            respond(to: h, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        var status = HTTPResponseStatus.ok
        var contentType = "text/plain; charset=utf-8"
        var body: [UInt8]
        switch (request.method, path) {
        case (.GET, "/metrics"), (.HEAD, "/metrics"):
            contentType = "text/plain; version=0.0.4; charset=utf-8"
            body = registry.emitToBuffer()
        case (.GET, "/healthz"), (.HEAD, "/healthz"):
            if healthy() {
                body = Array("ok\n".utf8)
            } else {
                status = .serviceUnavailable
                body = Array("not ready\n".utf8)
            }
        case (.GET, _), (.HEAD, _):
            status = .notFound
            body = Array("not found: try /metrics or /healthz\n".utf8)
        default:
            status = .methodNotAllowed
            body = Array("method not allowed\n".utf8)
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let keepAlive = request.isKeepAlive
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
