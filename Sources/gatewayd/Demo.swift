import ArgumentParser
import DPC
import DPCLink
import DaemonSupport
import Foundation
import GNSSCore
import Gateway
import Logging
import NIOPosix
import Synchronization

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a DPC module and a gateway on loopback, play recorded streams to it over UDP, and summarise.",
        discussion: """
            Without arguments it plays the bundled simulated network (fixtures/sim): a reference station and a rover, \
            both in PPP with the LEO satellites, and the satellite segment's downlink that brings their ephemerides; \
            the rover's stream is also positioned without the LEO satellites (ROV0-GNSS), and each station's solutions \
            are judged against the simulator's truth: convergence time, RMS after it, outages and re-convergence. \
            Ctrl-C stops the streams and prints the summary of what was played. With arguments, each RTCM 3 file \
            is a reference station solved by SPP, named after the file (or its RTCM station id), its epochs played \
            in the order of their GNSS times.
            """
    )

    @Argument(help: "RTCM 3 streams to play, one reference station each (default: the bundled simulated network).")
    var streams: [String] = []

    @Option(name: .long, help: "Stream seconds played per second.")
    var speed: Double = 10

    @Option(name: .long, help: "Where the demo keeps its spool, DPC store and control socket (emptied first).")
    var directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-demo").path

    func run() async throws {
        let fixtures = Self.bundledFixtures()
        let paths = streams.isEmpty ? Gateway.Demo.simulatedNetwork(fixtures).map(\.path) : streams
        for path in paths where !FileManager.default.fileExists(atPath: path) {
            StandardError.error("\(path) not found")
            throw ExitCode(1)
        }
        let stations = streams.isEmpty ? Gateway.Demo.simulatedNetwork(fixtures) : try Gateway.Demo.recordedStations(paths: streams)
        var demo = Gateway.Demo(stations: stations, directory: directory)
        demo.speed = speed
        let interrupt = InterruptRequest()
        let s = try await demo.run(startDPC: LoopbackDPC.start, interrupted: { interrupt.requested })
        print(s.interrupted ? "demo summary (interrupted)" : "demo summary")
        for station in s.stations {
            if station.format == .leo {
                print("  \(station.name): \(station.note ?? ""), \(station.epochs) onboard epochs")
                continue
            }
            let played = stations.first { $0.name == station.name }
            let solutions = station.solutions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("  \(station.name): \(station.epochs) epochs (\(solutions))" + (played.map { ", \($0.solvedWith)" } ?? ""))
            guard let p = station.ecef, let time = station.time else { continue }
            var line = String(format: "    last solution %@: %.3f %.3f %.3f m (ECEF), %@", time, p[0], p[1], p[2], station.quality.rawValue)
            if let path = played?.truth, let truth = TruthTrack(path: path)?.position(at: time) {
                let error = ECEF(p[0], p[1], p[2]).enu(relativeTo: truth)
                line += String(format: "; error against the truth %.1f cm horizontal, %.1f cm vertical", error.horizontal * 100, abs(error.up) * 100)
            }
            print(line)
            guard let story = s.convergence[station.name] else { continue }
            print("    against the truth: \(story.summary)")
            for outage in story.outages {
                let back = outage.reconvergedAfter.map { "back within the limits \(ConvergenceStory.seconds($0)) after it" }
                    ?? "not back within the limits before the end"
                print("    outage: no epochs for \(ConvergenceStory.seconds(outage.seconds)) after \(outage.lastBefore.iso8601(fractionDigits: 0)); \(back)")
            }
        }
        if let with = s.convergence["ROV0"], let without = s.convergence["ROV0-GNSS"] {
            print("  the same rover with and without the LEO satellites (within \(Int(ConvergenceStory.horizontalLimit * 100)) cm "
                  + "horizontal and \(Int(ConvergenceStory.verticalLimit * 100)) cm vertical):")
            print("    GPS+Galileo+LEO: \(with.summary)")
            print("    GPS+Galileo:     \(without.summary)")
            print("    LEO satellites cross the sky in minutes, so the geometry changes fast and the float ambiguities and")
            print("    the troposphere separate from the position far sooner than with the slow GNSS satellites alone.")
        }
        print("  corrections: \(s.forwarded) records forwarded, \(s.acknowledged) acknowledged by the DPC, \(s.stored) in its store")
        print("  state:      \(directory) (solutions in \(directory)/solutions)")
    }

    /// fixtures/sim of the working directory or of the source tree this binary was built from.
    static func bundledFixtures() -> String {
        let local = FileManager.default.currentDirectoryPath + "/fixtures/sim"
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/sim").path
    }
}

/// The demo's DPC module: a link server and its store on loopback, in this process.
struct LoopbackDPC: DemoDPC {
    let server: DPCServer
    let store: String

    static func start(keyHex: String, store directory: String) async throws -> any DemoDPC {
        var logger = Logger(label: "demo-dpc")
        logger.logLevel = .warning
        let store = try DPCStore(directory: directory)
        let server = try await DPCServer(listen: NetworkAddress(host: "127.0.0.1", port: 0), key: try SharedKey(hex: keyHex), store: store,
                                         metrics: DPCMetrics(), group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        return LoopbackDPC(server: server, store: directory)
    }

    var port: Int { server.localAddress?.port ?? 0 }

    func close() async { await server.close() }

    func storedRecords() throws -> Int {
        var count = 0
        try DPCStore.records(directory: store) { _ in count += 1 }
        return count
    }
}

/// Ctrl-C while the demo plays: the first stops the streams, so the summary is made of what was played; a second
/// ends the program at once.
final class InterruptRequest: Sendable {
    private let flag = Mutex(false)
    nonisolated(unsafe) private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.resume()
        self.source = source
        source.setEventHandler { [self] in
            flag.withLock { $0 = true }
            signal(SIGINT, SIG_DFL)
        }
    }

    var requested: Bool { flag.withLock { $0 } }
}
