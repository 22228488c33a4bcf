import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// The HTTP endpoint for health: `GET /metrics` in Prometheus text format from
/// a collector registry, `GET /healthz` answering `ok` while `healthy()`
/// holds (503 otherwise), and, when the daemon gives one, `GET /status` with its
/// status as JSON. Anything else is a 404.
///
/// Every connection is held to `limits`: requests are answered in order, one at a time while the
/// client reads the replies, and not read at all while it does not; an idle connection, one beyond
/// the cap and one sending an over-large request are closed. Each is counted in the registry as
/// `PREFIX_connections_closed_total{reason}` and `PREFIX_reads_paused_total` (`ConnectionLimitMetrics`),
/// with `metricPrefix` naming the daemon's endpoint (`gateway_metrics`, `dpc_metrics`).
public final class MetricsHTTPServer: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let channel: Channel

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { channel.localAddress }

    public init(host: String, port: Int, registry: PrometheusCollectorRegistry, group: EventLoopGroup,
                limits: ConnectionLimits = .metricsEndpoint, metricPrefix: String,
                status: (@Sendable () -> [UInt8])? = nil, healthy: @escaping @Sendable () -> Bool) async throws {
        self.registry = registry
        let connections = BoundedConnections(
            limits: limits, metrics: ConnectionLimitMetrics(registry: registry, prefix: metricPrefix, server: "the metrics endpoint"))
        var headerLimits = NIOHTTPDecoderLimitConfiguration()
        headerLimits.maxHeaderFieldSize = limits.maxRequestBytes
        headerLimits.maxHeaderListSize = limits.maxRequestBytes
        let decoderLimits = headerLimits
        let bootstrap = connections.configure(ServerBootstrap(group: group))
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try connections.addConnectionHandlers(to: pipeline)
                    try pipeline.addHandler(HTTPResponseEncoder())
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes,
                                                                                    informationalResponseStrategy: .drop,
                                                                                    limitConfiguration: decoderLimits)))
                    try connections.addReplyBackpressure(for: HTTPServerRequestPart.self, to: pipeline)
                    try pipeline.addHandler(HealthRequestHandler(registry: registry, healthy: healthy, status: status, connections: connections))
                }
            }
        do {
            channel = try await bootstrap.bind(host: host, port: port).get()
        } catch {
            throw ListenError(purpose: "the metrics endpoint", transport: .tcp, address: NetworkAddress(host: host, port: port).description, setting: "metrics", underlying: error)
        }
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
    private let status: (@Sendable () -> [UInt8])?
    private let connections: BoundedConnections
    private var head: HTTPRequestHead?
    private var bodyBytes = 0
    /// Set once a reply that ends the connection is written; later requests are ignored.
    private var closing = false

    init(registry: PrometheusCollectorRegistry, healthy: @escaping @Sendable () -> Bool, status: (@Sendable () -> [UInt8])?,
         connections: BoundedConnections) {
        self.registry = registry
        self.healthy = healthy
        self.status = status
        self.connections = connections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            bodyBytes = 0
        case .body(let chunk):
            bodyBytes += chunk.readableBytes
            if bodyBytes > connections.limits.maxRequestBytes {
                connections.requestTooLarge()
                refuse(.payloadTooLarge, "request body larger than \(connections.limits.maxRequestBytes) bytes\n", context: context)
            }
        case .end:
            guard let h = head else { return }
            head = nil
            respond(to: h, context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !closing else { return }
        switch error as? HTTPParserError {
        case .headerOverflow?:
            connections.requestTooLarge()
            refuse(.requestHeaderFieldsTooLarge, "request line and headers larger than \(connections.limits.maxRequestBytes) bytes\n", context: context)
        case _?:
            refuse(.badRequest, "malformed HTTP request\n", context: context)
        case nil:
            closing = true
            context.close(promise: nil)
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
        case (.GET, "/status"), (.HEAD, "/status"):
            if let make = self.status {
                contentType = "application/json"
                body = make()
            } else {
                status = .notFound
                body = Array("not found: try /metrics or /healthz\n".utf8)
            }
        case (.GET, _), (.HEAD, _):
            status = .notFound
            body = Array((self.status == nil ? "not found: try /metrics or /healthz\n" : "not found: try /metrics, /healthz or /status\n").utf8)
        default:
            status = .methodNotAllowed
            body = Array("method not allowed\n".utf8)
        }
        write(status: status, contentType: contentType, body: body, version: request.version, keepAlive: request.isKeepAlive,
              includeBody: request.method != .HEAD, context: context)
    }

    /// Answers `status` with `message` and closes the connection once it is written.
    private func refuse(_ status: HTTPResponseStatus, _ message: String, context: ChannelHandlerContext) {
        write(status: status, contentType: "text/plain; charset=utf-8", body: Array(message.utf8), version: .http1_1, keepAlive: false,
              includeBody: true, context: context)
    }

    private func write(status: HTTPResponseStatus, contentType: String, body: [UInt8], version: HTTPVersion, keepAlive: Bool,
                       includeBody: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
            closing = true
        }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if includeBody {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
