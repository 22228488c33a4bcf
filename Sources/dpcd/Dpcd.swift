import ArgumentParser
import DPC
import DPCLink
import DaemonSupport
import Foundation
import GNSSCore
import JetStream
import Logging
import NIOPosix
import ServiceLifecycle

/// The data-processing-center module: receives gateways' correction records over the authenticated link and stores them.
@main
struct Dpcd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpcd",
        abstract: "Receive and durably store the corrections that gateways forward.",
        version: SoftwareVersion.line("dpcd"),
        subcommands: [Serve.self, CheckConfig.self, Dump.self, Status.self],
        defaultSubcommand: Serve.self
    )

    static func main() async { await mainReportingFailures() }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the DPC link server (the default).")

    @Option(name: .long, help: "The YAML configuration file.")
    var config: String

    func run() async throws {
        JournalLogHandler.bootstrap()
        let logger = Logger(label: "dpcd")
        let loaded = DPCConfiguration.load(path: config)
        guard let configuration = loaded.configuration else {
            for p in loaded.problems { StandardError.error("\(p)") }
            throw ExitCode(1)
        }
        for w in loaded.warnings { logger.warning("\(w.message)", metadata: ["file": "\(w.file)", "line": "\(w.line)"]) }
        let service = DPCService(configuration: configuration, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Binds the link and metrics ports, tells systemd it is ready, and runs until asked to stop.
struct DPCService: Service {
    var configuration: DPCConfiguration
    var logger: Logger

    func run() async throws {
        let notifier = SystemdNotifier()
        let key = configuration.linkEnabled ? try configuration.sharedKey() : nil
        try FileManager.default.createDirectory(atPath: configuration.store, withIntermediateDirectories: true)
        let store = try DPCStore(directory: configuration.store)
        if store.recovery.truncatedBytes > 0 || store.recovery.corruptRecords > 0 {
            logger.warning("store repaired on open", metadata: ["truncated_bytes": "\(store.recovery.truncatedBytes)",
                                                                 "corrupt_records": "\(store.recovery.corruptRecords)"])
        }
        let metrics = DPCMetrics()
        metrics.registry.registerBuildInfo(prefix: "dpc")
        metrics.storeBytes.set(to: Double(store.totalBytes))
        let group = MultiThreadedEventLoopGroup.singleton
        let processing = try configuration.processing.map { settings throws(DatagramSender.Failure) in
            try NetworkProcessing(settings: settings, registry: metrics.registry, logger: logger)
        }
        if let p = configuration.processing {
            logger.info("network processing on", metadata: ["interval": "\(p.interval)", "high_rate": "\(p.highRate.map { "\($0)" } ?? "none")",
                                                            "holdback": "\(p.holdback)",
                                                            "ssr_output": "\(p.output.map { "\($0)" } ?? "none")"])
        }
        var server: DPCServer?
        if let key {
            do {
                server = try await DPCServer(listen: configuration.listen, key: key, store: store, metrics: metrics,
                                             limits: DPCServer.Limits(configuration), processing: processing, group: group, logger: logger)
            } catch {
                throw ListenError(purpose: "the DPC link", transport: .tcp, address: "\(configuration.listen)", setting: "listen", underlying: error)
            }
        }
        var http: MetricsHTTPServer?
        if let m = configuration.metrics {
            http = try await MetricsHTTPServer(host: m.host, port: m.port, registry: metrics.registry, group: group,
                                               limits: configuration.metricsLimits, metricPrefix: "dpc_metrics",
                                               status: {
                                                   DPCStatus(version: SoftwareVersion.number, storeBytes: store.totalBytes,
                                                             gateways: DPCStatus.gateways(of: store), network: processing?.status).json
                                               }) { true }
        }
        let intake = configuration.jetStream.map { settings in
            let intake = JetStreamIntake(settings: settings, store: store, metrics: metrics, processing: processing, logger: logger)
            return Task { await intake.run() }
        }
        let sources = [server.map { _ in "listening on \(configuration.listen)" },
                       configuration.jetStream.map { "consuming JetStream stream \($0.stream) as \($0.durable ?? "")" }].compactMap { $0 }
        let summary = sources.joined(separator: ", ") + ", \(store.gateways.count) gateways in the store"
        logger.info("ready", metadata: ["listen": "\(server == nil ? "off" : configuration.listen.description)", "store": "\(configuration.store)",
                                        "jetstream": "\(configuration.jetStream.map { "\($0.stream) on \(ServerListText.text($0.servers))" } ?? "off")",
                                        "max_connections": "\(configuration.maxConnections)",
                                        "max_connections_per_address": "\(configuration.maxConnectionsPerAddress)"])
        notifier.ready(status: summary)
        try? await gracefulShutdown()
        notifier.stopping(status: "stopping")
        intake?.cancel()
        await intake?.value
        await server?.close()
        await http?.close()
        processing?.drain()
        if let processing { logger.info("network processing: \(processing.summary)") }
        try store.sync()
        logger.info("stopped")
    }
}

struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dump", abstract: "List the records of a store.")

    @Option(name: .long, help: "The store directory.")
    var store: String

    @Flag(name: .long, help: "One JSON object per record: gateway, generation, sequence, time, station, types, bytes.")
    var json = false

    func run() throws {
        let out = StandardOutput()
        var count = 0
        let skipped = try DPCStore.records(directory: store) { entry in
            count += 1
            let time = entry.record.time.iso8601(fractionDigits: 3)
            let types = entry.record.messageTypes
            if json {
                let escaped = entry.gateway.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                let station = entry.record.station.replacingOccurrences(of: "\"", with: "\\\"")
                out.writeLine("{\"gateway\":\"\(escaped)\",\"generation\":\"\(RecordStream.hex(entry.generation))\",\"sequence\":\(entry.sequence),\"time\":\"\(time)\",\"station\":\"\(station)\",\"types\":[\(types.map(String.init).joined(separator: ","))],\"bytes\":\(entry.record.rtcm.count)}")
            } else {
                out.writeLine("\(entry.gateway)\t\(RecordStream.hex(entry.generation))\t\(entry.sequence)\t\(time)\t\(entry.record.station)\t\(types.map(String.init).joined(separator: " "))")
            }
        }
        out.flush()
        StandardError.writeLine("\(count) records\(skipped.isEmpty ? "" : ", \(skipped.count) undecodable entries skipped")")
    }
}
