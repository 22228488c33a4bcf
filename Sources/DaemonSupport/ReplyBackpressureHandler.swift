import NIOCore

/// Between a request decoder and the handler that answers each request as it arrives: passes the
/// decoded requests on only while the connection can take more replies (its queued reply bytes
/// under the high water mark), keeps the others waiting, and stops reading the socket while any
/// wait or the connection cannot be written. A client that sends requests without reading the
/// replies is then held by its own socket buffers, not by the daemon's memory: what the daemon
/// keeps for it is one read's requests and about a high water mark of replies.
final class ReplyBackpressureHandler<Request>: ChannelDuplexHandler {
    typealias InboundIn = Request
    typealias InboundOut = Request
    typealias OutboundIn = NIOAny

    private let metrics: ConnectionLimitMetrics
    private var waiting = CircularBuffer<Request>()
    private var readHeld = false
    private var delivering = false

    init(metrics: ConnectionLimitMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waiting.append(unwrapInboundIn(data))
        deliver(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            if deliver(context: context) { context.fireChannelReadComplete() }
            resumeReading(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if waiting.isEmpty && context.channel.isWritable {
            readHeld = false
            context.read()
        } else if !readHeld {
            readHeld = true
            metrics.readsPaused.increment()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        waiting.removeAll()
        context.fireChannelInactive()
    }

    /// Passes waiting requests on while the connection is writable; whether any was passed.
    @discardableResult
    private func deliver(context: ChannelHandlerContext) -> Bool {
        guard !delivering else { return false }
        delivering = true
        defer { delivering = false }
        var delivered = false
        while context.channel.isWritable, let next = waiting.popFirst() {
            context.fireChannelRead(wrapInboundOut(next))
            delivered = true
        }
        return delivered
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeld, waiting.isEmpty, context.channel.isWritable else { return }
        readHeld = false
        context.read()
    }
}

@available(*, unavailable)
extension ReplyBackpressureHandler: Sendable {}
