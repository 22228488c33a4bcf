import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on loopback that a test can cut and restore, standing for the network path between a gateway and
/// dpcd: while cut it ends every connection through it and closes each new one at once, as a broken path does.
final class TCPRelay: @unchecked Sendable {
    let port: Int
    private let upstream: Int
    private let listener: Int32
    private let lock = NSLock()
    private var isCut = false
    private var connections: [Int32] = []

    init(upstream: Int) throws {
        self.upstream = upstream
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        listener = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else { throw CocoaError(.fileWriteUnknown) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    static func loopback(port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        a.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        return a
    }

    /// Cuts the path (every connection through it ends) or restores it.
    func cut(_ on: Bool) {
        lock.lock()
        isCut = on
        if on { for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) } }
        lock.unlock()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            lock.lock()
            let cut = isCut
            lock.unlock()
            guard !cut else {
                close(client)
                continue
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstream)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else {
                close(client)
                close(server)
                continue
            }
            lock.lock()
            connections += [client, server]
            lock.unlock()
            let pumps = Pumps(client: client, server: server) { [self] in
                lock.lock()
                connections.removeAll { $0 == client || $0 == server }
                lock.unlock()
            }
            Thread.detachNewThread { pumps.pump(from: client, to: server) }
            Thread.detachNewThread { pumps.pump(from: server, to: client) }
        }
    }

    /// The two directions of one connection; the second to end closes both sockets.
    private final class Pumps: @unchecked Sendable {
        let client: Int32, server: Int32
        let ended: () -> Void
        private let lock = NSLock()
        private var running = 2

        init(client: Int32, server: Int32, ended: @escaping () -> Void) {
            self.client = client
            self.server = server
            self.ended = ended
        }

        func pump(from: Int32, to: Int32) {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
                if n <= 0 { break }
                var sent = 0
                while sent < n {
                    let m = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                    if m <= 0 { break }
                    sent += m
                }
                if sent < n { break }
            }
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
            lock.lock()
            running -= 1
            let last = running == 0
            lock.unlock()
            if last {
                ended()
                close(client)
                close(server)
            }
        }
    }

    /// Stops accepting and ends every connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        cut(true)
    }
}
