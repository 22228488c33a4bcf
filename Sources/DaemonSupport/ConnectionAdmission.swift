import NIOCore
import Synchronization

/// The count of a server's open connections against its cap, shared by all of its connections.
final class ConnectionSlots: Sendable {
    private let taken = Atomic<Int>(0)
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Takes a slot; false (and nothing taken) when all are in use.
    func take() -> Bool {
        var current = taken.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = taken.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func give() {
        taken.subtract(1, ordering: .relaxed)
    }
}

/// First in a connection's pipeline: lets it through while the server is under its cap on
/// connections, and closes it (counted as `connection_limit`) when it is not.
final class ConnectionAdmissionHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    private let slots: ConnectionSlots
    private let metrics: ConnectionLimitMetrics
    private var admitted = false

    init(slots: ConnectionSlots, metrics: ConnectionLimitMetrics) {
        self.slots = slots
        self.metrics = metrics
    }

    func channelActive(context: ChannelHandlerContext) {
        guard slots.take() else {
            metrics.closed(.connectionLimit)
            context.close(promise: nil)
            return
        }
        admitted = true
        metrics.open.increment()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if admitted {
            admitted = false
            slots.give()
            metrics.open.decrement()
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension ConnectionAdmissionHandler: Sendable {}
