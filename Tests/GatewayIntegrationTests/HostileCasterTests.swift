import Foundation
import Gateway
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A caster that misbehaves on purpose, round after round: a header that never ends, a chunk size of petabytes,
/// megabytes of noise after `ICY 200 OK`, a connection accepted and never answered. gatewayd's NTRIP client must
/// refuse or skip each, count it, reconnect, and hold its memory, while another station's datagrams all arrive.
@Suite("NTRIP sources against a hostile caster", .serialized)
struct HostileCasterTests {
    typealias Listener = ScriptedCasterTests.Listener
    typealias Connection = ScriptedCasterTests.Connection

    /// Sends `bytes` in 64 KiB pieces until they are all sent or the client stops taking them (closed the connection).
    static func pour(_ connection: Connection, _ bytes: [UInt8]) -> Int {
        var sent = 0
        while sent < bytes.count {
            let piece = Array(bytes[sent..<min(sent + 65_536, bytes.count)])
            guard connection.send(piece) else { break }
            sent += piece.count
        }
        return sent
    }

    @Test("Endless headers, a huge chunk size, 8 MiB of noise and a silent accept, three rounds: each counted, memory bounded, the other station untouched")
    func hostileCasterRounds() throws {
        let caster = try Listener()
        let metricsPort = try ScriptedCasterTests.freePort()
        let udpPort = try Demo.freeUDPPort()
        let (gatewayd, dir) = try ScriptedCasterTests.start(
            "hostile-caster", source: "ntrip://u:p@127.0.0.1:\(caster.port)/MNT", metrics: metricsPort,
            extra: "    ntrip_version: 2\n    no_data_timeout: 1\n    sourcetable: false\n  - name: UDP\n    listen: 127.0.0.1:\(udpPort)\n    processing: none")
        defer { gatewayd.stop() }
        let pid = gatewayd.process.processIdentifier
        #expect(eventually(seconds: 30) { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "\(gatewayd.output)")

        // The other station: a datagram every 50 ms for the whole test, from a thread of its own.
        let stop = ManagedFlag()
        let sentToOther = ManagedCount()
        let other = Thread {
            let sender = UDPSender()
            defer { sender.close() }
            while !stop.isSet {
                sender.send(Array(repeating: 0xD3, count: 200), to: udpPort)
                sentToOther.increment()
                usleep(50_000)
            }
        }
        other.start()

        var random = SeededGenerator(seed: 21)
        let noise = (0..<(8 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) }
        let endlessHeader = Array("HTTP/1.1 200 OK\r\nX-Pad: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 1 << 20)
        let hugeChunk = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\n".utf8) + noise
        let rounds = 3
        var baseline = 0
        var peak = 0
        for round in 0..<rounds {
            let answers: [(kind: String, bytes: [UInt8])] = [("endless header", endlessHeader), ("huge chunk", hugeChunk),
                                                             ("noise", Array("ICY 200 OK\r\n\r\n".utf8) + noise), ("silence", [])]
            for (kind, answer) in answers {
                let connection = try #require(caster.accept(), "round \(round + 1), \(kind): \(gatewayd.output)")
                _ = connection.read(until: "\r\n\r\n")
                let sent = Self.pour(connection, answer)
                if answer.isEmpty {
                    // Accepted, never answered: the client gives up after no_data_timeout.
                    #expect(connection.read(until: "never", seconds: 4).isEmpty)
                } else {
                    usleep(200_000)
                }
                if round == 0 && kind == "endless header" { baseline = residentKilobytes(pid) ?? 0 }
                peak = max(peak, residentKilobytes(pid) ?? 0)
                print("round \(round + 1), \(kind): \(sent) of \(answer.count) bytes taken; RSS \(residentKilobytes(pid) ?? 0) kB")
            }
        }
        stop.set()
        while !other.isFinished { usleep(10_000) }

        let metrics = httpGet(port: metricsPort, path: "/metrics") ?? ""
        print("hostile caster: RSS \(baseline) kB after the first answer, peak \(peak) kB")
        // A client that kept what it was sent would hold tens of megabytes by the last round.
        #expect(peak - baseline < 24 * 1024, "grew from \(baseline) kB to \(peak) kB")
        #expect((metric(metrics, "gateway_source_reconnects_total{station=\"CAST\"}") ?? 0) >= Double(4 * rounds - 1), "\(metrics)")
        #expect((metric(metrics, "gateway_source_errors_total{station=\"CAST\",reason=\"protocol\"}") ?? 0) >= Double(rounds), "\(metrics)")
        #expect((metric(metrics, "gateway_source_errors_total{station=\"CAST\",reason=\"no_data\"}") ?? 0) >= Double(rounds), "\(metrics)")
        #expect((metric(metrics, "gateway_garbage_bytes_total{station=\"CAST\"}") ?? 0) > 0, "\(metrics)")
        #expect(eventually(seconds: 5) {
            metric(httpGet(port: metricsPort, path: "/metrics") ?? "", "gateway_udp_datagrams_received_total{station=\"UDP\"}") == Double(sentToOther.value)
        }, "the other station's datagrams: \(sentToOther.value) sent; \(httpGet(port: metricsPort, path: "/metrics") ?? "")")
        #expect(gatewayd.process.isRunning)
    }
}

/// A flag one thread sets and another reads.
final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// A count one thread raises and another reads.
final class ManagedCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
