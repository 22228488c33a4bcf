#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket connected to one destination (IPv4 or IPv6, a name resolved once), for sending streams to a gateway.
public final class DatagramSender: Sendable {
    private let fd: Int32
    public let destination: NetworkAddress

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(to destination: NetworkAddress) throws(Failure) {
        self.destination = destination
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(destination.host, String(destination.port), &hints, &list)
        guard status == 0, let first = list else {
            throw Failure(description: "cannot resolve \(destination): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        let socketFD = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard socketFD >= 0 else { throw Failure(description: "cannot open a UDP socket for \(destination)") }
        guard connect(socketFD, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            close(socketFD)
            throw Failure(description: "cannot address \(destination): \(String(cString: strerror(errno)))")
        }
        fd = socketFD
    }

    /// Whole frames packed into datagrams of at most `limit` bytes, in order (a frame is never split; a larger one goes
    /// alone).
    public static func pack(_ frames: [[UInt8]], limit: Int = 1_400) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var datagram: [UInt8] = []
        for frame in frames {
            if !datagram.isEmpty && datagram.count + frame.count > limit {
                out.append(datagram)
                datagram.removeAll(keepingCapacity: true)
            }
            datagram += frame
        }
        if !datagram.isEmpty { out.append(datagram) }
        return out
    }

    /// Sends one datagram; false when the kernel refused it (for example, nobody listening on loopback).
    @discardableResult
    public func send(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) } == bytes.count
    }

    deinit { close(fd) }
}
