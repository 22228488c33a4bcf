import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The metrics endpoint and the control socket against clients that pipeline requests without
/// reading the replies, stay idle or open too many connections: the daemon's memory stays bounded,
/// it keeps answering, and every limit reached is counted.
@Suite("Bounded servers", .serialized)
struct BoundedServerTests {
    /// How much a flood may grow gatewayd's resident memory. Unbounded, one reply of a few kB is kept
    /// per request sent: tens of thousands of requests keep well over 50 MB.
    static let growthBoundKilobytes = 30 * 1024

    static func configuration(metrics: String, controlSocket: String, udpPort: Int) -> String {
        """
        gateway_id: bounded-test
        control_socket: \(controlSocket)
        metrics: \(metrics)
        state_directory: ./state
        stations:
          - name: BOUNDED
            listen: 127.0.0.1:\(udpPort)
            role: reference
            processing: spp
        """
    }

    static func startGateway(_ name: String, configuration: String) throws -> (DaemonProcess, String) {
        let dir = makeWorkDirectory(name)
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(configuration.utf8))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        let ready = eventually(seconds: 30) { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }
        #expect(ready, "\(gatewayd.output)")
        return (gatewayd, dir)
    }

    @Test("20 000 pipelined GET /metrics never read: memory bounded, fresh scrapes answered, memory back after the client leaves")
    func pipelinedScrapesNeverRead() throws {
        let port = 9581
        let (gatewayd, _) = try Self.startGateway("bounded-http", configuration: Self.configuration(
            metrics: "127.0.0.1:\(port)", controlSocket: "./ctl.sock", udpPort: 5181))
        defer { gatewayd.stop() }
        let pid = gatewayd.process.processIdentifier
        for _ in 0..<20 { _ = httpGet(port: port, path: "/metrics") }
        let replyBytes = httpGet(port: port, path: "/metrics")?.utf8.count ?? 0
        let before = try #require(residentKilobytes(pid))

        let flood = try #require(StreamClient(tcpPort: port))
        let request = Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        let sent = flood.send(request, times: 20_000)
        let peak = peakResidentKilobytes(pid, seconds: 2)
        print("metrics flood: \(sent) requests sent of 20000, reply \(replyBytes) bytes, RSS \(before) kB before, peak \(peak) kB")
        #expect(peak - before < Self.growthBoundKilobytes, "grew from \(before) kB to \(peak) kB")

        let fresh = try #require(httpGet(port: port, path: "/metrics"))
        #expect(fresh.contains("gateway_control_requests_total"))
        #expect((metric(fresh, "gateway_metrics_reads_paused_total") ?? 0) >= 1, "\(fresh)")

        flood.close()
        #expect(eventually(seconds: 10) { metric(httpGet(port: port, path: "/metrics") ?? "", "gateway_metrics_connections") == 1 })
        let after = try #require(residentKilobytes(pid))
        print("metrics flood: RSS \(after) kB after the client closed")
        #expect(after - before < Self.growthBoundKilobytes, "\(after) kB after the client left, \(before) kB before")
        #expect(gatewayd.process.isRunning)
    }

    @Test("100 000 pipelined control requests never read: memory bounded, gatewayctl still answered, memory back after the client leaves")
    func pipelinedControlRequestsNeverRead() throws {
        let port = 9582
        let (gatewayd, dir) = try Self.startGateway("bounded-control", configuration: Self.configuration(
            metrics: "127.0.0.1:\(port)", controlSocket: "./ctl.sock", udpPort: 5182))
        defer { gatewayd.stop() }
        let pid = gatewayd.process.processIdentifier
        for _ in 0..<5 { _ = try control("ctl.sock", ["status"], directory: dir) }
        let before = try #require(residentKilobytes(pid))

        let flood = try #require(StreamClient(unixPath: dir + "/ctl.sock"))
        let sent = flood.send(Array("{\"command\":\"status\"}\n".utf8), times: 100_000)
        let peak = peakResidentKilobytes(pid, seconds: 2)
        print("control flood: \(sent) requests sent of 100000, RSS \(before) kB before, peak \(peak) kB")
        #expect(peak - before < Self.growthBoundKilobytes, "grew from \(before) kB to \(peak) kB")

        let status = try #require(try control("ctl.sock", ["status"], directory: dir))
        #expect(status["ready"] as? Bool == true)
        let metrics = httpGet(port: port, path: "/metrics") ?? ""
        #expect((metric(metrics, "gateway_control_reads_paused_total") ?? 0) >= 1, "\(metrics)")

        flood.close()
        #expect(eventually(seconds: 10) { metric(httpGet(port: port, path: "/metrics") ?? "", "gateway_control_connections") == 0 })
        let after = try #require(residentKilobytes(pid))
        print("control flood: RSS \(after) kB after the client closed")
        #expect(after - before < Self.growthBoundKilobytes, "\(after) kB after the client left, \(before) kB before")
        #expect(gatewayd.process.isRunning)
    }

    @Test("idle connections closed after the idle timeout, connections beyond the cap and over-large requests refused, each counted")
    func idleCapAndRequestSize() throws {
        let port = 9583
        let (gatewayd, dir) = try Self.startGateway("bounded-limits", configuration: Self.configuration(
            metrics: "\n  listen: 127.0.0.1:\(port)\n  max_connections: 3\n  idle_timeout: 1.5\n  max_request_bytes: 4096",
            controlSocket: "\n  path: ./ctl.sock\n  max_connections: 2\n  idle_timeout: 1.5\n  max_request_bytes: 1024",
            udpPort: 5183))
        defer { gatewayd.stop() }

        let opened = Date()
        let idleScrapers = try (0..<3).map { _ in try #require(StreamClient(tcpPort: port)) }
        let idleControls = try (0..<2).map { _ in try #require(StreamClient(unixPath: dir + "/ctl.sock")) }
        usleep(300_000)  // all accepted before the next ones
        let extraScraper = try #require(StreamClient(tcpPort: port))
        let extraControl = try #require(StreamClient(unixPath: dir + "/ctl.sock"))
        #expect(extraScraper.closedByPeer(within: 1.0), "a fourth connection to the metrics endpoint is refused")
        #expect(extraControl.closedByPeer(within: 1.0), "a third connection to the control socket is refused")
        #expect(Date().timeIntervalSince(opened) < 1.4, "refused before the idle timeout")
        for client in idleScrapers + idleControls {
            #expect(client.closedByPeer(within: 5))
            let elapsed = Date().timeIntervalSince(opened)
            #expect(elapsed >= 1.4 && elapsed < 5, "closed after \(elapsed) s idle")
        }
        for client in idleScrapers + idleControls + [extraScraper, extraControl] { client.close() }

        let bigHeaders = StreamClient(tcpPort: port)
        let header = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Padding: \(String(repeating: "p", count: 5000))\r\n\r\n"
        #expect(bigHeaders?.send(Array(header.utf8), times: 1) == 1)
        #expect(bigHeaders?.receive(seconds: 2).hasPrefix("HTTP/1.1 431") == true)
        bigHeaders?.close()
        let longLine = StreamClient(unixPath: dir + "/ctl.sock")
        // The whole line, newline included, arrives in one read: refused all the same.
        #expect(longLine?.send(Array((String(repeating: "x", count: 2000) + "\n").utf8), times: 1) == 1)
        #expect(longLine?.receive(seconds: 2).contains("request line too long") == true)
        longLine?.close()

        var metrics = ""
        #expect(eventually(seconds: 5) {
            metrics = httpGet(port: port, path: "/metrics") ?? ""
            return metric(metrics, "gateway_control_connections_closed_total{reason=\"request_too_large\"}") == 1
        }, "\(metrics)")
        #expect(metric(metrics, "gateway_metrics_connections_closed_total{reason=\"connection_limit\"}") == 1)
        #expect(metric(metrics, "gateway_metrics_connections_closed_total{reason=\"idle\"}") == 3)
        #expect(metric(metrics, "gateway_metrics_connections_closed_total{reason=\"request_too_large\"}") == 1)
        #expect(metric(metrics, "gateway_control_connections_closed_total{reason=\"connection_limit\"}") == 1)
        #expect(metric(metrics, "gateway_control_connections_closed_total{reason=\"idle\"}") == 2)
        #expect(metric(metrics, "gateway_control_connections") == 0)
        #expect(try control("ctl.sock", ["status"], directory: dir)?["ready"] as? Bool == true)
    }
}

