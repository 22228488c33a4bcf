import ArgumentParser
import DaemonSupport
import Gateway
import Logging
import ServiceLifecycle

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the gateway daemon (what systemd starts): UDP ingest, live positioning, forwarding to the DPC, metrics and the control socket."
    )

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        JournalLogHandler.bootstrap(level: logLevel)
        let logger = Logger(label: "gatewayd")
        let outcome = ConfigurationLoader.load(path: config)
        guard let configuration = outcome.configuration else {
            for p in outcome.problems { StandardError.error(p.description) }
            throw ExitCode(1)
        }
        for w in outcome.warnings { logger.warning("\(w.message)", metadata: ["file": "\(w.file)", "line": "\(w.line)"]) }
        ProcessLimits.raiseOpenFiles()
        let daemon = GatewayDaemon(configuration: configuration, path: config, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: daemon)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
