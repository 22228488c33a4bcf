import DaemonSupport
import Foundation
import GNSSCore
import Synchronization
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Whether RTKLIB's `str2str` is there to test against; says why not when it is absent.
enum RTKLIBStr2str {
    static let available: Bool = {
        let ok = SharedData.hasTool("str2str")
        if !ok { print("skipping the str2str interop tests: str2str (Debian package rtklib) is not on PATH") }
        return ok
    }()
}

/// Stations pulled from RTKLIB's `str2str` as real processes on loopback: its NTRIP caster (`-out ntripc://`) and
/// its TCP server (`-out tcpsvr://`) serve the GMSD capture; gatewayd connects as an NTRIP or TCP client, positions
/// the station and forwards its corrections to dpcd. A wrong password and a caster that dies and comes back are
/// reported, counted and recovered from.
///
/// `str2str -in file://…::T` paces a file only with the `.tag` file str2str itself writes beside a recording, which a
/// plain capture has not; so the capture goes to `str2str`'s standard input at a steady rate instead.
@Suite("Station sources from RTKLIB's str2str", .serialized,
       .enabled(if: SharedData.available && RTKLIBStr2str.available, "needs ../shared/data and RTKLIB's str2str"))
struct StationSourceInteropTests {
    static let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
    static let gmsd = ECEF(-3_607_665.5445, 4_147_867.8813, 3_223_716.9188)
    static let capture = SharedData.path("rtcm3/GMSD7_20121014.rtcm3")
    /// The pace the capture is served at: about twenty of its 1 s epochs a second.
    static let bytesPerSecond = 20_000

    /// A free loopback TCP port, as the kernel hands one out.
    static func freePort() throws -> Int {
        try LoopbackPort.free(SOCK_STREAM)
    }

    /// `str2str` reading its standard input and serving it on `output` (`ntripc://…` or `tcpsvr://…`).
    final class Str2str: Sendable {
        let process: Process
        let input: Int32

