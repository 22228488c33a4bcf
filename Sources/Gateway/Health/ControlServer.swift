import DaemonSupport
import Foundation
import GatewayControl
import NIOCore
import NIOPosix

/// The local status socket: a Unix stream socket (mode 0660) answering
/// `ControlProtocol` requests, one JSON line per request. A malformed request
/// gets an error reply; the daemon goes on.
///
/// Connections are held to `limits`: requests are answered in order while the client reads the
/// replies and not read while it does not; a line over `maxRequestBytes`, an idle connection and
/// one beyond the cap are closed, counted in `gateway_control_connections_closed_total{reason}`
/// (with `gateway_control_connections` and `gateway_control_reads_paused_total`).
final class ControlServer: Sendable {
    private let channel: Channel
    let path: String

    init(path: String, limits: ConnectionLimits = .controlSocket, group: EventLoopGroup, metrics: GatewayMetrics,
         answer: @escaping @Sendable (ControlProtocol.Request) -> ControlProtocol.Reply) async throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        let connections = BoundedConnections(limits: limits, metrics: metrics.controlConnections)
        let bootstrap = connections.configure(ServerBootstrap(group: group))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try connections.addConnectionHandlers(to: pipeline)
                    try pipeline.addHandler(ByteToMessageHandler(LineFrameDecoder(maximumLength: limits.maxRequestBytes)))
                    try connections.addReplyBackpressure(for: ByteBuffer.self, to: pipeline)
                    try pipeline.addHandler(ControlRequestHandler(metrics: metrics, connections: connections, answer: answer))
                }
            }
        do {
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        } catch {
            throw ListenError(purpose: "the control socket", transport: .unix, address: path, setting: "control_socket", underlying: error)
        }
        chmod(path, 0o660)
    }

    func close() async {
        try? await channel.close()
        unlink(path)
    }
}

private final class ControlRequestHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let metrics: GatewayMetrics
    private let connections: BoundedConnections
    private let answer: @Sendable (ControlProtocol.Request) -> ControlProtocol.Reply

    init(metrics: GatewayMetrics, connections: BoundedConnections, answer: @escaping @Sendable (ControlProtocol.Request) -> ControlProtocol.Reply) {
        self.metrics = metrics
        self.connections = connections
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = unwrapInboundIn(data)
        let bytes = Array(line.readableBytesView)
        guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
        metrics.controlRequests.increment()
        let reply: ControlProtocol.Reply
        if let request = ControlProtocol.Request(line: bytes) {
            reply = answer(request)
        } else {
            reply = ControlProtocol.Reply(ok: false, error: "malformed request: send one JSON object per line, e.g. {\"command\":\"status\"}")
        }
        if !reply.ok { metrics.controlErrors.increment() }
        var out = context.channel.allocator.buffer(capacity: 512)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        out.writeBytes((try? encoder.encode(reply)) ?? Data("{\"ok\":false,\"error\":\"internal\"}".utf8))
        out.writeInteger(UInt8(ascii: "\n"))
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        metrics.controlErrors.increment()
        if error is LineFrameDecoder.LineTooLong { connections.requestTooLarge() }
        var out = context.channel.allocator.buffer(capacity: 64)
        out.writeString("{\"ok\":false,\"error\":\"\(error)\"}\n")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
    }
}
