import Foundation
import Gateway
import GatewayControl
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Garbage and hostile input against the running daemons: counted or refused with a clear message, and they keep serving.
@Suite("Hostile input and systemd notifications", .serialized)
struct HostileInputTests {
    static let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

    static func gatewayConfiguration(dpcKey: String = key) -> String {
        """
        gateway_id: hostile-test
        control_socket: ./ctl.sock
        metrics: 127.0.0.1:9564
        state_directory: ./state
        dpc:
          address: 127.0.0.1:7101
          key: \(dpcKey)
        stations:
          - name: OPEN
            listen: 127.0.0.1:5102
            role: reference
            processing: spp
          - name: GUARDED
            listen: 127.0.0.1:5103
            allow: [127.0.0.2]
            processing: spp
        """
    }

    static let dpcConfiguration = """
        listen: 127.0.0.1:7101
        store: ./state/dpc
        metrics: 127.0.0.1:9565
        key: \(key)
        """

    static func write(_ text: String, _ path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    @Test("random datagrams, oversize datagrams, a flood from a disallowed address, junk on the control socket: counted, daemon serving")
    func garbage() throws {
        let dir = makeWorkDirectory("hostile")
        Self.write(Self.gatewayConfiguration(), dir + "/gateway.yaml")
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "\(gatewayd.output)")

        var random = SeededGenerator(seed: 7)
        let sender = UDPSender()
        for _ in 0..<400 {
            let n = Int.random(in: 1...1400, using: &random)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &random) }
            if bytes.count > 3, Bool.random(using: &random) { bytes[0] = 0xD3; bytes[1] = 0 }  // false preambles
            sender.send(bytes, to: 5102)
        }
        sender.send([UInt8](repeating: 0xD3, count: 20_000), to: 5102)
        for _ in 0..<300 { sender.send([0xD3, 0x00, 0x13], to: 5103) }  // GUARDED allows only 127.0.0.2
        sender.close()

        var metrics = ""
        #expect(eventually {
            metrics = httpGet(port: 9564, path: "/metrics") ?? ""
            return metric(metrics, "gateway_udp_datagrams_dropped_total{reason=\"not_allowed\",listen=\"127.0.0.1:5103\"}") == 300
        }, "\(metrics)")
        #expect(metric(metrics, "gateway_udp_datagrams_dropped_total{reason=\"oversize\",listen=\"127.0.0.1:5102\"}") == 1)
        #expect(metric(metrics, "gateway_udp_datagrams_received_total{station=\"OPEN\"}") == 401)
        #expect((metric(metrics, "gateway_garbage_bytes_total{station=\"OPEN\"}") ?? 0) > 100_000)

        let client = ControlClient(path: dir + "/ctl.sock")
        #expect(try client.exchange(Array("garbage{{\n".utf8)).contains("\"ok\":false"))
        #expect(try client.exchange(Array("{\"command\":\"reboot\"}\n".utf8)).contains("unknown command"))
        #expect(try client.exchange(Array("{\"command\":\"solution\"}\n".utf8)).contains("needs a station name"))
        _ = try? client.exchange(Array(String(repeating: "x", count: 100_000).utf8))  // no newline: refused, connection closed
        let status = try #require(try control("ctl.sock", ["status"], directory: dir))
        #expect(status["ready"] as? Bool == true)
        for station in status["stations"] as? [[String: Any]] ?? [] {
            #expect(Set(station.keys).isSuperset(of: ["name", "epochs", "quality", "ecef"]), "\(station)")
        }
        let forwarder = try #require(status["forwarder"] as? [String: Any])
        #expect(forwarder["acked"] != nil && forwarder["pending"] != nil)
        #expect(gatewayd.process.isRunning)
    }

    @Test("a peer with the wrong key is refused by dpcd and counted on both sides")
    func wrongKey() throws {
        let dir = makeWorkDirectory("wrong-key")
        Self.write(Self.dpcConfiguration, dir + "/dpcd.yaml")
        Self.write(Self.gatewayConfiguration(dpcKey: String(repeating: "ab", count: 32)), dir + "/gateway.yaml")
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }
        #expect(eventually { httpGet(port: 9565, path: "/healthz") == "ok\n" })
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        var dpcMetrics = ""
        #expect(eventually {
            dpcMetrics = httpGet(port: 9565, path: "/metrics") ?? ""
            return (metric(dpcMetrics, "dpc_links_refused_total{reason=\"bad_key\"}") ?? 0) >= 1
        }, "\(dpcMetrics)")
        #expect(eventually { (metric(httpGet(port: 9564, path: "/metrics") ?? "", "gateway_dpc_link_refused_total") ?? 0) >= 1 })
        #expect(eventually { gatewayd.output.contains("authentication failed") })
        #expect(metric(dpcMetrics, "dpc_links_authenticated") == 0)
        #expect(dpcd.process.isRunning && gatewayd.process.isRunning)
    }

    @Test("a bad configuration: gatewayd run and check-config exit 1 naming file:line")
    func badConfiguration() throws {
        let dir = makeWorkDirectory("bad-config")
        Self.write("gateway_id: x\nstations:\n  - name: A\n    listen: 127.0.0.1:99999\n", dir + "/bad.yaml")
        let run = try DaemonProcess.run("gatewayd", ["run", "--config", "bad.yaml"], directory: dir)
        #expect(run.status == 1)
        #expect(run.error.contains("bad.yaml:4:"), "\(run.error)")
        let check = try DaemonProcess.run("gatewayd", ["check-config", "bad.yaml"], directory: dir)
        #expect(check.status == 1 && check.error.contains("bad.yaml:4:"))
        Self.write("listen: nowhere\nkey: 12\n", dir + "/dpcd.yaml")
        let dpcd = try DaemonProcess.run("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        #expect(dpcd.status == 1 && dpcd.error.contains("dpcd.yaml:1:") && dpcd.error.contains("dpcd.yaml:2:"), "\(dpcd.error)")
    }

    @Test("replay refuses a malformed --exclude, naming it")
    func malformedExclusion() throws {
        let dir = makeWorkDirectory("bad-exclude")
        let r = try DaemonProcess.run("gatewayd", ["replay", "--rover", "x.obs", "--exclude", "G05,Q7"], directory: dir)
        #expect(r.status != 0 && r.error.contains("'Q7' in --exclude"), "\(r.error)")
    }

    @Test("replay takes a --base-position that starts with a minus sign as its value, not as an option")
    func negativeBasePosition() throws {
        let dir = makeWorkDirectory("negative-base")
        let r = try DaemonProcess.run("gatewayd", ["replay", "--mode", "rtk", "--rover", "x.obs", "--base", "y.obs",
                                                   "--base-position", "-3937776.1063,3354867.8075,3718445.0835"], directory: dir)
        #expect(!r.error.contains("Missing value"), "\(r.error)")
        #expect(r.status == 1 && r.error.contains("x.obs"), "\(r.error)")
    }

    @Test("replay refuses an --out it cannot create, with the system's reason, before reading anything")
    func unwritableOutput() throws {
        let dir = makeWorkDirectory("bad-out")
        let r = try DaemonProcess.run("gatewayd", ["replay", "--rover", "x.obs", "--out", "missing/x.pos"], directory: dir)
        #expect(r.status == 1 && r.error.contains("cannot write missing/x.pos: No such file or directory"), "\(r.error)")
        #expect(r.output.isEmpty)
    }

    @Test("sd_notify: READY=1 and STATUS= once bound, WATCHDOG=1 while the engine runs, STOPPING=1 and exit 0 on SIGTERM")
    func systemdNotifications() throws {
        let dir = makeWorkDirectory("notify")
        Self.write(Self.gatewayConfiguration(), dir + "/gateway.yaml")
        let socketPath = dir + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let b = Array(socketPath.utf8)
            raw.copyBytes(from: b)
            raw[b.count] = 0
        }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var messages: [String] = []
        func receive(until predicate: ([String]) -> Bool, seconds: Double = 20) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline && !predicate(messages) {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { messages.append(String(decoding: buffer[..<n], as: UTF8.self)) }
            }
            return predicate(messages)
        }
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir,
                                         environment: ["NOTIFY_SOCKET": socketPath, "WATCHDOG_USEC": "600000"])
        defer { gatewayd.stop() }
        #expect(receive { $0.contains { $0.contains("READY=1") } }, "\(messages) \(gatewayd.output)")
        let ready = try #require(messages.first { $0.contains("READY=1") })
        #expect(ready.contains("STATUS=2 stations"))
        // The control socket and metrics port were bound before READY.
        #expect(FileManager.default.fileExists(atPath: dir + "/ctl.sock"))
        #expect(receive { $0.filter { $0 == "WATCHDOG=1" }.count >= 3 }, "\(messages)")
        gatewayd.signal(SIGTERM)
        #expect(receive { $0.contains { $0.hasPrefix("STOPPING=1") } }, "\(messages)")
        #expect(gatewayd.wait() == 0)
    }
}
