import DPCLink
import DaemonSupport
import Foundation
import GNSSCore
import GNSSProducts
import GatewayControl
import JetStream
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `gatewayd run`: binds every configured socket, runs each station live, forwards
/// reference stations' corrections through the spool to the DPC, answers the
/// control socket and `/metrics`, and talks to systemd (READY, STATUS, WATCHDOG,
/// STOPPING). SIGHUP reloads the station list; SIGTERM drains and exits.
public final class GatewayDaemon: Service, Sendable {
    private struct Running: Sendable {
        var configuration: GatewayConfiguration
        var stations: [String: StationRuntime] = [:]
        var listeners: [NetworkAddress: UDPListener] = [:]
        /// The TCP and NTRIP source clients, by station.
        var clients: [String: StationSourceClient] = [:]
    }

    private let configurationPath: String
    private let initial: GatewayConfiguration
    private let logger: Logger
    private let metrics = GatewayMetrics()
    private let notifier = SystemdNotifier()
    private let started = ContinuousClock.now
    private let running: Mutex<Running>
    private let ready = Atomic<Bool>(false)
    private let group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    private let ephemerides = SharedEphemerides()
    private let references = ReferenceEpochs()
    private let products: Mutex<Products> = Mutex(Products())
    private let spool: Mutex<Spool?> = Mutex(nil)
    private let forwarder: Mutex<(any SpoolSender)?> = Mutex(nil)
    /// The SSR stream made from the products (`ssr_publish`), set up at start.
    private let publisher: Mutex<CorrectionPublisher?> = Mutex(nil)
    /// The NTRIP caster serving the reference stations' corrections (`caster:`), set up at start.
    private let caster: Mutex<NTRIPCaster?> = Mutex(nil)

    public init(configuration: GatewayConfiguration, path: String, logger: Logger) {
        configurationPath = path
        initial = configuration
        self.logger = logger
        running = Mutex(Running(configuration: configuration))
    }

    public func run() async throws {
        let c = initial
        let loaded = try loadProducts(c)
        products.withLock { $0 = loaded }
        ephemerides.add(products: loaded.ephemerides.satellites.flatMap { loaded.ephemerides.all(for: $0) })
        if let p = c.ssrPublish { try startPublishing(p, products: loaded) }

        var spool: Spool?
        var forwarder: (any SpoolSender)?
        if let address = c.dpcAddress {
            let key = try c.dpcKey.map { hex throws(LinkConfigurationError) in try SharedKey(hex: hex) } ?? SharedKey(file: c.dpcKeyFile ?? "")
            let s = try Spool(directory: c.spoolDirectory, maxBytes: c.spoolMaxBytes, metrics: metrics, logger: logger)
            spool = s
            forwarder = Forwarder(address: address, gatewayID: c.gatewayID, key: key, spool: s, group: group, metrics: metrics, logger: logger)
        } else if let jetStream = c.dpcJetStream {
            let s = try Spool(directory: c.spoolDirectory, maxBytes: c.spoolMaxBytes, metrics: metrics, logger: logger)
            spool = s
            forwarder = JetStreamForwarder(settings: jetStream, gatewayID: c.gatewayID, spool: s, metrics: metrics, logger: logger)
        }
        if let s = spool {
            logger.info("spool open", metadata: ["directory": "\(c.spoolDirectory)", "pending": "\(s.pendingCount)",
                                                 "last_sequence": "\(s.lastSequence)", "generation": "\(RecordStream.hex(s.generation))"])
        }
        self.spool.withLock { $0 = spool }
        self.forwarder.withLock { $0 = forwarder }

        var http: MetricsHTTPServer?
        if let m = c.metrics {
            http = try await MetricsHTTPServer(host: m.host, port: m.port, registry: metrics.registry, group: group,
                                               limits: c.metricsLimits, metricPrefix: "gateway_metrics") { [weak self] in
                self?.isReady ?? false
            }
        }
        let control = try await ControlServer(path: c.controlSocket, limits: c.controlSocketLimits, group: group, metrics: metrics) { [weak self] request in
            self?.answer(request) ?? ControlProtocol.Reply(ok: false, error: "shutting down")
        }
        if let settings = c.caster {
            let caster = try await NTRIPCaster(configuration: settings, network: c.gatewayID, metrics: metrics, group: group) { [weak self] in
                self?.servedMountpoints() ?? []
            }
            self.caster.withLock { $0 = caster }
            for name in c.stations.filter({ $0.role != .rover }).map(\.name) + (c.ssrPublish.map { [$0.name] } ?? []) {
                caster.mountpoints.metrics.prepare(name)
            }
            for source in settings.sources { caster.mountpoints.metrics.prepareSource(source.mountpoint) }
            logger.info("caster listening", metadata: ["listen": "\(settings.listen)", "users": "\(settings.users.count)",
                                                       "max_clients": "\(settings.maxClients)",
                                                       "sources": "\(settings.sources.map(\.mountpoint).joined(separator: ","))"])
        }
        try await apply(c)
        ready.store(true, ordering: .relaxed)
        notifier.ready(status: summary())
        logger.info("ready", metadata: ["stations": "\(c.stations.count)", "control": "\(c.controlSocket)",
                                        "metrics": "\(c.metrics?.description ?? "off")", "dpc": "\(dpcDescription(c))"])

        await withTaskGroup(of: Void.self) { tasks in
            if let forwarder { tasks.addTask { await forwarder.run() } }
            tasks.addTask { await self.tick() }
            tasks.addTask { await self.reloadOnHangup() }
            try? await gracefulShutdown()
            notifier.stopping(status: "draining")
            logger.info("stopping: draining stations")
            tasks.cancelAll()
        }
        ready.store(false, ordering: .relaxed)
        let (listeners, clients, stations) = running.withLock { r in
            defer { r.listeners = [:]; r.clients = [:]; r.stations = [:] }
            return (Array(r.listeners.values), Array(r.clients.values), Array(r.stations.values))
        }
        for l in listeners { await l.close() }
        for c in clients { await c.stop() }
        for s in stations { await s.stop() }
        await caster.withLock({ $0 })?.close()
        do { try spool?.sync() } catch { logger.error("spool sync failed: \(error)") }
        await control.close()
        await http?.close()
        logger.info("stopped", metadata: ["pending": "\(spool?.pendingCount ?? 0)"])
    }

