import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What becomes of datagrams at the edges of what a station's port takes: the size limit, and datagrams the
/// kernel drops because the daemon did not read its socket in time.
@Suite("Datagram limits", .serialized)
struct DatagramLimitTests {
    static func configuration(receiveBuffer: Int? = nil) -> String {
        """
        gateway_id: limits-test
        control_socket: ./ctl.sock
        metrics: 127.0.0.1:9861
        state_directory: ./state
        \(receiveBuffer.map { "udp_receive_buffer: \($0)" } ?? "")
        stations:
          - name: EDGE
            listen: 127.0.0.1:5611
            processing: none
        """
    }

    static func start(_ name: String, receiveBuffer: Int? = nil) throws -> (DaemonProcess, String) {
        let dir = makeWorkDirectory(name)
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(configuration(receiveBuffer: receiveBuffer).utf8))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "\(gatewayd.output)")
        return (gatewayd, dir)
    }

    @Test("a datagram of 9215 bytes is taken, one of 9216 bytes is dropped as oversize, as the README says")
    func oversizeBoundary() throws {
        let (gatewayd, _) = try Self.start("oversize")
        defer { gatewayd.stop() }
        let sender = UDPSender()
        sender.send([UInt8](repeating: 0x55, count: 9215), to: 5611)
        sender.send([UInt8](repeating: 0x55, count: 9216), to: 5611)
        sender.close()
        var metrics = ""
        #expect(eventually {
            metrics = httpGet(port: 9861, path: "/metrics") ?? ""
            // The garbage counter is there from the start at zero: wait for the station to have read the datagram.
            return metric(metrics, "gateway_udp_datagrams_received_total{station=\"EDGE\"}") == 2
                && (metric(metrics, "gateway_garbage_bytes_total{station=\"EDGE\"}") ?? 0) > 0
        }, "\(metrics)")
        #expect(metric(metrics, "gateway_udp_datagrams_dropped_total{reason=\"oversize\",listen=\"127.0.0.1:5611\"}") == 1, "\(metrics)")
        #expect(metric(metrics, "gateway_garbage_bytes_total{station=\"EDGE\"}") == 9215, "only the 9215 bytes reached the station")
    }

    /// The daemon is stopped (SIGSTOP) while thousands of datagrams arrive: the socket's receive buffer (64 KiB asked
    /// for) holds a few of them and the kernel drops the rest. Once it runs again, what it received and what the
    /// kernel dropped account for every datagram sent.
    @Test("datagrams the kernel drops at a full receive buffer are counted as receive_buffer")
    func receiveBufferDrops() throws {
        let (gatewayd, _) = try Self.start("receive-buffer", receiveBuffer: 64 << 10)
        defer { gatewayd.stop() }
        #expect(eventually { gatewayd.output.contains("receive_buffer=") }, "the listener's effective buffer is logged: \(gatewayd.output)")
        let series = "gateway_udp_datagrams_dropped_total{reason=\"receive_buffer\",listen=\"127.0.0.1:5611\"}"
        #expect(metric(httpGet(port: 9861, path: "/metrics") ?? "", series) == 0)

        let sent = 5000
        gatewayd.signal(SIGSTOP)
        let sender = UDPSender()
        for i in 0..<sent { sender.send([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 200), to: 5611) }
        sender.close()
        gatewayd.signal(SIGCONT)

        var metrics = ""
        var received = 0.0, dropped = 0.0
        _ = eventually(seconds: 20) {
            metrics = httpGet(port: 9861, path: "/metrics") ?? ""
            received = metric(metrics, "gateway_udp_datagrams_received_total{station=\"EDGE\"}") ?? 0
            dropped = metric(metrics, series) ?? 0
            return received + dropped >= Double(sent)
        }
        print("sent \(sent), received \(Int(received)), dropped at the receive buffer \(Int(dropped))")
        #expect(dropped > 0, "\(metrics)")
        #expect(abs(Double(sent) - received - dropped) <= Double(sent) / 100, "sent \(sent), received \(received), counted dropped \(dropped)")
    }
}
