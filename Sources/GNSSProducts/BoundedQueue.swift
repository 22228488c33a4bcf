import Foundation
import GNSSFormats

/// The hand-over between a thread that produces items in order (reading a file, preparing epochs) and the one
/// consumer that takes them: at most `capacity` wait, the producer's error arrives after every item before it, and
/// a consumer that goes away stops the producer at its next item. All state is guarded by `condition`. A side is
/// woken only when it waits, and a waiting producer only once the queue is down to half (a wake-up is a system call
/// and a switch of threads: not one per item).
public final class BoundedQueue<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var buffer: [Item] = []
    private var head = 0
    private var finished = false
    private var failure: FormatError?
    private var producerProblems: [FormatError] = []
    private var stopped = false
    private var producerWaits = false
    private var consumerWaits = false

    public init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Starts a thread named `name` that fills the queue from `produce` until it returns nil or throws; `problems`
    /// (the producer's non-fatal ones) is read once it has. The closures run on that thread only.
    public static func start(name: String, capacity: Int, produce: @escaping () throws(FormatError) -> Item?,
                      problems: @escaping () -> [FormatError] = { [] }) -> BoundedQueue {
        let queue = BoundedQueue(capacity: capacity)
        let work = Handover(produce: produce, problems: problems)
        let thread = Thread { queue.fill(work) }
        thread.name = name
        thread.start()
        return queue
    }

    /// The producer's closures, handed to its thread once: nothing else calls them.
    private struct Handover: @unchecked Sendable {
        let produce: () throws(FormatError) -> Item?
        let problems: () -> [FormatError]
    }

    private func fill(_ work: Handover) {
        while true {
            let item: Item?
            var error: FormatError?
            do {
                item = try work.produce()
            } catch let e {
                item = nil
                error = e
            }
            condition.lock()
            while buffer.count - head >= capacity && !stopped {
                producerWaits = true
                condition.wait()
            }
            producerWaits = false
            if stopped {
                condition.unlock()
                return
            }
            if let item {
                if head > capacity {
                    buffer.removeFirst(head)
                    head = 0
                }
                buffer.append(item)
            } else {
                failure = error
                finished = true
                producerProblems = work.problems()
            }
            if consumerWaits { condition.broadcast() }
            condition.unlock()
            if item == nil { return }
        }
    }

    /// The next item; nil at the end; the producer's error once everything before it was taken.
    public func take() throws(FormatError) -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == buffer.count && !finished {
            consumerWaits = true
            condition.wait()
        }
        consumerWaits = false
        guard head < buffer.count else {
            if let failure { throw failure }
            return nil
        }
        let item = buffer[head]
        head += 1
        if producerWaits && buffer.count - head <= capacity / 2 { condition.broadcast() }
        return item
    }

    /// The producer's non-fatal problems, once it has reached its end.
    public var problems: [FormatError] {
        condition.lock()
        defer { condition.unlock() }
        return producerProblems
    }

    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }
}