    var isReady: Bool { ready.load(ordering: .relaxed) }

    /// Where the spool's records go, for the log.
    private func dpcDescription(_ c: GatewayConfiguration) -> String {
        if let a = c.dpcAddress { return "link \(a)" }
        if let j = c.dpcJetStream { return "JetStream stream \(j.stream) on \(ServerListText.text(j.servers))" }
        return "none"
    }

    /// Sets up the SSR stream of `ssr_publish`, sending its frames to each destination over UDP.
    private func startPublishing(_ p: SSRPublishConfiguration, products: Products) throws {
        let senders = try p.destinations.map { address throws(DatagramSender.Failure) in try DatagramSender(to: address) }
        let sent = metrics.ssrPublished(p.name)
        let publisher = try CorrectionPublisher(configuration: p, products: products, ephemerides: ephemerides) { [weak self] datagram, time in
            for s in senders { s.send(datagram) }
            sent.increment(by: Int64(datagram.count))
            self?.caster.withLock { $0 }?.publish(CorrectionRecord(station: p.name, time: time, rtcm: datagram))
        }
        self.publisher.withLock { $0 = publisher }
        logger.info("publishing SSR", metadata: ["stream": "\(p.name)", "destinations": "\(p.destinations.map(\.description).joined(separator: ","))",
                                                 "reference": "\(publisher.reference.rawValue)"])
    }

    private func loadProducts(_ c: GatewayConfiguration) throws -> Products {
        let products = try Products.load(navigation: c.navigation, sp3: c.sp3, clock: c.clock, antex: c.antex)
        if products.hasPreciseOrbits && c.antex == nil && c.stations.contains(where: { $0.processing == .ppp }) {
            logger.warning("\(ReplayRunner.noSatelliteAntennaRemark(products.clockAntennaModels, option: "products.antex"))")
        }
        return products
    }

