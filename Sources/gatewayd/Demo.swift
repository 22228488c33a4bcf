import ArgumentParser
import DaemonSupport
import Foundation
import Gateway

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a DPC module and a gateway on loopback, play recorded RTCM 3 streams to it over UDP, and summarise."
    )

    @Argument(help: "RTCM 3 streams to play, one station each (default: the bundled fixtures/demo.rtcm3).")
    var streams: [String] = []

    @Option(name: .long, help: "Epochs played per second.")
    var rate: Double = 10

    @Option(name: .long, help: "Where the demo keeps its spool, DPC store and control socket (emptied first).")
    var directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatewayd-demo").path

    func run() async throws {
        let paths = streams.isEmpty ? [Self.bundledFixture()] : streams
        for p in paths where !FileManager.default.fileExists(atPath: p) {
            StandardError.writeLine("gatewayd demo: \(p) not found")
            throw ExitCode(1)
        }
        var demo = Gateway.Demo(streams: paths, directory: directory)
        demo.rate = rate
        let s = try await demo.run()
        print("demo summary")
        print("  epochs:     \(s.epochs)")
        print("  solutions:  \(s.solutions.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))")
        if let p = s.lastPosition { print(String(format: "  position:   %.3f %.3f %.3f m (ECEF)", p[0], p[1], p[2])) }
        print("  corrections: \(s.forwarded) records forwarded, \(s.acknowledged) acknowledged by the DPC, \(s.stored) in its store")
        print("  state:      \(directory)")
    }

    /// fixtures/demo.rtcm3 of the working directory or of the source tree this binary was built from.
    static func bundledFixture() -> String {
        let local = FileManager.default.currentDirectoryPath + "/fixtures/demo.rtcm3"
        if FileManager.default.fileExists(atPath: local) { return local }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/demo.rtcm3").path
    }
}
