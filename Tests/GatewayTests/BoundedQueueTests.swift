import Foundation
import GNSSFormats
import GNSSProducts
import Testing
@testable import Gateway

/// The replay's hand-over between threads: every item arrives once and in order whichever side is the slower (each
/// side waits in turn and must be woken), and the producer's error comes after the items before it.
@Suite(.timeLimit(.minutes(1)))
struct BoundedQueueTests {
    /// Items 0..<count, the producer pausing every `producerPause`-th item, the consumer every `consumerPause`-th.
    static func handOver(count: Int, capacity: Int, producerPause: Int, consumerPause: Int) throws -> [Int] {
        final class Counter: @unchecked Sendable { var next = 0 }
        let counter = Counter()
        let queue = BoundedQueue<Int>.start(name: "test", capacity: capacity, produce: { () throws(FormatError) -> Int? in
            guard counter.next < count else { return nil }
            defer { counter.next += 1 }
            if counter.next % producerPause == 0 { usleep(200) }
            return counter.next
        })
        var received: [Int] = []
        while let item = try queue.take() {
            received.append(item)
            if received.count % consumerPause == 0 { usleep(200) }
        }
        return received
    }

    @Test(arguments: [1, 2, 3, 8, 64])
    func everyItemOnceInOrder(capacity: Int) throws {
        // A slow consumer (the producer waits on a full queue), then a slow producer (the consumer waits on an empty one).
        #expect(try Self.handOver(count: 2_000, capacity: capacity, producerPause: 1_000_000, consumerPause: 7) == Array(0..<2_000))
        #expect(try Self.handOver(count: 2_000, capacity: capacity, producerPause: 5, consumerPause: 1_000_000) == Array(0..<2_000))
    }

    @Test func theProducersErrorComesAfterItsItems() throws {
        final class Counter: @unchecked Sendable { var next = 0 }
        let counter = Counter()
        let queue = BoundedQueue<Int>.start(name: "test", capacity: 2, produce: { () throws(FormatError) -> Int? in
            guard counter.next < 5 else { throw FormatError(.truncated, "file ends inside an epoch") }
            defer { counter.next += 1 }
            return counter.next
        })
        var received: [Int] = []
        #expect(throws: FormatError.self) {
            while let item = try queue.take() { received.append(item) }
        }
        #expect(received == [0, 1, 2, 3, 4])
    }
}
