import ArgumentParser

@main
struct Gatewayd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "Ground gateway of a GNSS augmentation system.",
        subcommands: [Inspect.self, Replay.self, CheckConfig.self]
    )
}
