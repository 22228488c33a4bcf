import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What becomes of datagrams at the edges of what a station's port takes.
@Suite("Datagram limits", .serialized)
struct DatagramLimitTests {
    static let configuration = """
        gateway_id: limits-test
        control_socket: ./ctl.sock
        metrics: 127.0.0.1:9861
        state_directory: ./state
        stations:
          - name: EDGE
            listen: 127.0.0.1:5611
            processing: none
        """

    static func start(_ name: String) throws -> (DaemonProcess, String) {
        let dir = makeWorkDirectory(name)
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(configuration.utf8))
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
            return metric(metrics, "gateway_udp_datagrams_received_total{station=\"EDGE\"}") == 2
                && metric(metrics, "gateway_garbage_bytes_total{station=\"EDGE\"}") != nil
        }, "\(metrics)")
        #expect(metric(metrics, "gateway_udp_datagrams_dropped_total{reason=\"oversize\",listen=\"127.0.0.1:5611\"}") == 1, "\(metrics)")
        #expect(metric(metrics, "gateway_garbage_bytes_total{station=\"EDGE\"}") == 9215, "only the 9215 bytes reached the station")
    }
}
