#if canImport(Glibc)
import Glibc
#endif

/// A free port on 127.0.0.1, as the kernel hands one out: bound to port 0, read back, released.
public enum LoopbackPort {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "no free port on loopback" }
    }

    /// A free TCP (`SOCK_STREAM`) or UDP (`SOCK_DGRAM`) port.
    public static func free(_ type: __socket_type) throws -> Int {
        try free(type, count: 1)[0]
    }

    /// `count` distinct free ports: each is held bound until all are chosen, so the kernel cannot hand one out twice.
    public static func free(_ type: __socket_type, count: Int) throws -> [Int] {
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        return try (0..<count).map { _ in
            let fd = socket(AF_INET, Int32(type.rawValue), 0)
            sockets.append(fd)
            return try bound(fd)
        }
    }

    /// Binds `fd` to a port of the kernel's choosing on loopback and returns it.
    private static func bound(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw Unavailable() }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
