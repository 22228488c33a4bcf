import Foundation
import GNSSCore
import GNSSFormats

/// An observation source read ahead on a thread of its own: decoding the file
/// (Hatanaka, gzip, RINEX text) overlaps with loading products and with
/// positioning, on a second core. Epochs come out in the same order, each with
/// the ephemerides the stream had carried by then, so results are those of
/// reading in line; at most `capacity` epochs wait in memory. The reading
/// thread holds only the queue between them, so dropping the source early
/// stops it.
public final class PrefetchedObservations: ObservationSource {
    public let name: String
    public let approximatePosition: ECEF?
    public let antenna: ReceiverAntenna?
    public let isRINEX: Bool
    private let queue: Queue
    private var current: [Ephemeris] = []

    /// Takes over `source`: nothing else may use it afterwards.
    public init(_ source: ObservationSource, capacity: Int = 256) {
        name = source.name
        approximatePosition = source.approximatePosition
        antenna = source.antenna
        isRINEX = source is RINEXObservationSource
        let queue = Queue(capacity: max(1, capacity))
        self.queue = queue
        let handover = Handover(source: source)
        let thread = Thread { queue.fill(from: handover.source) }
        thread.name = "prefetch"
        thread.start()
    }

    private struct Handover: @unchecked Sendable { let source: ObservationSource }

    public func next() throws(FormatError) -> ObservationEpoch? {
        let item = try queue.take()
        current = item?.ephemerides ?? []
        return item?.epoch
    }

    public func takeEphemerides() -> [Ephemeris] {
        defer { current = [] }
        return current
    }

    /// The reader's problems, once it has reached the end of the file.
    public var problems: [FormatError] { queue.problems }

    deinit { queue.stop() }

    /// The bounded queue between the reading thread and the consumer; all state guarded by `condition`.
    private final class Queue: @unchecked Sendable {
        struct Item {
            var epoch: ObservationEpoch
            var ephemerides: [Ephemeris]
        }

        private let condition = NSCondition()
        private let capacity: Int
        private var buffer: [Item] = []
        private var head = 0
        private var finished = false
        private var failure: FormatError?
        private var readerProblems: [FormatError] = []
        private var stopped = false

        init(capacity: Int) { self.capacity = capacity }

        /// Runs on the reading thread until the source ends or the consumer is gone.
        func fill(from source: ObservationSource) {
            while true {
                let item: Item?
                var error: FormatError?
                do {
                    item = try source.next().map { Item(epoch: $0, ephemerides: source.takeEphemerides()) }
                } catch let e {
                    item = nil
                    error = e
                }
                condition.lock()
                while buffer.count - head >= capacity && !stopped { condition.wait() }
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
                    readerProblems = source.problems
                }
                condition.broadcast()
                condition.unlock()
                if item == nil { return }
            }
        }

        /// The next item; nil at the end; the reader's error once everything before it was taken.
        func take() throws(FormatError) -> Item? {
            condition.lock()
            defer { condition.unlock() }
            while head == buffer.count && !finished { condition.wait() }
            guard head < buffer.count else {
                if let failure { throw failure }
                return nil
            }
            let item = buffer[head]
            head += 1
            condition.broadcast()
            return item
        }

        var problems: [FormatError] {
            condition.lock()
            defer { condition.unlock() }
            return readerProblems
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }
}