    /// Starts, stops or restarts stations so the running set matches `c`; unchanged stations are not touched.
    private func apply(_ c: GatewayConfiguration) async throws {
        let spool = self.spool.withLock { $0 }
        let products = self.products.withLock { $0 }
        let (old, oldListeners, oldClients) = running.withLock { ($0.stations, $0.listeners, $0.clients) }
        var keep: [String: StationRuntime] = [:]
        var stop: [StationRuntime] = []
        for (name, runtime) in old {
            if let wanted = c.stations.first(where: { $0.name == name }), Self.same(wanted, runtime.configuration) {
                keep[name] = runtime
            } else {
                stop.append(runtime)
            }
        }
        var stations = keep
        for s in c.stations where keep[s.name] == nil {
            stations[s.name] = StationRuntime(configuration: s, ephemerides: ephemerides, references: references, products: products,
                                              spool: spool, solutions: c.solutionDirectory.map { ($0, c.solutionFormat) },
                                              metrics: metrics, logger: logger, publisher: publisher.withLock { $0 },
                                              caster: caster.withLock { $0 },
                                              pushes: s.push.map { PushClient(station: s.name, target: $0, group: group, metrics: metrics, logger: logger) })
            logger.info("station started", metadata: ["station": "\(s.name)", "source": "\(s.source)", "processing": "\(s.processing.rawValue)",
                                                      "role": "\(s.role.rawValue)"])
        }
        var byAddress: [NetworkAddress: [StationRuntime]] = [:]
        var clients: [String: StationSourceClient] = [:]
        for s in stations.values {
            if let listen = s.configuration.listen {
                byAddress[listen, default: []].append(s)
            } else if s.configuration.source == .dpc {
                continue
            } else if let existing = oldClients[s.configuration.name], keep[s.configuration.name] != nil {
                clients[s.configuration.name] = existing
            } else {
                clients[s.configuration.name] = StationSourceClient(station: s, group: group, metrics: metrics, logger: logger)
            }
        }
        // The DPC's corrections, back over the link or its JetStream subject, go to the station that takes them (or nowhere).
        if let link = forwarder.withLock({ $0 }) {
            if let station = stations.values.first(where: { $0.configuration.source == .dpc }) {
                link.deliverCorrections { bytes in _ = station.submit(bytes, received: ContinuousClock.now) }
            } else {
                link.deliverCorrections(to: nil)
            }
        }
        var listeners: [NetworkAddress: UDPListener] = [:]
        for (address, list) in byAddress {
            if let existing = oldListeners[address] {
                existing.replace(list)
                listeners[address] = existing
            } else {
                do {
                    let listener = try await UDPListener(address: address, stations: list, receiveBuffer: c.udpReceiveBuffer, group: group, metrics: metrics)
                    listeners[address] = listener
                    logger.info("listening", metadata: ["listen": "\(address)", "stations": "\(list.map(\.configuration.name))",
                                                        "receive_buffer": "\(listener.receiveBufferBytes)",
                                                        "receive_buffer_requested": "\(c.udpReceiveBuffer)"])
                } catch {
                    if old.isEmpty { throw error }
                    logger.error("\(error)", metadata: ["stations": "\(list.map(\.configuration.name))"])
                }
            }
        }
        running.withLock { r in
            r.configuration = c
            r.stations = stations
            r.listeners = listeners
            r.clients = clients
        }
        for (address, l) in oldListeners where listeners[address] == nil { await l.close() }
        for (name, client) in oldClients where clients[name] !== client { await client.stop() }
        for s in stop {
            await s.stop()
            references.remove(s.configuration.name)
            logger.info("station stopped", metadata: ["station": "\(s.configuration.name)"])
        }
    }

    private static func same(_ a: StationConfiguration, _ b: StationConfiguration) -> Bool {
        var a = a, b = b
        a.line = 0
        b.line = 0
        return a == b
    }

