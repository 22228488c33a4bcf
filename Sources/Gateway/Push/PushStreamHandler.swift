import NIOCore
import NIOSSL

/// One connection to a push target's caster, on its event loop: sends the NTRIP server's request (`SOURCE` or
/// `POST`), reads the caster's answer through `NTRIPResponseParser` and, once accepted, hands the channel to the
/// `PushLink`, which writes the station's frames to it. What the caster sends after its answer is read and dropped.
/// A refusal (`ERROR - Bad Password` to NTRIP 1.0, a 401 or 404 to 2.0) closes the connection with its reason.
final class PushStreamHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let link: PushLink
    private let request: NTRIPRequest
    private var parser = NTRIPResponseParser()
    private var streaming = false

    init(link: PushLink, request: NTRIPRequest) {
        self.link = link
        self.request = request
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: request.bytes)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !streaming else { return }
        let buffer = unwrapInboundIn(data)
        var ignored: [UInt8] = []
        do {
            try parser.feed(buffer.readableBytesView, data: &ignored)
        } catch {
            let (reason, message) = Self.refusal(error)
            link.end(reason, message)
            context.close(promise: nil)
            return
        }
        if let status = parser.acceptedStatus {
            streaming = true
            link.streaming(context.channel, status: status)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !streaming {
            if let refusal = parser.finish() {
                link.end(refusal.reason, refusal.description)
            } else {
                link.end("closed", "the caster closed the connection without answering")
            }
        } else {
            link.end("closed", "the caster closed the connection")
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            link.end("tls", "TLS with the caster failed: " + SourceStreamHandler.tlsFailure(error))
        } else {
            link.end("closed", "connection lost: \(error)")
        }
        context.close(promise: nil)
    }

    /// A refusal's metrics label and message; an NTRIP 1.0 caster's `ERROR - …` line is read as what it says.
    static func refusal(_ error: NTRIPResponseParser.Failure) -> (String, String) {
        if case .malformedAnswer(let line) = error, line.hasPrefix("ERROR") {
            if line.lowercased().contains("password") {
                return ("unauthorized", "the caster refused the password (\(line)): check it")
            }
            if line.lowercased().contains("mount") {
                return ("mountpoint_missing", "the caster does not take this mountpoint, or another server pushes into it (\(line))")
            }
            return ("refused", "the caster refused the push (\(line))")
        }
        if case .unauthorized(let status) = error {
            return ("unauthorized", "the caster refused the credentials (\(status)): check the user and password")
        }
        if case .mountpointMissing(let status) = error {
            return ("mountpoint_missing", "the caster does not take this mountpoint (\(status))")
        }
        return (error.reason, error.description)
    }
}

@available(*, unavailable)
extension PushStreamHandler: Sendable {}
