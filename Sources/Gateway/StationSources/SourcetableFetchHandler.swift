import NIOCore

/// One sourcetable request to a station's NTRIP caster, on its event loop: sends `GET /` (the station's NTRIP
/// version and credentials), reads the answer through `NTRIPResponseParser` to `ENDSOURCETABLE` (or the connection's
/// end) and completes `outcome`. A refusal, an answer that is not NTRIP, a sourcetable over the parser's limit or a
/// read timeout (the `IdleStateHandler` before it) is reported to the `SourceLink` with its reason.
final class SourcetableFetchHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Outcome: Sendable {
        /// The caster's sourcetable, after the status line it came with.
        case sourcetable(status: String, table: [UInt8])
        /// An answer that accepts the request but is not a sourcetable (a caster that streams at `/`).
        case notASourcetable(status: String)
        /// No sourcetable: why went to the link.
        case failed
    }

    private let link: SourceLink
    private let request: NTRIPRequest
    private let noDataTimeout: Double
    private let outcome: EventLoopPromise<Outcome>
    private var parser = NTRIPResponseParser(fetchingSourcetable: true)
    /// Whether the outcome is settled (what comes after is not looked at).
    private var done = false

    init(link: SourceLink, request: NTRIPRequest, noDataTimeout: Double, outcome: EventLoopPromise<Outcome>) {
        self.link = link
        self.request = request
        self.noDataTimeout = noDataTimeout
        self.outcome = outcome
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: request.bytes)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        let buffer = unwrapInboundIn(data)
        var ignored: [UInt8] = []
        do {
            try parser.feed(buffer.readableBytesView, data: &ignored)
        } catch {
            link.end(error.reason, "sourcetable request: " + Self.explain(error))
            complete(.failed, context)
            return
        }
        if let status = parser.acceptedStatus {
            complete(.notASourcetable(status: status), context)
        } else if parser.sourcetableEnded {
            complete(.sourcetable(status: parser.status, table: parser.table), context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, !done {
            link.end("no_data", "sourcetable request: no answer for \(SourceStreamHandler.seconds(noDataTimeout))")
            complete(.failed, context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done && parser.isSourcetable {
            // A caster may end the table by closing the connection instead of with ENDSOURCETABLE.
            outcome.succeed(.sourcetable(status: parser.status, table: parser.table))
        } else if !done {
            link.end("closed", "sourcetable request: the caster closed the connection without answering")
            outcome.succeed(.failed)
        }
        done = true
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Completing an already completed promise does nothing: this covers a connection that never became active.
        outcome.succeed(.failed)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !done else { return }
        let failure = SourceStreamHandler.connectionFailure(error)
        link.end(failure.reason, "sourcetable request: " + failure.message)
        complete(.failed, context)
    }

    private func complete(_ result: Outcome, _ context: ChannelHandlerContext) {
        done = true
        outcome.succeed(result)
        context.close(promise: nil)
    }

    /// A refusal of the sourcetable request in words: a 404 there means the caster serves no sourcetable.
    private static func explain(_ failure: NTRIPResponseParser.Failure) -> String {
        if case .mountpointMissing(let status) = failure {
            return "the caster serves no sourcetable (\(status)): sourcetable: false skips the check"
        }
        return failure.description
    }
}
