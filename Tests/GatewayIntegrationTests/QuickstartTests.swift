import DaemonSupport
import Foundation
import GNSSCore
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// gatewayd, gatewayctl and dpcd as real processes on loopback, configured by
/// the local quickstart pair in deploy/examples, fed a real RTCM 3 capture over UDP.
@Suite("Gateway and DPC processes", .serialized)
struct QuickstartTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/examples").path
    /// IGS position of GMSD (shared data README), good to metres for 2012.
    static let gmsd = ECEF(-3607665.5445, 4147867.8813, 3223716.9188)
    static let socket = "run/gatewayd.sock"

    static func quickstartDirectory(_ name: String) throws -> String {
        let dir = makeWorkDirectory(name)
        for f in ["local.yaml", "dpcd-local.yaml"] {
            try FileManager.default.copyItem(atPath: examples + "/" + f, toPath: dir + "/" + f)
        }
        return dir
    }

    static func capture() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))))
    }

    static func status(_ dir: String) -> [String: Any]? {
        try? control(socket, ["status"], directory: dir)
    }

    static func forwarder(_ dir: String) -> (acked: Int, pending: Int, last: Int)? {
        guard let f = status(dir)?["forwarder"] as? [String: Any], let a = f["acked"] as? Int, let p = f["pending"] as? Int,
              let l = f["last_sequence"] as? Int else { return nil }
        return (a, p, l)
    }

    static func epochs(_ dir: String) -> Int {
        ((status(dir)?["stations"] as? [[String: Any]])?.first?["epochs"] as? Int) ?? -1
    }

    /// Waits until the station's epoch count stops moving and everything spooled is acknowledged.
    static func settled(_ dir: String, seconds: Double = 60) -> Bool {
        var last = -2
        return eventually(seconds: seconds) {
            usleep(200_000)
            let now = epochs(dir)
            defer { last = now }
            guard now == last, now > 0, let f = forwarder(dir) else { return false }
            return f.pending == 0 && f.acked == f.last
        }
    }

    /// Waits until the station's epoch count and the last spooled sequence stay put for three polls in a row
    /// (a loaded machine can pause the station's task for a moment).
    static func quiet(_ dir: String) -> Bool {
        var last = (-2, -2)
        var still = 0
        return eventually(seconds: 60) {
            usleep(300_000)
            let now = (epochs(dir), forwarder(dir)?.last ?? -1)
            defer { last = now }
            still = now == last && now.0 > 0 ? still + 1 : 0
            return still >= 3
        }
    }

    static func ready(_ dir: String) -> Bool {
        eventually(seconds: 30) { (status(dir)?["ready"] as? Bool) == true }
    }

    /// The stored sequence numbers are exactly 1…n, each once, in order.
    static func sequences(_ dir: String) throws -> [Int] {
        try dump(store: "state/dpc", directory: dir).compactMap { $0["sequence"] as? Int }
    }

    @Test("quickstart pair: a real capture over UDP gives solutions in gatewayctl, matching /metrics and the corrections in dpcd dump")
    func quickstart() throws {
        guard SharedData.available else { return }
        let dir = try Self.quickstartDirectory("quickstart")
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd-local.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "local.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(Self.ready(dir), "gatewayd not ready: \(gatewayd.output)")

        let sender = UDPSender()
        let sent = sender.stream(try Self.capture(), to: 5001)
        sender.close()
        #expect(Self.settled(dir), "not settled: \(gatewayd.output)")

        let status = try #require(Self.status(dir))
        #expect(status["ready"] as? Bool == true)
        #expect((status["uptime_s"] as? Double ?? -1) >= 0)
        let station = try #require((status["stations"] as? [[String: Any]])?.first)
        #expect(station["name"] as? String == "DEMO")
        let epochs = try #require(station["epochs"] as? Int)
        let ecef = try #require(station["ecef"] as? [Double])
        #expect(ECEF(ecef[0], ecef[1], ecef[2]).distance(to: Self.gmsd) < 30, "SPP position \(ecef)")
        #expect(station["quality"] as? String != nil)

        let metrics = try #require(httpGet(port: 9464, path: "/metrics"))
        #expect(metric(metrics, "gateway_udp_datagrams_received_total{station=\"DEMO\"}") == Double(sent))
        #expect(metric(metrics, "gateway_epochs_total{station=\"DEMO\"}") == Double(epochs))
        // pyrtcm counts 257 frames of each MSM7 type in this capture.
        for type in [1077, 1087, 1117, 1127] {
            #expect(metric(metrics, "gateway_frames_decoded_total{station=\"DEMO\",type=\"\(type)\"}") == 257)
        }
        #expect(httpGet(port: 9464, path: "/healthz") == "ok\n")
        #expect(metric(metrics, "gateway_build_info{version=\"\(SoftwareVersion.number)\"}") == 1)
        let dpcMetrics = try #require(httpGet(port: 9465, path: "/metrics"))
        #expect(metric(dpcMetrics, "dpc_build_info{version=\"\(SoftwareVersion.number)\"}") == 1)

        let forwarder = try #require(status["forwarder"] as? [String: Any])
        let acked = try #require(forwarder["acked"] as? Int)
        #expect(metric(metrics, "gateway_records_acknowledged_total") == Double(acked))
        let records = try dump(store: "state/dpc", directory: dir)
        #expect(records.count == acked)
        #expect(records.compactMap { $0["sequence"] as? Int } == Array(1...max(acked, 1)))
        #expect(records.allSatisfy { $0["gateway"] as? String == "local-gateway" })
        let types = Set(records.flatMap { $0["types"] as? [Int] ?? [] })
        #expect(types.isSuperset(of: [1077, 1087, 1117, 1127, 1019, 1020]), "forwarded types \(types.sorted())")

        let table = try DaemonProcess.run("gatewayctl", ["stations", "--socket", Self.socket], directory: dir)
        #expect(table.status == 0 && table.output.contains("DEMO"))
        let missing = try DaemonProcess.run("gatewayctl", ["solution", "NOPE", "--socket", Self.socket], directory: dir)
        #expect(missing.status == 1 && missing.error.contains("no station named 'NOPE'"))

        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
        // Standard error is a file here, not the journal: no syslog priority prefixes.
        #expect(gatewayd.output.contains("\ngatewayd: stopped"))
        #expect(!gatewayd.output.contains("<6>"))
    }

    /// The shell block of the README's "The daemons, locally", with the release build directory replaced by
    /// the build under test.
    static func readmeQuickstart() throws -> String {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: package.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "### The daemons, locally\n"))
        let open = try #require(readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
        let close = try #require(readme.range(of: "\n```\n", range: open.upperBound..<readme.endIndex))
        let block = String(readme[open.upperBound..<close.lowerBound])
        #expect(block.contains("$PWD/.build/release"))
        return block.replacingOccurrences(of: "$PWD/.build/release", with: DaemonProcess.products.path)
    }

    @Test("the README's local quickstart runs as written, with the bundled capture",
          .enabled(if: SharedData.hasTool("bash") && SharedData.hasTool("curl") && SharedData.hasTool("timeout"), "needs bash, curl and timeout"))
    func readmeQuickstartRuns() throws {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let work = makeWorkDirectory("readme")
        let script = work + "/quickstart.sh"
        // A failing step leaves no daemon behind: they would hold the example's ports for the tests after this one.
        let cleanup = "trap 'status=$?; [ $status -ne 0 ] && kill -9 $GATEWAYD $DPCD 2>/dev/null; exit $status' EXIT\n"
        _ = FileManager.default.createFile(atPath: script, contents: Data(("set -eo pipefail\n" + cleanup + (try Self.readmeQuickstart())).utf8))
        let bash = Process()
        bash.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // Output to files, not pipes: a daemon the script started keeps its standard output open after the script ends.
        bash.arguments = ["timeout", "--signal=KILL", "120", "bash", "-c", "bash \"$0\" >\"$1\" 2>\"$2\"", script, work + "/out", work + "/err"]
        bash.currentDirectoryURL = package
        try bash.run()
        bash.waitUntilExit()
        let output = (try? String(contentsOfFile: work + "/out", encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: work + "/err", encoding: .utf8)) ?? ""
        #expect(bash.terminationStatus == 0, "\(errors)\n\(output)")

        // The temporary directory it printed holds the daemons' logs; both stop on the final SIGTERM.
        let dir = String(output.prefix { $0 != "\n" })
        #expect(dir.hasPrefix("/"), "\(output)")
        let log = { (name: String) in (try? String(contentsOfFile: dir + "/" + name, encoding: .utf8)) ?? "" }
        #expect(eventually(seconds: 20) { log("gatewayd.log").contains("gatewayd: stopped") && log("dpcd.log").contains("dpcd: stopped") },
                "gatewayd.log:\n\(log("gatewayd.log"))\ndpcd.log:\n\(log("dpcd.log"))")
        #expect(log("gatewayd.log").contains("gatewayd: configuration reloaded"))

        // fixtures/demo.rtcm3 holds 30 epochs: each solved, spooled, forwarded and stored once.
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("DEMO ") && $0.contains(" 30 ") && $0.contains("single") }, "\(output)")
        #expect(lines.contains("epochs:     30  single: 30"), "\(output)")
        #expect(metric(output, "gateway_epochs_total{station=\"DEMO\"}") == 30)
        #expect(metric(output, "gateway_records_acknowledged_total") == 30)
        let stored = lines.filter { $0.hasPrefix("{") }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(stored.compactMap { $0["sequence"] as? Int } == Array(1...30))
    }

    @Test("kill -9 of dpcd mid-stream: after its restart every record arrives exactly once, in order")
    func dpcCrash() throws {
        guard SharedData.available else { return }
        let dir = try Self.quickstartDirectory("dpc-crash")
        var dpcd = try DaemonProcess("dpcd", ["--config", "dpcd-local.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "local.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(Self.ready(dir))
        let data = try Self.capture()
        let sender = UDPSender()
        _ = sender.stream(data, to: 5001) { n in
            if n == 150 {
                dpcd.signal(SIGKILL)
                dpcd.wait()
            }
        }
        sender.close()
        #expect(eventually(seconds: 10) { (Self.forwarder(dir)?.pending ?? 0) > 0 }, "records should wait in the spool")
        dpcd = try DaemonProcess("dpcd", ["--config", "dpcd-local.yaml"], directory: dir, logName: "dpcd-2")
        #expect(Self.settled(dir), "not settled: \(gatewayd.output)")
        let last = try #require(Self.forwarder(dir)?.last)
        #expect(try Self.sequences(dir) == Array(1...last))
    }

    @Test("kill -9 of gatewayd mid-stream: the spooled, unacknowledged records are delivered after its restart")
    func gatewayCrash() throws {
        guard SharedData.available else { return }
        let dir = try Self.quickstartDirectory("gateway-crash")
        var gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "local.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(Self.ready(dir))
        let data = try Self.capture()
        let sender = UDPSender()
        _ = sender.stream(Array(data.prefix(data.count / 2)), to: 5001)
        sender.close()
        #expect(Self.quiet(dir))
        let produced = try #require(Self.forwarder(dir)?.last)
        #expect(produced > 50)
        gatewayd.signal(SIGKILL)
        gatewayd.wait()
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd-local.yaml"], directory: dir)
        defer { dpcd.stop() }
        gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "local.yaml"], directory: dir, logName: "gatewayd-2")
        #expect(eventually(seconds: 30) { Self.forwarder(dir).map { $0.pending == 0 && $0.acked == produced } ?? false },
                "after restart: \(String(describing: Self.forwarder(dir))), produced \(produced)")
        #expect(try Self.sequences(dir) == Array(1...produced))
    }
}
