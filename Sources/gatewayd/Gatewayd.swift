import ArgumentParser

@main
struct Gatewayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Ground gateway of a GNSS augmentation system.",
        subcommands: [Run.self, Demo.self, Replay.self, Inspect.self, CheckConfig.self]
    )
}
