import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One UDP socket sending datagrams to loopback ports, with a 4 MiB send buffer.
public final class UDPSender {
    private let fd: Int32

    public init() {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var sendBuffer: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sends one datagram to 127.0.0.1:`port`; false when the kernel refused it.
    @discardableResult
    public func send<C: ContiguousBytes>(_ datagram: C, port: Int) -> Bool {
        var address = loopback(port: port)
        let r = datagram.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        return r > 0
    }
}
