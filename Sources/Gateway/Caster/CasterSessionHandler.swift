import DaemonSupport
import GNSSCore
import NIOCore
import NIOSSL

/// One connection to the caster: admitted under the client cap, given `request_timeout` to send its request head
/// (held up to `CasterRequest.headLimit` bytes), then answered: the sourcetable for `/` or a mountpoint the caster
/// does not have, 401 for missing or wrong credentials, else the stream (`ICY 200 OK` to an NTRIP 1.0 client, an
/// HTTP 200 with chunked transfer to an NTRIP 2.0 one). What a streaming client sends (GGA) is read and dropped.
/// An NTRIP server pushing into one of `sources:` (`SOURCE`, answered `ICY 200 OK`, or `POST`, answered `HTTP/1.1 200
/// OK`) has its mountpoint while it streams, one server at a time, and is disconnected after `source_timeout` without
/// data; its stream goes to that mountpoint's clients through a `CasterSource`.
final class CasterSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What a session needs of the caster.
    struct Context: Sendable {
        var configuration: CasterConfiguration
        var mountpoints: CasterMountpoints
        var network: String
        /// The mountpoints served now (the reference stations) with their coordinates when known.
        var catalogue: @Sendable () -> [(name: String, position: ECEF?)]
    }

    private let caster: Context
    private var admitted = false
    private var head: [UInt8] = []
    /// Set once answered: nothing more is read into the head.
    private var answered = false
    private var client: CasterClient?
    private var timeout: Scheduled<Void>?
    /// Set while the connection is a server pushing a stream.
    private var source: CasterSource?

    init(caster: Context) {
        self.caster = caster
    }

    func channelActive(context: ChannelHandlerContext) {
        guard caster.mountpoints.admit() else {
            answered = true
            reply(status: "HTTP/1.1 503 Service Unavailable", headers: [], body: "too many clients\r\n", context: context)
            return
        }
        admitted = true
        let channel = context.channel
        let seconds = caster.configuration.requestTimeout
        let metrics = caster.mountpoints.metrics
        timeout = context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            metrics.refused(.requestTimeout)
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        timeout = nil
        if let client {
            caster.mountpoints.unsubscribe(client)
            self.client = nil
        }
        if let source {
            caster.mountpoints.releaseSource(source.mountpoint)
            self.source = nil
        }
        if admitted {
            admitted = false
            caster.mountpoints.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if source != nil {
            take(buffer.readableBytesView, context: context)
            return
        }
        guard !answered else { return }
        let room = CasterRequest.headLimit + 1 - head.count
        head += buffer.readBytes(length: min(room, buffer.readableBytes)) ?? []
        if let end = CasterRequest.headEnd(head) {
            // A pushing server may send its first data with the head.
            let rest = Array(head[end...]) + (buffer.readBytes(length: buffer.readableBytes) ?? [])
            answer(head[..<end], context: context)
            if source != nil, !rest.isEmpty { take(rest, context: context) }
        } else if head.count > CasterRequest.headLimit {
            refuse(.requestTooLarge, status: "HTTP/1.1 400 Bad Request", body: "request head longer than \(CasterRequest.headLimit) bytes\r\n",
                   context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if source != nil, let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            caster.mountpoints.metrics.sourceTimeouts.increment()
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !answered, error is NIOSSLError || error is BoringSSLError {
            answered = true
            caster.mountpoints.metrics.refused(.tls)
        }
        context.close(promise: nil)
    }

    private func answer(_ bytes: ArraySlice<UInt8>, context: ChannelHandlerContext) {
        answered = true
        timeout?.cancel()
        timeout = nil
        head = []
        let request: CasterRequest
        do {
            request = try CasterRequest(head: bytes)
        } catch {
            let status = if case .methodNotAllowed = error { "HTTP/1.1 405 Method Not Allowed" } else { "HTTP/1.1 400 Bad Request" }
            refuse(.badRequest, status: status, body: "\(error)\r\n", context: context)
            return
        }
        if request.method != .get {
            acceptSource(request, context: context)
            return
        }
        let served = catalogue()
        guard served.contains(where: { $0.name == request.mountpoint }) else {
            sendSourcetable(served, to: request, context: context)
            return
        }
        guard let name = request.user, let password = request.password,
              let user = caster.configuration.user(name, password: password), user.may(stream: request.mountpoint) else {
            refuse(.unauthorized, status: request.ntrip1Client ? "HTTP/1.0 401 Unauthorized" : "HTTP/1.1 401 Unauthorized",
                   headers: ["WWW-Authenticate: Basic realm=\"/\(request.mountpoint)\""], body: "401 Unauthorized\r\n", context: context)
            return
        }
        stream(request, context: context)
    }

    /// The mountpoints served now: the stations' and the pushed ones a server streams into.
    private func catalogue() -> [(name: String, position: ECEF?)] {
        caster.catalogue() + caster.mountpoints.liveSources.sorted().map { ($0, nil) }
    }

    /// A server pushing a stream: checked against `sources:` (NTRIP 1.0 answers as casters give them, `ERROR - …`;
    /// NTRIP 2.0 HTTP statuses), given the mountpoint if no other server has it, answered, then read.
    private func acceptSource(_ request: CasterRequest, context: ChannelHandlerContext) {
        let ntrip1: Bool
        let password: String?
        switch request.method {
        case .source(let p):
            ntrip1 = true
            password = p
        case .get, .post:
            ntrip1 = false
            password = request.password
        }
        func refuseSource(_ reason: CasterMetrics.Refusal, ntrip1Answer: String, status: String, headers: [String] = []) {
            if ntrip1 {
                answered = true
                caster.mountpoints.metrics.refused(reason)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: ntrip1Answer + "\r\n"))).whenComplete { _ in
                    channel.close(promise: nil)
                }
            } else {
                refuse(reason, status: "HTTP/1.1 " + status, headers: headers, body: status + "\r\n", context: context)
            }
        }
        guard let configured = caster.configuration.source(request.mountpoint) else {
            refuseSource(.sourceMountpoint, ntrip1Answer: "ERROR - Bad Mountpoint", status: "404 Not Found")
            return
        }
        guard let password, caster.configuration.admits(configured, user: ntrip1 ? nil : request.user, password: password),
              ntrip1 || request.user != nil else {
            refuseSource(.sourceUnauthorized, ntrip1Answer: "ERROR - Bad Password", status: "401 Unauthorized",
                         headers: ["WWW-Authenticate: Basic realm=\"/\(request.mountpoint)\""])
            return
        }
        guard caster.mountpoints.claimSource(request.mountpoint) else {
            refuseSource(.sourceBusy, ntrip1Answer: "ERROR - Mount Point Taken or Invalid", status: "409 Conflict")
            return
        }
        source = CasterSource(mountpoint: request.mountpoint, chunked: !ntrip1 && request.chunkedBody, mountpoints: caster.mountpoints)
        let seconds = caster.configuration.sourceTimeout
        // First in the pipeline (before TLS, if any): any bytes read count as data.
        try? context.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(seconds * 1000))), position: .first)
        let start = ntrip1 ? "ICY 200 OK\r\n"
            : ["HTTP/1.1 200 OK", "Ntrip-Version: Ntrip/2.0", "Server: \(Self.server)", "Cache-Control: no-store, no-cache, max-age=0",
               "Connection: close"].joined(separator: "\r\n") + "\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: start)), promise: nil)
    }

    /// Bytes of a pushed stream; a broken chunked body, or its end, closes the connection.
    private func take<C: Collection>(_ bytes: C, context: ChannelHandlerContext) where C.Element == UInt8 {
        guard var s = source else { return }
        var failed = false
        do { try s.take(bytes) } catch { failed = true }
        source = s
        if failed || s.ended { context.close(promise: nil) }
    }

    /// The answer that starts the stream, then the client subscribed to its mountpoint.
    private func stream(_ request: CasterRequest, context: ChannelHandlerContext) {
        let chunked = !request.ntrip1Client && request.http11
        let start: String
        if request.ntrip1Client {
            start = "ICY 200 OK\r\n"
        } else {
            var lines = ["\(request.http11 ? "HTTP/1.1" : "HTTP/1.0") 200 OK", "Ntrip-Version: Ntrip/2.0", "Server: \(Self.server)",
                         "Cache-Control: no-store, no-cache, max-age=0", "Pragma: no-cache", "Connection: close", "Content-Type: gnss/data"]
            if chunked { lines.append("Transfer-Encoding: chunked") }
            start = lines.joined(separator: "\r\n") + "\r\n\r\n"
        }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: start)), promise: nil)
        let client = CasterClient(channel: context.channel, mountpoint: request.mountpoint, chunked: chunked,
                                  limit: caster.configuration.clientBufferBytes)
        self.client = client
        caster.mountpoints.subscribe(client)
    }

    private func sendSourcetable(_ served: [(name: String, position: ECEF?)], to request: CasterRequest, context: ChannelHandlerContext) {
        let table = Sourcetable(network: caster.network, mountpoints: served.map {
            Sourcetable.Mountpoint(name: $0.name, position: $0.position, content: caster.mountpoints.content($0.name))
        }).text
        if request.ntrip1Client {
            reply(status: "SOURCETABLE 200 OK", headers: ["Server: \(Self.server)", "Content-Type: text/plain"], body: table, context: context)
        } else {
            reply(status: "\(request.http11 ? "HTTP/1.1" : "HTTP/1.0") 200 OK",
                  headers: ["Ntrip-Version: Ntrip/2.0", "Server: \(Self.server)", "Content-Type: gnss/sourcetable"], body: table, context: context)
        }
    }

    private func refuse(_ reason: CasterMetrics.Refusal, status: String, headers: [String] = [], body: String, context: ChannelHandlerContext) {
        answered = true
        caster.mountpoints.metrics.refused(reason)
        reply(status: status, headers: headers, body: body, context: context)
    }

    /// A whole answer with its length; the connection is closed once it is written.
    private func reply(status: String, headers: [String], body: String, context: ChannelHandlerContext) {
        let text = ([status] + headers + ["Content-Length: \(body.utf8.count)", "Connection: close"]).joined(separator: "\r\n") + "\r\n\r\n" + body
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(string: text))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    static let server = "NTRIP gnss-gateway/\(SoftwareVersion.number)"
}

@available(*, unavailable)
extension CasterSessionHandler: Sendable {}
