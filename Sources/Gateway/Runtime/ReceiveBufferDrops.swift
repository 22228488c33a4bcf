import Prometheus
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Datagrams the kernel dropped at a station port's socket because the daemon had not read them before its receive
/// buffer filled. The kernel counts them per socket (`sk_drops`, what `SO_RXQ_OVFL` would report with each
/// datagram and what `/proc/net/udp` lists as "drops"); this reads that count with `SO_MEMINFO` and carries its
/// growth into `gateway_udp_datagrams_dropped_total{reason="receive_buffer"}`.
final class ReceiveBufferDrops: Sendable {
    /// `struct sk_meminfo` up to `SK_MEMINFO_DROPS`, the kernel's order (`linux/sock_diag.h`).
    private struct SocketMemoryInfo: Sendable {
        var values: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        var drops: UInt32 { values.8 }
    }

    private let socket: any SocketOptionProvider
    private let counter: Counter
    /// The kernel's count when last read; it starts at 0 with the socket and wraps at 2³².
    private let counted = Mutex<UInt32>(0)

    init?(channel: Channel, counter: Counter) {
        guard let socket = channel as? any SocketOptionProvider else { return nil }
        self.socket = socket
        self.counter = counter
    }

    /// Reads the socket's count and adds what is new to the counter; the count, or nil when the socket has gone.
    @discardableResult
    func update() async -> UInt32? {
        let future: EventLoopFuture<SocketMemoryInfo> = socket.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SO_MEMINFO)
        guard let info = try? await future.get() else { return nil }
        let added = counted.withLock { last in
            defer { last = info.drops }
            return info.drops &- last
        }
        if added > 0 { counter.increment(by: Int64(added)) }
        return info.drops
    }
}
