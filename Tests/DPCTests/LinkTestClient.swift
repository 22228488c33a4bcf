@testable import DPC
@testable import DPCLink
import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A gateway's side of the link handshake over a plain blocking socket, so a test can then stay silent or
/// send exactly the frames it chooses.
final class LinkTestClient {
    let fd: Int32

    /// Connects to 127.0.0.1:`port`, answers the hello with a valid proof and waits for the welcome.
    init(port: Int, key: SharedKey, gateway: String = "gw", generation: UInt64 = 1) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw LinkProtocolError.unexpected("no connection") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard case .hello(_, let dpcChallenge)? = try next(within: 2) else { throw LinkProtocolError.unexpected("no hello") }
        let challenge = SharedKey.challenge()
        let proof = key.gatewayProof(dpcChallenge: dpcChallenge, gatewayChallenge: challenge, gateway: gateway, generation: generation)
        send(.authenticate(version: LinkFrame.protocolVersion, gateway: gateway, generation: generation, lastSequence: 0,
                           challenge: challenge, proof: proof))
        guard case .welcome? = try next(within: 2) else { throw LinkProtocolError.unexpected("no welcome") }
    }

    deinit { close(fd) }

    private var buffer = ByteBuffer()
    private(set) var closed = false

    func send(_ frame: LinkFrame) {
        var out = ByteBuffer()
        try? LinkFrameEncoder().encode(data: frame, out: &out)
        let bytes = Array(out.readableBytesView)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// The next whole frame to arrive within `seconds`; nil on timeout or once the DPC has closed.
    func next(within seconds: Double) throws -> LinkFrame? {
        let deadline = Date().addingTimeInterval(seconds)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if buffer.readableBytes >= 5, let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
               let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self),
               buffer.readableBytes >= 5 + Int(length) {
                buffer.moveReaderIndex(forwardBy: 5)
                var body = buffer.readSlice(length: Int(length))!
                return try LinkFrame.parse(type: type, body: &body)
            }
            if closed || Date() >= deadline { return nil }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.writeBytes(chunk[..<n])
            } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                closed = true
            }
        }
    }
}
