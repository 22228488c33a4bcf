import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Strangers on dpcd's link port: before authenticating they may send only handshake-sized frames, must
/// authenticate in time, and can hold only so many connections; each refusal is counted by reason.
@Suite("dpcd before authentication", .serialized)
struct DPCAdmissionTests {
    static let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

    static func start(_ name: String, port: Int, metrics: Int, extra: String) throws -> (DaemonProcess, String) {
        let dir = makeWorkDirectory(name)
        let configuration = """
            listen: 127.0.0.1:\(port)
            store: ./store
            metrics: 127.0.0.1:\(metrics)
            key: \(key)
            \(extra)
            """
        _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(configuration.utf8))
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        #expect(eventually(seconds: 20) { httpGet(port: metrics, path: "/healthz") == "ok\n" }, "\(dpcd.output)")
        return (dpcd, dir)
    }

    static func refusals(_ metrics: Int, _ reason: String) -> Double {
        metric(httpGet(port: metrics, path: "/metrics") ?? "", "dpc_links_refused_total{reason=\"\(reason)\"}") ?? 0
    }

    /// A frame header: type, big-endian body length.
    static func header(type: UInt8, length: UInt32) -> [UInt8] {
        [type, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
    }

    @Test("20 connections each starting a 4 MiB frame: refused from the header, closed, counted; dpcd's memory barely moves")
    func largePartialFrames() throws {
        let (dpcd, _) = try Self.start("dpc-preauth", port: 7241, metrics: 9641, extra: "max_connections_per_address: 32")
        defer { dpcd.stop() }
        // One ordinary connection first, so the event loops' own buffers exist before the baseline.
        let warmup = try #require(TCPProbe(port: 7241))
        #expect(warmup.receivedHello(within: 2))
        let before = try #require(residentBytes(dpcd.process.processIdentifier))

        let chunk = [UInt8](repeating: 0x5A, count: 3 << 20)
        var probes: [TCPProbe] = []
        var accepted = 0
        for _ in 0..<20 {
            let probe = try #require(TCPProbe(port: 7241))
            probe.send(Self.header(type: 5, length: 4 << 20))
            accepted += probe.send(chunk)
            probes.append(probe)
        }
        usleep(500_000)  // time for dpcd to read what the sockets hold
        let after = try #require(residentBytes(dpcd.process.processIdentifier))
        for probe in probes { #expect(probe.closedByPeer(within: 3)) }
        let growth = max(after, try #require(residentBytes(dpcd.process.processIdentifier))) - before
        print("dpcd resident memory: \(before / 1024) kB before, \(after / 1024) kB after 20 partial 4 MiB frames "
              + "(\(accepted / 1024) kB taken by the sockets), growth \(growth / 1024) kB")
        #expect(growth < 8 << 20, "dpcd grew by \(growth / 1024) kB")
        #expect(eventually(seconds: 5) { Self.refusals(9641, "oversize") == 20 })
        #expect(dpcd.process.isRunning)
    }

    @Test("random bytes are refused and counted; a handshake-sized partial frame is cut off at the authentication timeout")
    func randomBytesAndSlowHandshakes() throws {
        let (dpcd, _) = try Self.start("dpc-random", port: 7242, metrics: 9642, extra: "authentication_timeout: 1")
        defer { dpcd.stop() }
        var random = SeededGenerator(seed: 11)
        for _ in 0..<6 {
            let probe = try #require(TCPProbe(port: 7242))
            probe.send((0..<64).map { _ in UInt8.random(in: 0...255, using: &random) })
            #expect(probe.closedByPeer(within: 3))
        }
        // Depending on the bytes: an unknown frame type, a frame too large, or one that never completes.
        let reasons = ["protocol", "oversize", "version", "bad_key", "timeout"]
        var counted = 0.0
        #expect(eventually(seconds: 3) {
            counted = reasons.map { Self.refusals(9642, $0) }.reduce(0, +)
            return counted == 6
        }, "random bytes refused: \(counted)")
        let timeoutsBefore = Self.refusals(9642, "timeout")

        let started = Date()
        let slow = try #require(TCPProbe(port: 7242))
        slow.send(Self.header(type: 2, length: 300) + [UInt8](repeating: 1, count: 100))
        #expect(slow.closedByPeer(within: 5))
        let held = Date().timeIntervalSince(started)
        print("a partial handshake frame was held \(String(format: "%.2f", held)) s (authentication_timeout 1 s)")
        #expect(held >= 0.9 && held < 3)
        #expect(eventually(seconds: 3) { Self.refusals(9642, "timeout") == timeoutsBefore + 1 })
    }

    @Test("connections beyond the per-address and total caps are closed before any greeting, counted, and the places come back")
    func connectionCaps() throws {
        let (dpcd, _) = try Self.start("dpc-caps", port: 7243, metrics: 9643, extra: "max_connections: 5\nmax_connections_per_address: 3")
        defer { dpcd.stop() }
        var held: [TCPProbe] = []
        for _ in 0..<3 {
            let p = try #require(TCPProbe(port: 7243))
            #expect(p.receivedHello(within: 2))
            held.append(p)
        }
        let fourth = try #require(TCPProbe(port: 7243))
        #expect(fourth.closedByPeer(within: 2) && fourth.received.isEmpty, "the fourth from one address gets no hello")
        for _ in 0..<2 {
            let p = try #require(TCPProbe(port: 7243, source: "127.0.0.2"))
            #expect(p.receivedHello(within: 2))
            held.append(p)
        }
        let sixth = try #require(TCPProbe(port: 7243, source: "127.0.0.3"))
        #expect(sixth.closedByPeer(within: 2) && sixth.received.isEmpty, "the sixth in all gets no hello")
        #expect(eventually(seconds: 3) { Self.refusals(9643, "address_limit") == 1 && Self.refusals(9643, "connection_limit") == 1 })
        #expect(metric(httpGet(port: 9643, path: "/metrics") ?? "", "dpc_connections_open") == 5)

        held.removeFirst()  // closes one from 127.0.0.1
        #expect(eventually(seconds: 3) {
            guard let p = TCPProbe(port: 7243) else { return false }
            let greeted = p.receivedHello(within: 1)
            if greeted { held.append(p) }
            return greeted
        })
        #expect(dpcd.process.isRunning)
    }
}