    /// SIGHUP: reread the configuration and apply its station list.
    private func reloadOnHangup() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            let outcome = ConfigurationLoader.load(path: configurationPath)
            guard let c = outcome.configuration else {
                for p in outcome.problems { logger.error("reload refused: \(p)") }
                continue
            }
            let current = running.withLock { $0.configuration }
            if c.controlSocket != current.controlSocket || c.metrics != current.metrics || c.dpcAddress != current.dpcAddress
                || c.dpcJetStream != current.dpcJetStream
                || c.controlSocketLimits != current.controlSocketLimits || c.metricsLimits != current.metricsLimits
                || c.spoolDirectory != current.spoolDirectory || c.gatewayID != current.gatewayID {
                logger.warning("reload: only the station list is applied; restart to change sockets, the DPC link or the spool")
            }
            if c.caster != current.caster {
                logger.warning("reload: the caster's settings apply at the next restart; its mountpoints follow the station list now")
            }
            if c.udpReceiveBuffer != current.udpReceiveBuffer {
                logger.warning("reload: udp_receive_buffer applies to ports bound from now on; restart to change it on the others")
            }
            do {
                try await apply(c)
                logger.info("configuration reloaded", metadata: ["stations": "\(c.stations.count)"])
                notifier.status(summary())
            } catch {
                logger.error("reload failed: \(error)")
            }
        }
    }

    /// The heartbeat: closes stale epochs, syncs the spool, updates STATUS and feeds the watchdog
    /// only while every station's task keeps answering.
    private func tick() async {
        let watchdog = notifier.watchdogInterval
        var lastSync = ContinuousClock.now
        var lastStatus = ContinuousClock.now
        var lastWatchdog = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let now = ContinuousClock.now
            let stations = running.withLock { Array($0.stations.values) }
            for s in stations { s.tick(now) }
            if now - lastSync >= .seconds(1) {
                lastSync = now
                for l in running.withLock({ Array($0.listeners.values) }) { await l.countKernelDrops() }
                for c in running.withLock({ Array($0.clients.values) }) { c.link.refresh(now: now) }
                do { try spool.withLock({ $0 })?.sync() } catch { logger.error("spool sync failed: \(error)") }
            }
            if now - lastStatus >= .seconds(5) {
                lastStatus = now
                notifier.status(summary())
            }
            if let watchdog, now - lastWatchdog >= watchdog / 2 {
                let stuck = stations.filter { now - $0.lastHeartbeat > watchdog }
                if stuck.isEmpty {
                    notifier.watchdog()
                    lastWatchdog = now
                } else {
                    logger.critical("station engine not answering; withholding the watchdog",
                                    metadata: ["stations": "\(stuck.map(\.configuration.name))"])
                }
            }
        }
    }

    private func summary() -> String {
        let stations = running.withLock { Array($0.stations.values) }.map(\.status)
        let solved = stations.filter { $0.quality != .none }.count
        let epochs = stations.reduce(0) { $0 + $1.epochs }
        var line = "\(stations.count) stations, \(solved) solving, \(epochs) epochs"
        if let s = spool.withLock({ $0 }) {
            line += ", forwarded up to \(s.acknowledgedSequence) (\(s.pendingCount) pending)"
        }
        return line
    }

    func answer(_ request: ControlProtocol.Request) -> ControlProtocol.Reply {
        let (stations, listeners, clients, configuration) = running.withLock { r in
            (r.stations.values.sorted { $0.configuration.name < $1.configuration.name }, Array(r.listeners.values), Array(r.clients.values),
             r.configuration)
        }
        var reply = ControlProtocol.Reply(ok: true)
        switch request.known {
        case .status?:
            reply.ready = ready.load(ordering: .relaxed)
            reply.uptimeSeconds = ((ContinuousClock.now - started).inSeconds * 10).rounded() / 10
            reply.gateway = configuration.gatewayID
            reply.version = SoftwareVersion.number
            reply.ephemerides = ephemerides.count
            reply.stations = stations.map(\.status)
            reply.forwarder = forwarderStatus()
            reply.caster = casterStatus()
        case .stations?:
            reply.stations = stations.map(\.status)
        case .sources?:
            reply.sources = (listeners.map { l in
                let statuses = l.stations.map(\.status)
                var source = ControlProtocol.Source(listen: l.address.description, stations: statuses.map(\.name).sorted(),
                                                    datagrams: statuses.reduce(0) { $0 + $1.datagrams }, bytes: statuses.reduce(0) { $0 + $1.bytes })
                source.url = StationSource.udp(l.address).description
                source.lastDataAgeSeconds = statuses.compactMap(\.lastDatagramAgeSeconds).min()
                return source
            } + clients.map(Self.clientSource)).sorted { $0.listen < $1.listen }
            let pushes = stations.flatMap(\.pushes).map { p in
                let s = p.link.snapshot
                return ControlProtocol.Push(station: p.link.station, target: p.link.target.description, connected: s.connected,
                                            reconnects: s.reconnects, bytes: s.bytes, dropped: s.dropped, problem: s.problem)
            }
            if !pushes.isEmpty { reply.pushes = pushes }
            let store = ephemerides.snapshot(), leo = ephemerides.leoSnapshot(), now = GNSSTime.now
            reply.corrections = ephemerides.correctionStreams.compactMap { name in
                guard let s = ephemerides.correctionStream(name) else { return nil }
                let systems = s.health(ephemerides: store, leo: leo, now: now).sorted { $0.key < $1.key }.map { system, h in
                    ControlProtocol.CorrectionSystem(system: String(system.letter), corrected: h.corrected, stale: h.stale,
                                                     unmatched: h.unmatched, ageSeconds: h.age.map { ($0 * 10).rounded() / 10 })
                }
                return ControlProtocol.CorrectionSource(stream: name, messages: s.messages, systems: systems)
            }
        case .solution?:
            guard let name = request.station else { return ControlProtocol.Reply(ok: false, error: "solution needs a station name") }
            guard let s = stations.first(where: { $0.configuration.name == name }) else {
                return ControlProtocol.Reply(ok: false, error: "no station named '\(name)'")
            }
            reply.solution = s.status
        case .satellites?:
            guard let name = request.station else { return ControlProtocol.Reply(ok: false, error: "satellites needs a station name") }
            guard let s = stations.first(where: { $0.configuration.name == name }) else {
                return ControlProtocol.Reply(ok: false, error: "no station named '\(name)'")
            }
            reply.sky = s.sky
        case nil:
            let known = ControlProtocol.Command.allCases.map(\.rawValue).joined(separator: ", ")
            return ControlProtocol.Reply(ok: false, error: "unknown command '\(request.command)' (\(known))")
        }
        return reply
    }

    /// The caster's address and the clients of each mountpoint it serves now.
    private func casterStatus() -> ControlProtocol.Caster? {
        guard let caster = caster.withLock({ $0 }) else { return nil }
        let counts = caster.clientCounts
        var clients: [String: Int] = [:]
        for m in servedMountpoints() { clients[m.name] = counts[m.name] ?? 0 }
        return ControlProtocol.Caster(listen: caster.configuration.listen.description, clients: clients)
    }

    /// The caster's mountpoints: the reference stations running, with their coordinates when known.
    private func servedMountpoints() -> [(name: String, position: ECEF?)] {
        let stations = running.withLock { Array($0.stations.values) }
        let served = stations.filter { $0.configuration.role != .rover }.map { s in
            let p = s.status.stationPosition
            return (name: s.configuration.name, position: p.flatMap { $0.count == 3 ? ECEF($0[0], $0[1], $0[2]) : nil })
        }
        let published = publisher.withLock { $0 }.map { [(name: $0.configuration.name, position: ECEF?.none)] } ?? []
        return served + published
    }

    /// A TCP or NTRIP source as `sources` shows it: its URL (never a password), whether it streams, its reconnections,
    /// the stream bytes, the age of its last data and why its last connection ended.
    private static func clientSource(_ client: StationSourceClient) -> ControlProtocol.Source {
        let link = client.link, snapshot = link.snapshot
        let url = link.source.description
        var source = ControlProtocol.Source(listen: url, stations: [link.station.configuration.name], datagrams: link.station.status.datagrams,
                                            bytes: snapshot.bytes)
        source.url = url
        source.connected = snapshot.connected
        source.reconnects = snapshot.reconnects
        source.lastDataAgeSeconds = snapshot.lastDataAge
        source.problem = snapshot.problem
        return source
    }

    private func forwarderStatus() -> ControlProtocol.Forwarder? {
        guard let s = spool.withLock({ $0 }) else { return nil }
        let state = forwarder.withLock { $0?.state.rawValue } ?? "disconnected"
        return ControlProtocol.Forwarder(state: state, acked: s.acknowledgedSequence, pending: s.pendingCount,
                                         lastSequence: s.lastSequence, spoolBytes: s.totalBytes, dropped: s.droppedRecords)
    }
}
