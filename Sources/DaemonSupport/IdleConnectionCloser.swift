import NIOCore

/// Closes a connection when the `IdleStateHandler` before it reports that nothing was read or
/// written for the idle timeout, counted as `idle`. A client that stopped reading its replies has
/// its writes stuck, so it is closed too.
final class IdleConnectionCloser: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let metrics: ConnectionLimitMetrics

    init(metrics: ConnectionLimitMetrics) {
        self.metrics = metrics
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        metrics.closed(.idle)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension IdleConnectionCloser: Sendable {}
