import NIOCore
import NIOPosix

/// A server's connections kept within its `ConnectionLimits`: the socket options and the handlers
/// that every connection of a bounded server gets, sharing one count of open connections, and the
/// counts of each limit reached (`ConnectionLimitMetrics`).
public final class BoundedConnections: Sendable {
    public let limits: ConnectionLimits
    public let metrics: ConnectionLimitMetrics
    private let slots: ConnectionSlots

    public init(limits: ConnectionLimits, metrics: ConnectionLimitMetrics) {
        self.limits = limits
        self.metrics = metrics
        slots = ConnectionSlots(capacity: limits.maxConnections)
    }

    /// The options of accepted connections: reply bytes queued up to the water marks, and reads
    /// small enough that what one read can decode stays small.
    public func configure(_ bootstrap: ServerBootstrap) -> ServerBootstrap {
        bootstrap
            .childChannelOption(ChannelOptions.writeBufferWaterMark, value: ConnectionLimits.replyBufferWaterMark)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelOption(ChannelOptions.recvAllocator,
                                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: ConnectionLimits.largestRead))
    }

    /// The first handlers of a connection: the cap on connections, then the idle timeout.
    public func addConnectionHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(ConnectionAdmissionHandler(slots: slots, metrics: metrics))
        try pipeline.addHandler(IdleStateHandler(allTimeout: TimeAmount(limits.idleTimeout)))
        try pipeline.addHandler(IdleConnectionCloser(metrics: metrics))
    }

    /// The handler between the decoder of `Request`s and the one answering them that holds requests
    /// and stops reading while the client is not reading the replies.
    public func addReplyBackpressure<Request>(for request: Request.Type, to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(ReplyBackpressureHandler<Request>(metrics: metrics))
    }

    /// Counts a connection closed for a request over `limits.maxRequestBytes`.
    public func requestTooLarge() {
        metrics.closed(.requestTooLarge)
    }
}
