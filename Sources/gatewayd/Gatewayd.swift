import ArgumentParser
import DaemonSupport

@main
struct Gatewayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Ground gateway of a GNSS augmentation system.",
        version: SoftwareVersion.line("gatewayd"),
        subcommands: [Run.self, Demo.self, Replay.self, SSR.self, Inspect.self, CheckConfig.self]
    )

    static func main() async { await mainReportingFailures() }
}