        init(output: String, directory: String, logName: String) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["str2str", "-out", output]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let pipe = Pipe()
            process.standardInput = pipe
            let log = directory + "/" + logName
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: log)
            process.standardError = FileHandle(forWritingAtPath: log)
            try process.run()
            self.process = process
            input = pipe.fileHandleForWriting.fileDescriptor
        }

        /// Writes `bytes` to str2str at `rate` bytes a second, in 1 KiB pieces, on a thread of its own; `done` is
        /// called when all is written (or the process is gone).
        func feed(_ bytes: [UInt8], rate: Int, done: @escaping @Sendable () -> Void = {}) {
            let fd = input
            Thread.detachNewThread {
                var offset = 0
                while offset < bytes.count {
                    let end = min(offset + 1024, bytes.count)
                    let written = bytes[offset..<end].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                    if written <= 0 { break }
                    offset += written
                    usleep(useconds_t(1_000_000 * written / rate))
                }
                done()
            }
        }

        func kill() {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        /// SIGKILL: str2str has nothing to save here, and a child of the test runner may have SIGTERM blocked.
        func stop() {
            guard process.isRunning else { return }
            kill()
        }

        deinit { stop() }
    }

    /// Set once, from any thread.
    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    struct Ports {
        var gatewayMetrics: Int, link: Int, dpcMetrics: Int, caster: Int

        static func fresh() throws -> Ports {
            Ports(gatewayMetrics: try freePort(), link: try freePort(), dpcMetrics: try freePort(), caster: try freePort())
        }
    }

    /// A working directory with gateway.yaml (one reference station reading `source`) and, with `dpc`, dpcd.yaml.
    static func prepare(_ name: String, source: String, ports: Ports, dpc: Bool, extra: String = "") -> String {
        let dir = makeWorkDirectory(name)
        let gateway = """
            gateway_id: source-interop
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(ports.gatewayMetrics)
            state_directory: ./gateway-state
            solutions: {directory: ./solutions, format: json}
            \(dpc ? "dpc:\n  address: 127.0.0.1:\(ports.link)\n  key: \(key)\n" : "")stations:
              - name: GMSD
                source: \(source)
                role: reference
                processing: spp
            \(extra)
            """
        let dpcd = """
            listen: 127.0.0.1:\(ports.link)
            store: ./dpc-store
            metrics: 127.0.0.1:\(ports.dpcMetrics)
            key: \(key)
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(gateway.utf8))
        if dpc { _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(dpcd.utf8)) }
        return dir
    }

    static func source(_ dir: String) -> [String: Any]? {
        ((try? control("ctl.sock", ["sources"], directory: dir))?["sources"] as? [[String: Any]])?.first
    }

    static func station(_ dir: String) -> [String: Any]? {
        ((try? control("ctl.sock", ["stations"], directory: dir))?["stations"] as? [[String: Any]])?.first
    }

    static func metrics(_ port: Int) -> String { httpGet(port: port, path: "/metrics") ?? "" }

    /// Waits until the station's epoch count has stayed put for three polls (the capture is all in).
    static func settled(_ dir: String, atLeast: Int) -> Bool {
        var previous = -1, still = 0
        return eventually(seconds: 60) {
            usleep(400_000)
            let epochs = station(dir)?["epochs"] as? Int ?? 0
            still = epochs == previous && epochs >= atLeast ? still + 1 : 0
            previous = epochs
            return still >= 3
        }
    }

    /// The logged SPP solutions with at least `satellites` satellites: their 3D errors against the IGS position.
    static func errors(_ dir: String, satellites: Int) -> [Double] {
        let text = (try? String(contentsOfFile: dir + "/solutions/GMSD.json", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line -> Double? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  o["quality"] as? String == "single", (o["satellites"] as? Int ?? 0) >= satellites,
                  let e = o["ecef"] as? [Double], e.count == 3 else { return nil }
            return ECEF(e[0], e[1], e[2]).distance(to: gmsd)
        }.sorted()
    }

    @Test("str2str serves the GMSD capture as an NTRIP caster or a TCP server: gatewayd positions it and forwards its corrections to dpcd",
          arguments: ["ntrip", "tcp"])
    func servedCaptureIsPositionedAndForwarded(kind: String) throws {
        let ports = try Ports.fresh()
        let password = "s3cret-\(ports.caster)"
        let source = kind == "ntrip" ? "ntrip://gw:\(password)@127.0.0.1:\(ports.caster)/GMSD7" : "tcp://127.0.0.1:\(ports.caster)"
        let shown = kind == "ntrip" ? "ntrip://gw:***@127.0.0.1:\(ports.caster)/GMSD7" : source
        let output = kind == "ntrip" ? "ntripc://gw:\(password)@:\(ports.caster)/GMSD7" : "tcpsvr://:\(ports.caster)"
        let dir = Self.prepare("source-\(kind)", source: source, ports: ports, dpc: true)
        let caster = try Str2str(output: output, directory: dir, logName: "str2str.log")
        defer { caster.stop() }
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }

        // Connected before a byte is served, so the whole capture goes through.
        #expect(eventually(seconds: 30) { Self.source(dir)?["connected"] as? Bool == true }, "\(gatewayd.output)")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.capture)))
        caster.feed(bytes, rate: Self.bytesPerSecond)
        #expect(Self.settled(dir, atLeast: 250), "\(gatewayd.output)")

        let metrics = Self.metrics(ports.gatewayMetrics)
        #expect(metric(metrics, "gateway_source_connected{station=\"GMSD\"}") == 1)
        #expect(metric(metrics, "gateway_source_bytes_total{station=\"GMSD\"}") == Double(bytes.count))
        #expect(metric(metrics, "gateway_source_reconnects_total{station=\"GMSD\"}") == 0)
        #expect((metric(metrics, "gateway_source_last_data_age_seconds{station=\"GMSD\"}") ?? -1) >= 0)
        // pyrtcm counts 257 frames of each MSM7 type in this capture.
        #expect(metric(metrics, "gateway_frames_decoded_total{station=\"GMSD\",type=\"1077\"}") == 257)

        // SPP once every ephemeris is in (nine satellites, as in replay): within 5 m of the IGS position.
        let errors = Self.errors(dir, satellites: 9), all = Self.errors(dir, satellites: 0)
        if !errors.isEmpty && !all.isEmpty {
            print("GMSD over \(kind): median SPP error \(String(format: "%.2f", errors[errors.count / 2])) m over \(errors.count) solutions with nine "
                  + "satellites, \(String(format: "%.2f", all[all.count / 2])) m over all \(all.count)")
        }
        #expect(errors.count >= 20, "\(errors.count) solutions with nine satellites")
        if !errors.isEmpty { #expect(errors[errors.count / 2] < 5, "median error \(errors[errors.count / 2]) m over \(errors.count) solutions") }

        // The corrections reach dpcd.
        #expect(eventually(seconds: 30) {
            let f = (try? control("ctl.sock", ["status"], directory: dir))?["forwarder"] as? [String: Any]
            return (f?["acked"] as? Int ?? 0) >= 250 && f?["pending"] as? Int == 0
        }, "\(gatewayd.output)")
        let records = try dump(store: "dpc-store", directory: dir)
        let types = Set(records.flatMap { $0["types"] as? [Int] ?? [] })
        #expect(records.count >= 250 && types.isSuperset(of: [1077, 1087, 1019]), "\(records.count) records, types \(types.sorted())")

        // Status shows the URL without the password; so do the logs.
        let s = try #require(Self.source(dir))
        #expect(s["url"] as? String == shown && s["connected"] as? Bool == true && s["reconnects"] as? Int == 0)
        #expect(s["bytes"] as? Int == bytes.count)
        let table = try DaemonProcess.run("gatewayctl", ["sources", "--socket", "ctl.sock"], directory: dir)
        #expect(table.output.contains(shown) && table.output.contains("CONNECTED"), "\(table.output)")
        #expect(!table.output.contains(password) && !gatewayd.output.contains(password))
        let check = try DaemonProcess.run("gatewayd", ["check-config", "gateway.yaml"], directory: dir)
        #expect(check.status == 0 && check.output.contains(shown) && !check.output.contains(password), "\(check.output)")
    }

    @Test("A wrong password: the caster's 401 is logged once, counted at every attempt, and the attempts back off")
    func wrongPasswordIsReportedAndRetried() throws {
        let ports = try Ports.fresh()
        let dir = Self.prepare("source-401", source: "ntrip://gw:wrong@127.0.0.1:\(ports.caster)/GMSD7", ports: ports, dpc: false)
        let caster = try Str2str(output: "ntripc://gw:right@:\(ports.caster)/GMSD7", directory: dir, logName: "str2str.log")
        defer { caster.stop() }
        usleep(300_000)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        let series = "gateway_source_errors_total{station=\"GMSD\",reason=\"unauthorized\"}"
        #expect(eventually(seconds: 30) { (metric(Self.metrics(ports.gatewayMetrics), series) ?? 0) >= 4 }, "\(gatewayd.output)")
        // Waits of 0.25 s doubling to 5 s: in the next 8 s at most a few attempts more, not a storm.
        let before = metric(Self.metrics(ports.gatewayMetrics), series) ?? 0
        sleep(8)
        let metrics = Self.metrics(ports.gatewayMetrics)
        let after = metric(metrics, series) ?? 0
        #expect(after > before && after - before <= 5, "\(before) → \(after) refusals in 8 s")
        #expect((metric(metrics, "gateway_source_reconnects_total{station=\"GMSD\"}") ?? 0) >= after - 1)
        #expect(metric(metrics, "gateway_source_connected{station=\"GMSD\"}") == 0)
        let refusals = gatewayd.output.components(separatedBy: "the caster refused the credentials (HTTP/1.0 401 Unauthorized)").count - 1
        #expect(refusals == 1, "logged \(refusals) times:\n\(gatewayd.output)")
        #expect(!gatewayd.output.contains("wrong"))
        let s = try #require(Self.source(dir))
        #expect(s["connected"] as? Bool == false && (s["problem"] as? String)?.contains("401") == true, "\(s)")
        let table = try DaemonProcess.run("gatewayctl", ["sources", "--socket", "ctl.sock"], directory: dir)
        #expect(table.output.contains("refused the credentials"), "\(table.output)")
    }

    @Test("A mountpoint the caster does not have: its sourcetable answer is reported with the mountpoints it lists")
    func missingMountpointNamesTheOthers() throws {
        let ports = try Ports.fresh()
        let dir = Self.prepare("source-404", source: "ntrip://gw:pw@127.0.0.1:\(ports.caster)/NOPE", ports: ports, dpc: false)
        let caster = try Str2str(output: "ntripc://gw:pw@:\(ports.caster)/GMSD7", directory: dir, logName: "str2str.log")
        defer { caster.stop() }
        usleep(300_000)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        let series = "gateway_source_errors_total{station=\"GMSD\",reason=\"mountpoint_missing\"}"
        #expect(eventually(seconds: 30) { (metric(Self.metrics(ports.gatewayMetrics), series) ?? 0) >= 2 }, "\(gatewayd.output)")
        #expect(gatewayd.output.contains("the caster has no such mountpoint (SOURCETABLE 200 OK: the caster sent its sourcetable, listing GMSD7)"),
                "\(gatewayd.output)")
    }

    @Test("The caster is killed mid-stream and started again: the station reconnects and its data flows again")
    func casterRestartIsRecovered() throws {
        let ports = try Ports.fresh()
        let output = "ntripc://gw:pw@:\(ports.caster)/GMSD7"
        let dir = Self.prepare("source-restart", source: "ntrip://gw:pw@127.0.0.1:\(ports.caster)/GMSD7", ports: ports, dpc: false)
        var caster = try Str2str(output: output, directory: dir, logName: "str2str-1.log")
        defer { caster.stop() }
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually(seconds: 30) { Self.source(dir)?["connected"] as? Bool == true }, "\(gatewayd.output)")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.capture)))
        let half = bytes.count / 2
        let firstDone = Flag()
        caster.feed(Array(bytes[..<half]), rate: Self.bytesPerSecond) { firstDone.set() }
        #expect(eventually(seconds: 30) { firstDone.isSet })
        #expect(Self.settled(dir, atLeast: 100), "\(gatewayd.output)")
        let epochsBefore = Self.station(dir)?["epochs"] as? Int ?? 0

        caster.kill()
        #expect(eventually(seconds: 20) { Self.source(dir)?["connected"] as? Bool == false }, "\(gatewayd.output)")
        sleep(2)
        caster = try Str2str(output: output, directory: dir, logName: "str2str-2.log")
        #expect(eventually(seconds: 30) { Self.source(dir)?["connected"] as? Bool == true }, "\(gatewayd.output)")
        caster.feed(Array(bytes[half...]), rate: Self.bytesPerSecond)
        #expect(Self.settled(dir, atLeast: epochsBefore + 100), "\(gatewayd.output)")

        let metrics = Self.metrics(ports.gatewayMetrics)
        #expect((metric(metrics, "gateway_source_reconnects_total{station=\"GMSD\"}") ?? 0) >= 1)
        #expect(metric(metrics, "gateway_source_connected{station=\"GMSD\"}") == 1)
        #expect(metric(metrics, "gateway_source_bytes_total{station=\"GMSD\"}") == Double(bytes.count))
        let epochsAfter = Self.station(dir)?["epochs"] as? Int ?? 0
        #expect(epochsAfter > epochsBefore + 100, "\(epochsBefore) → \(epochsAfter) epochs")
        // The lost connection and each refused reconnection while the caster was down: one line each kind, not one per attempt.
        let refusedLines = gatewayd.output.components(separatedBy: "cannot connect to 127.0.0.1:\(ports.caster)").count - 1
        #expect(refusedLines <= 1, "\(gatewayd.output)")
        #expect(gatewayd.output.components(separatedBy: "source streaming (ICY 200 OK)").count - 1 == 2, "\(gatewayd.output)")
    }
}
