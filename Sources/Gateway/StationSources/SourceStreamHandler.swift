import GNSSCore
import GNSSPositioning
import NIOCore
import NIOSSL

/// One connection to a station's TCP or NTRIP source, on its event loop: for NTRIP it sends the request, reads the
/// caster's answer through `NTRIPResponseParser` and sends the GGA position upstream while the stream lasts; every
/// stream byte goes to the station through the `SourceLink`. A refusal, a protocol error or a read timeout (the
/// `IdleStateHandler` before it) closes the connection with its reason.
final class SourceStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let link: SourceLink
    private let request: NTRIPRequest?
    /// Seconds between GGA sentences; nil sends none.
    private let ggaInterval: Double?
    private let noDataTimeout: Double
    private var parser: NTRIPResponseParser?
    private var streaming = false
    private var ggaTask: RepeatedTask?

    init(link: SourceLink, request: NTRIPRequest?, ggaInterval: Double?, noDataTimeout: Double) {
        self.link = link
        self.request = request
        self.ggaInterval = ggaInterval
        self.noDataTimeout = noDataTimeout
        parser = request == nil ? nil : NTRIPResponseParser()
    }

    func channelActive(context: ChannelHandlerContext) {
        if let request {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: request.bytes)), promise: nil)
        } else {
            streaming = true
            link.streaming(nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard var answer = parser else {
            link.received(Array(buffer.readableBytesView))
            return
        }
        var stream: [UInt8] = []
        do {
            try answer.feed(buffer.readableBytesView, data: &stream)
        } catch {
            parser = answer
            link.end(error.reason, error.description)
            context.close(promise: nil)
            return
        }
        parser = answer
        if !streaming, let status = answer.acceptedStatus {
            streaming = true
            link.streaming(status)
            startGGA(context)
        }
        if !stream.isEmpty { link.received(stream) }
        if answer.streamEnded {
            link.end("closed", "the caster ended the stream")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            link.end("no_data", "no data for \(Self.seconds(noDataTimeout)): reconnecting")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        ggaTask?.cancel()
        ggaTask = nil
        if request != nil && !streaming {
            if let refusal = parser?.finish() {
                link.end(refusal.reason, refusal.description)
            } else {
                link.end("closed", "the caster closed the connection without answering")
            }
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let failure = Self.connectionFailure(error)
        link.end(failure.reason, failure.message)
        context.close(promise: nil)
    }

    /// Why a connection to the source failed, with its reason: TLS, else the connection was lost.
    static func connectionFailure(_ error: Error) -> SourceLink.Ending {
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            SourceLink.Ending(reason: "tls", message: "TLS with the caster failed: " + tlsFailure(error))
        } else {
            SourceLink.Ending(reason: "closed", message: "connection lost: \(error)")
        }
    }

    /// Sends the station's GGA position (`SourceLink.ggaPosition`) as an NMEA sentence now and every interval after.
    private func startGGA(_ context: ChannelHandlerContext) {
        guard let ggaInterval else { return }
        let channel = context.channel
        let link = self.link
        ggaTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(Int64(ggaInterval * 1000))) { _ in
            guard let position = link.ggaPosition else { return }
            let solution = Solution(time: GNSSTime.now, position: position, quality: .single, satellites: 10)
            guard let sentence = SolutionWriter(format: .nmea).line(solution) else { return }
            channel.writeAndFlush(channel.allocator.buffer(string: sentence + "\r\n"), promise: nil)
        }
    }

    /// A TLS failure in the operator's words where it is a common one, with the library's own text.
    static func tlsFailure(_ error: Error) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "its certificate does not chain to the trust anchor, or has expired (CERTIFICATE_VERIFY_FAILED)"
        }
        if let e = error as? NIOSSLExtraError, e == .failedToValidateHostname {
            return "its certificate does not name the caster's address (\(text))"
        }
        return text
    }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? "\(Int(s)) s" : "\(s) s"
    }
}