/// A process's resident memory in kB (`VmRSS` of /proc/PID/status).
func residentKilobytes(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
    return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
}

/// The largest resident memory seen over `seconds`, sampled every 50 ms.
func peakResidentKilobytes(_ pid: Int32, seconds: Double) -> Int {
    var peak = 0
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        peak = max(peak, residentKilobytes(pid) ?? 0)
        usleep(50_000)
    }
    return peak
}

/// A client on a real stream socket (TCP on loopback or Unix) that writes without reading,
/// giving up on a write the peer has not taken within a second.
final class StreamClient {
    private var fd: Int32

    init?(tcpPort: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(tcpPort).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { Glibc.close(fd); return nil }
        setTimeouts()
    }

    init?(unixPath: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(unixPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { Glibc.close(fd); return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path)
            raw[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { Glibc.close(fd); return nil }
        setTimeouts()
    }

    private func setTimeouts() {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes `message` `times` times over, in batches; how many whole messages the peer took
    /// before it stopped taking them (or all of them).
    func send(_ message: [UInt8], times: Int) -> Int {
        let perBatch = max(1, 64 * 1024 / message.count)
        var batch: [UInt8] = []
        batch.reserveCapacity(perBatch * message.count)
        for _ in 0..<perBatch { batch += message }
        var sentBytes = 0
        let total = message.count * times
        while sentBytes < total {
            let length = min(batch.count, total - sentBytes)
            let n = batch.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, length, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sentBytes += n
            if n < length { break }
        }
        return sentBytes / message.count
    }

    /// What the peer sends within `seconds`, up to its end or 64 kB.
    func receive(seconds: Double) -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline && received.count < 65_536 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 { if errno == EAGAIN || errno == EWOULDBLOCK { continue } else { break } }
            received += buffer[..<n]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether the peer closes the connection within `seconds` (anything it sends is skipped).
    func closedByPeer(within seconds: Double) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }
            if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR { return true }
        }
        return false
    }

    func close() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    deinit { close() }
}
