import NIOCore
import Prometheus
import Synchronization

/// One client streaming a mountpoint, as the station's task hands it frames: each offer is queued on the client's
/// connection without waiting, and counted as unsent until the socket takes it. A client whose unsent bytes would
/// pass `limit` (it reads more slowly than the station sends) is closed and counted, so that what the gateway holds
/// for it stays bounded and the station never waits for it.
final class CasterClient: Sendable {
    let channel: Channel
    let mountpoint: String
    /// NTRIP 2.0 over HTTP/1.1: every offer is sent as one chunk.
    let chunked: Bool
    let limit: Int
    private let unsent = Atomic<Int>(0)
    private let dropped = Atomic<Bool>(false)

    init(channel: Channel, mountpoint: String, chunked: Bool, limit: Int) {
        self.channel = channel
        self.mountpoint = mountpoint
        self.chunked = chunked
        self.limit = limit
    }

    /// Queues one epoch's frames (`raw`, or `framed` as a chunk); false when the client was dropped for it now.
    func offer(raw: ByteBuffer, framed: ByteBuffer, written: Counter) -> Bool {
        guard !dropped.load(ordering: .relaxed) else { return true }
        let buffer = chunked ? framed : raw
        let size = buffer.readableBytes
        if unsent.wrappingAdd(size, ordering: .relaxed).newValue > limit {
            unsent.wrappingSubtract(size, ordering: .relaxed)
            guard !dropped.exchange(true, ordering: .relaxed) else { return true }
            channel.close(promise: nil)
            return false
        }
        let payload = raw.readableBytes
        channel.writeAndFlush(buffer).whenComplete { [self] result in
            unsent.wrappingSubtract(size, ordering: .relaxed)
            if case .success = result { written.increment(by: Int64(payload)) }
        }
        return true
    }

    /// Bytes queued for the client that its socket has not taken yet.
    var unsentBytes: Int { unsent.load(ordering: .relaxed) }
}
