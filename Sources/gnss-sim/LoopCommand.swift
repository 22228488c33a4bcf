import ArgumentParser
import DaemonSupport
import Foundation
import GNSSCore
import GNSSSimulation
#if canImport(Glibc)
import Glibc
#endif

/// The augmentation loop on loopback, with the real daemons: a dpcd that processes the network, two gatewayd that
/// share the reference stations (the first also takes the satellite segment's downlink, the second serves a user
/// station), and this simulator streaming all of it; then what each part did, and the user's GNSS+LEO PPP on the DPC's
/// corrections against the simulation's truth.
struct LoopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loop",
        abstract: "The whole augmentation loop on loopback: simulated stations → two gatewayd → dpcd's network processing → SSR back → a user's GNSS+LEO PPP, with the figures.",
        discussion: """
            Starts dpcd and gatewayd from the directory of this executable (build them first: swift build -c release),
            writes their configurations into --directory, streams --minutes of the simulated network at --speed, then
            prints dpcd's status, both gateways' stations and the user's error against the truth. The daemons' logs
            stay in --directory.
            """
    )

    @Option(help: "Minutes to simulate.")
    var minutes = 20.0

    @Option(help: "Simulated seconds per second of wall time.")
    var speed = 30.0

    @Option(help: "Where the configurations, stores and logs go (emptied first).")
    var directory = FileManager.default.temporaryDirectory.appendingPathComponent("gnss-sim-loop").path

    @Option(help: "The real day whose orbits and clocks make the GNSS sky.")
    var data = ConvergenceCommand.defaultData

    /// The reference stations (name, latitude, longitude): the first three go to gateway A, the rest to B.
    static let references: [(String, Double, Double)] = [("NA", 47, -8), ("NB", 47, 14), ("NC", 55, 3), ("ND", 55, 25), ("NE", 63, -8), ("NF", 63, 14)]
    /// The user station, outside the network's stations (ESBC's coordinates).
    static let user = Geodetic(latitudeDegrees: 55.49357, longitudeDegrees: 8.45683, height: 59.7)
    static let key = "6c6f63616c2d64656d6f2d6b65792d6368616e67652d6d652d696e2d70726f64"

    func run() throws {
        guard minutes > 0, speed > 0 else { throw ValidationError("--minutes and --speed must be positive") }
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        for tool in ["dpcd", "gatewayd", "gatewayctl"] where !FileManager.default.isExecutableFile(atPath: bin + "/" + tool) {
            StandardError.error("\(bin)/\(tool) is missing: build it first (swift build -c release)")
            throw ExitCode(1)
        }
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)

        let link = try LoopbackPort.free(SOCK_STREAM), dpcMetrics = try LoopbackPort.free(SOCK_STREAM)
        let udp = try (0...Self.references.count + 1).map { _ in try LoopbackPort.free(SOCK_DGRAM) }
        let userPort = udp[Self.references.count], segment = udp[Self.references.count + 1]
        try write("dpcd.yaml", """
            listen: 127.0.0.1:\(link)
            store: ./dpc
            metrics: 127.0.0.1:\(dpcMetrics)
            key: \(Self.key)
            processing:
              interval: 30
              holdback: 10
              record: ./dpc/ssr
            """)
        func references(_ range: Range<Int>) -> [String] {
            range.map { "  - {name: \(Self.references[$0].0), listen: 127.0.0.1:\(udp[$0]), role: reference, processing: spp}" }
        }
        try write("a.yaml", gateway("gateway-a", link: link, stations: references(0..<3)
            + ["  - {name: LEO, listen: 127.0.0.1:\(segment), format: leo, role: rover, processing: none}"]))
        try write("b.yaml", gateway("gateway-b", link: link, stations: references(3..<Self.references.count) + [
            "  - {name: DPC, source: \"dpc://\", role: corrections}",
            "  - {name: RV, listen: 127.0.0.1:\(userPort), role: rover, processing: ppp, systems: [G, E, L], corrections: DPC}"]))

        let dpcd = try start(bin + "/dpcd", ["--config", "dpcd.yaml"], log: "dpcd.log")
        let gateways = try ["a", "b"].map { try start(bin + "/gatewayd", ["run", "--config", "\($0).yaml"], log: "gatewayd-\($0).log") }
        func stop() {
            for p in gateways + [dpcd] where p.isRunning { p.terminate() }
            for p in gateways + [dpcd] { p.waitUntilExit() }
        }
        defer { stop() }
        for id in ["gateway-a", "gateway-b"] {
            guard waitFor(directory + "/\(id).sock", seconds: 20) else {
                StandardError.error("\(id) did not start; see \(directory)/gatewayd-\(id.suffix(1)).log")
                throw ExitCode(1)
            }
        }
        print("dpcd and two gatewayd running in \(directory); streaming \(Int(minutes)) min of the simulated network at \(Int(speed))× real time")

        var arguments = ["--sky", "precise", "--minutes", "\(minutes)", "--interval", "5", "--speed", "\(speed)", "--seed", "9", "--data", data]
        for (i, s) in Self.references.enumerated() {
            arguments += ["--station", "\(s.0)@\(s.1),\(s.2),100", "--to", "\(s.0)=127.0.0.1:\(udp[i])"]
        }
        arguments += ["--station", "RV@\(Self.user.latitudeDegrees),\(Self.user.longitudeDegrees),\(Self.user.height)",
                      "--to", "RV=127.0.0.1:\(userPort)", "--to", "\(StreamCommand.segmentName)=127.0.0.1:\(segment)"]
        let stream = try StreamCommand.parse(arguments)
        try stream.run()
        Thread.sleep(forTimeInterval: 3)  // the last epochs through the gateways, dpcd and back

        print("\n== dpcd")
        print(try output(bin + "/dpcd", ["status", "--metrics", "127.0.0.1:\(dpcMetrics)"]))
        for id in ["a", "b"] {
            print("== gateway-\(id)")
            print(try output(bin + "/gatewayctl", ["--socket", "gateway-\(id).sock", "stations"]))
        }
        stop()  // the gateways write out their solution logs as they stop
        report()
    }

    /// The user's PPP solutions against the truth: when they stayed within 10 cm horizontal and 20 cm vertical, and the
    /// error at a few times.
    private func report() {
        let truth = Self.user.ecef()
        let text = (try? String(contentsOfFile: directory + "/gateway-b/solutions/RV.json", encoding: .utf8)) ?? ""
        var samples: [Convergence.Sample] = []
        for line in text.split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["quality"] as? String == "ppp",
                  let text = o["time"] as? String, let t = GNSSTime(iso8601: text),
                  let e = o["ecef"] as? [Double], e.count == 3 else { continue }
            samples.append(Convergence.Sample(time: t, error: ECEF(e[0], e[1], e[2]).enu(relativeTo: truth)))
        }
        print("== the user RV: GNSS+LEO PPP (kinematic) on the DPC's corrections, against the truth")
        guard !samples.isEmpty else {
            print("no PPP solutions; see \(directory)/gatewayd-b.log")
            return
        }
        let marks = Set([samples.count / 10, samples.count / 4, samples.count / 2, samples.count - 1])
        for k in marks.sorted() {
            let s = samples[k]
            print(String(format: "  %@  horizontal %.3f m, up %+.3f m", s.time.iso8601(fractionDigits: 0), s.horizontal, s.error.up))
        }
        let start = samples[0].time
        let within = Convergence.time(samples, from: start)
        print(within.map { "within 10 cm horizontal and 20 cm vertical from \((start + $0).iso8601(fractionDigits: 0)) on" }
              ?? "not within 10 cm horizontal and 20 cm vertical to the end: the network starts cold with six stations; `gnss-sim network-experiment` measures a warmed-up one")
    }

    private func gateway(_ id: String, link: Int, stations: [String]) -> String {
        """
        gateway_id: \(id)
        control_socket: ./\(id).sock
        metrics: off
        state_directory: ./\(id)
        dpc:
          address: 127.0.0.1:\(link)
          key: \(Self.key)
        solutions:
          directory: ./\(id)/solutions
          format: json
        stations:
        \(stations.joined(separator: "\n"))

        """
    }

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    private func start(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        _ = FileManager.default.createFile(atPath: directory + "/" + log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/" + log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private func output(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let bytes = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: bytes, as: UTF8.self)
    }

    private func waitFor(_ path: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if FileManager.default.fileExists(atPath: path) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}
