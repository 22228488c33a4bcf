import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking client of the control socket, for `gatewayctl` and tests: one request, one reply line.
public struct ControlClient {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let path: String
    public var timeoutSeconds = 5

    public init(path: String) {
        self.path = path
    }

    public func request(_ request: ControlProtocol.Request) throws -> String {
        let body = try JSONEncoder().encode(request)
        return try exchange(Array(body) + [0x0A])
    }

    /// Sends raw bytes and returns the first reply line (without the newline).
    public func exchange(_ bytes: [UInt8]) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw Failure(description: "socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw Failure(description: "cannot connect to \(path): \(String(cString: strerror(errno))) (is gatewayd running? --socket PATH)")
        }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !reply.contains(0x0A) {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else {
                if reply.isEmpty { throw Failure(description: "no reply from \(path)") }
                break
            }
            reply += chunk[..<n]
            guard reply.count < 16 << 20 else { throw Failure(description: "reply too long") }
        }
        return String(decoding: reply.prefix { $0 != 0x0A }, as: UTF8.self)
    }
}
