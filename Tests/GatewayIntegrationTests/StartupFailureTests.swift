import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What an operator reads when a daemon cannot start: which socket or file, the system's reason and what to
/// do, one `PROGRAM: error:` prefix on a terminal or in a file, no syslog priorities there, no library internals.
@Suite("Startup failures, as an operator reads them", .serialized)
struct StartupFailureTests {
    static let key = "6c6f63616c2d64656d6f2d6b65792d6368616e67652d6d652d696e2d70726f64"

    static func write(_ text: String, _ path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    /// A loopback socket bound (and, for TCP, listening) without SO_REUSEADDR, keeping its port in use.
    final class HeldPort {
        let fd: Int32
        let port: Int

        init(udp: Bool) throws {
            fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = self.fd
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            try #require(ok && (udp || listen(fd, 4) == 0))
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(fd) }
    }

    static func gatewayConfiguration(metrics: String, station: Int, dpc: Int? = nil) -> String {
        """
        gateway_id: startup-test
        control_socket: ./run/gatewayd.sock
        metrics: \(metrics)
        state_directory: ./state
        \(dpc.map { "dpc:\n  address: 127.0.0.1:\($0)\n  key: \(key)\n" } ?? "")stations:
          - name: ALPHA
            listen: 127.0.0.1:\(station)
            format: rtcm3
            role: reference
            processing: spp

        """
    }

    /// No syslog priority and no NIO call signature in what a terminal shows.
    static func readable(_ text: String) -> Bool {
        !text.contains("<2>") && !text.contains("<3>") && !text.contains("bind(descriptor") && !text.contains("Error: ")
    }

    @Test("metrics port in use: the endpoint, its address, the reason and what to do")
    func metricsPortInUse() throws {
        let dir = makeWorkDirectory("metrics-in-use")
        let held = try HeldPort(udp: false)
        Self.write(Self.gatewayConfiguration(metrics: "127.0.0.1:\(held.port)", station: 5851), dir + "/g.yaml")
        let run = try DaemonProcess.run("gatewayd", ["run", "--config", "g.yaml"], directory: dir)
        #expect(run.status == 1)
        #expect(run.error.contains("gatewayd: error: cannot listen for the metrics endpoint on TCP 127.0.0.1:\(held.port): "
            + "Address already in use (errno 98); another process is using it (`ss -tlpn 'sport = :\(held.port)'` shows which"),
            "\(run.error)")
        #expect(run.error.contains("change `metrics` in the configuration"))
        #expect(Self.readable(run.error), "\(run.error)")
    }

    @Test("a station's UDP port in use: the station, its address and the reason")
    func stationPortInUse() throws {
        let dir = makeWorkDirectory("station-in-use")
        let held = try HeldPort(udp: true)
        Self.write(Self.gatewayConfiguration(metrics: "off", station: held.port), dir + "/g.yaml")
        let run = try DaemonProcess.run("gatewayd", ["run", "--config", "g.yaml"], directory: dir)
        #expect(run.status == 1)
        #expect(run.error.contains("gatewayd: error: cannot listen for station ALPHA on UDP 127.0.0.1:\(held.port): Address already in use"),
                "\(run.error)")
        #expect(run.error.contains("ss -ulpn 'sport = :\(held.port)'") && run.error.contains("change `listen` in the configuration"))
        #expect(Self.readable(run.error), "\(run.error)")
    }

    @Test("dpcd's link port in use: the DPC link, its address and the reason")
    func dpcLinkPortInUse() throws {
        let dir = makeWorkDirectory("dpc-link-in-use")
        let held = try HeldPort(udp: false)
        Self.write("listen: 127.0.0.1:\(held.port)\nstore: ./state/dpc\nmetrics: off\nkey: \(Self.key)\n", dir + "/d.yaml")
        let run = try DaemonProcess.run("dpcd", ["--config", "d.yaml"], directory: dir)
        #expect(run.status == 1)
        #expect(run.error.contains("dpcd: error: cannot listen for the DPC link on TCP 127.0.0.1:\(held.port): Address already in use"),
                "\(run.error)")
        #expect(Self.readable(run.error), "\(run.error)")
    }

    @Test("a second gatewayd on the same state: already running, with the first one's pid")
    func secondInstance() throws {
        let dir = makeWorkDirectory("second-instance")
        Self.write(Self.gatewayConfiguration(metrics: "off", station: 5852, dpc: 7852), dir + "/g.yaml")
        let first = try DaemonProcess("gatewayd", ["run", "--config", "g.yaml"], directory: dir)
        defer { first.stop() }
        #expect(eventually { first.output.contains("gatewayd: ready") }, "\(first.output)")
        let second = try DaemonProcess.run("gatewayd", ["run", "--config", "g.yaml"], directory: dir)
        #expect(second.status == 1)
        #expect(second.error.contains("gatewayd: error: ./state/spool is locked: gatewayd is already running "
            + "(pid \(first.process.processIdentifier))"), "\(second.error)")
        #expect(!second.error.contains("flock") && Self.readable(second.error), "\(second.error)")
        #expect(first.process.isRunning)
    }

    @Test("a missing configuration: the file and the system's reason, no line 0")
    func missingConfiguration() throws {
        let dir = makeWorkDirectory("missing-config")
        let gatewayd = try DaemonProcess.run("gatewayd", ["run", "--config", "locl.yaml"], directory: dir)
        #expect(gatewayd.status == 1)
        #expect(gatewayd.error == "gatewayd: error: locl.yaml: cannot read the file: No such file or directory\n")
        let dpcd = try DaemonProcess.run("dpcd", ["--config", "locl.yaml"], directory: dir)
        #expect(dpcd.status == 1)
        #expect(dpcd.error == "dpcd: error: locl.yaml: cannot read the file: No such file or directory\n")
    }

    @Test("a usage error carries the same prefix as every other error")
    func usageError() throws {
        let run = try DaemonProcess.run("gatewayd", ["run"], directory: FileManager.default.currentDirectoryPath)
        #expect(run.status == 64)
        #expect(run.error.hasPrefix("gatewayd: error: Missing expected argument '--config <config>'"), "\(run.error)")
    }
}
