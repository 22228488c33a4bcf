import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import GatewayControl
import Logging
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayd demo`: a DPC module and a gateway on loopback in one process,
/// recorded streams played to the gateway over real UDP in the order of their
/// epochs' times, the stations' status while they run, and a summary at the end.
public struct Demo {
    /// A station of the demo and the recording played to it.
    public struct Station: Sendable {
        public var name: String
        public var path: String
        public var format: StationConfiguration.StreamFormat
        public var role: StationConfiguration.Role
        public var processing: StationConfiguration.Processing
        /// The systems it is positioned with, when not its processing's default.
        public var systems: Set<GNSSSystem>?
        /// The simulator's truth of the station (`NAME-truth.csv`), when the recording is simulated.
        public var truth: String?

        public init(name: String, path: String, format: StationConfiguration.StreamFormat = .rtcm3, role: StationConfiguration.Role = .reference,
                    processing: StationConfiguration.Processing = .spp, systems: Set<GNSSSystem>? = nil, truth: String? = nil) {
            self.name = name
            self.path = path
            self.format = format
            self.role = role
            self.processing = processing
            self.systems = systems
            self.truth = truth
        }

        /// What it is positioned with, for people: "PPP with G, E, L".
        public var solvedWith: String {
            let active = systems ?? StationConfiguration.defaultProfile(processing: processing, role: role)?.activeSystems ?? []
            let systems = "GRECJISL".compactMap { GNSSSystem(letter: $0) }.filter(active.contains).map { String($0.letter) }
            return "\(processing.rawValue.uppercased()) with " + systems.joined(separator: ", ")
        }
    }

    public var stations: [Station]
    public var directory: String
    /// Stream seconds played per second.
    public var speed: Double = 10
    public var report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(stations: [Station], directory: String) {
        self.stations = stations
        self.directory = directory
    }

    /// The simulated network bundled in `directory` (fixtures/sim): a reference station, a rover and the
    /// satellite segment's downlink, both stations in PPP with the LEO satellites; and the rover's stream once
    /// more as `ROV0-GNSS`, positioned with GPS and Galileo only, to show what the LEO satellites add.
    public static func simulatedNetwork(_ directory: String) -> [Station] {
        [Station(name: "REF0", path: directory + "/REF0.rtcm3", role: .reference, processing: .ppp, truth: directory + "/REF0-truth.csv"),
         Station(name: "ROV0", path: directory + "/ROV0.rtcm3", role: .rover, processing: .ppp, truth: directory + "/ROV0-truth.csv"),
         Station(name: "ROV0-GNSS", path: directory + "/ROV0.rtcm3", role: .rover, processing: .ppp, systems: [.gps, .galileo],
                 truth: directory + "/ROV0-truth.csv"),
         Station(name: "LEO", path: directory + "/satellite-segment.rtcm3", format: .leo, role: .rover, processing: .none)]
    }

    /// Recorded RTCM 3 captures, each a reference station solved by SPP and named after its capture
    /// (see `RecordedStationName`).
    public static func recordedStations(paths: [String]) throws -> [Station] {
        let stationIDs = try paths.map { try DemoTimeline.recording(path: $0).stationID }
        return zip(RecordedStationName.names(paths: paths, stationIDs: stationIDs), paths).map { Station(name: $0, path: $1) }
    }

    public struct Summary: Sendable {
        public var stations: [StationStatus] = []
        public var forwarded: UInt64 = 0
        public var acknowledged: UInt64 = 0
        public var stored = 0
        /// Each station with a truth: how its solutions converged against it.
        public var convergence: [String: ConvergenceStory] = [:]
        /// Whether playing stopped early (Ctrl-C).
        public var interrupted = false
    }

    /// Runs the demo against the DPC module `startDPC` starts on loopback with the shared key (hex) and its store's
    /// directory: the program that runs the demo brings the DPC, so the gateway's core needs none.
    /// `interrupted` is asked before each epoch is played: once it says yes, playing stops and the summary is made
    /// of what was played.
    public func run(startDPC: (_ keyHex: String, _ store: String) async throws -> any DemoDPC,
                    interrupted: @Sendable () -> Bool = { false }) async throws -> Summary {
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        report("state (spool, DPC store, control socket) in \(directory), emptied first")
        var logger = Logger(label: "demo")
        logger.logLevel = .warning
        let keyHex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()

        let dpc = try await startDPC(keyHex, directory + "/dpc")
        let dpcPort = dpc.port

        var configuration = GatewayConfiguration()
        configuration.gatewayID = "demo-gateway"
        configuration.controlSocket = directory + "/gatewayd.sock"
        configuration.metrics = nil
        configuration.stateDirectory = directory
        configuration.spoolDirectory = directory + "/spool"
        configuration.spoolMaxBytes = 64 << 20
        configuration.dpcAddress = NetworkAddress(host: "127.0.0.1", port: dpcPort)
        configuration.dpcKey = keyHex
        configuration.solutionDirectory = directory + "/solutions"
        configuration.solutionFormat = .json
        var senders: [DatagramSender] = []
        let ports = try Self.freeUDPPorts(stations.count)
        for (station, port) in zip(stations, ports) {
            senders.append(try DatagramSender(to: NetworkAddress(host: "127.0.0.1", port: port)))
            var profile = StationConfiguration.defaultProfile(processing: station.processing, role: station.role)
            if let systems = station.systems { profile?.systems = systems }
            configuration.stations.append(StationConfiguration(name: station.name, listen: NetworkAddress(host: "127.0.0.1", port: port), allow: [],
                                                               format: station.format, role: station.role, position: nil,
                                                               processing: station.processing, reference: nil, profile: profile, line: 0))
            let what = station.processing == .none ? station.format.rawValue : "\(station.format.rawValue), \(station.solvedWith)"
            report("station \(station.name) (\(what)): \(station.path) → udp://127.0.0.1:\(port)")
        }
        report("DPC module on tcp://127.0.0.1:\(dpcPort), store \(directory)/dpc")

        let daemon = GatewayDaemon(configuration: configuration, path: "", logger: logger)
        let services = ServiceGroup(configuration: .init(services: [.init(service: daemon)], logger: logger))
        let running = Task { try await services.run() }
        var ready = false
        for _ in 0..<200 where !ready {
            try await Task.sleep(for: .milliseconds(25))
            ready = daemon.answer(.init(command: "status")).ready == true
        }
        guard ready else {
            await services.triggerGracefulShutdown()
            throw DemoError(description: "the gateway did not become ready")
        }

        // Every recording's epochs, merged in time order: each goes to its station as one datagram per frame.
        let timeline = DemoTimeline(try stations.map { try DemoTimeline.recording(path: $0.path) })
        let offsets = timeline.offsets
        let clock = ContinuousClock()
        let started = clock.now
        var lastReport = 0.0
        var stopped = false
        for (entry, offset) in zip(timeline.entries, offsets) {
            if interrupted() {
                stopped = true
                report("interrupted: stopping the streams and summarising what was played")
                break
            }
            let due = started + .milliseconds(Int64(offset * 1000 / max(speed, 0.1)))
            if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            for frame in entry.frames { senders[entry.station].send(frame) }
            if offset - lastReport >= 10 {
                lastReport = offset
                report(line(daemon.answer(.init(command: "status"))))
            }
        }
        // Let the last epoch be solved and acknowledged.
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(50))
            if let f = daemon.answer(.init(command: "status")).forwarder, f.pending == 0, f.acked == f.lastSequence { break }
        }
        let final = daemon.answer(.init(command: "status"))
        report(line(final))
        await services.triggerGracefulShutdown()
        try await running.value
        await dpc.close()

        var summary = Summary()
        summary.stations = final.stations ?? []
        summary.forwarded = final.forwarder?.lastSequence ?? 0
        summary.acknowledged = final.forwarder?.acked ?? 0
        summary.stored = try dpc.storedRecords()
        summary.interrupted = stopped
        for station in stations {
            guard let path = station.truth, let truth = TruthTrack(path: path) else { continue }
            let errors = SolutionLogReader.positions(path: directory + "/solutions/\(station.name).json").compactMap { s in
                truth.position(at: s.iso).map { (time: s.time, error: s.position.enu(relativeTo: $0)) }
            }
            summary.convergence[station.name] = ConvergenceStory(errors: errors)
        }
        return summary
    }

    private func line(_ r: ControlProtocol.Reply) -> String {
        let stations = (r.stations ?? []).map { s in
            if s.format == .leo { return "\(s.name): \(s.note ?? "")" }
            let position = s.llh.map { String(format: "%.6f° %.6f° %.1f m", $0[0], $0[1], $0[2]) } ?? "no position yet"
            return "\(s.name): \(s.epochs) epochs, \(s.quality), \(s.satellites) sats, \(position)"
        }
        let f = r.forwarder.map { "forwarded \($0.lastSequence), acknowledged \($0.acked)" } ?? ""
        return (stations + [f]).joined(separator: " | ")
    }

    /// A free loopback UDP port, as the kernel hands one out.
    public static func freeUDPPort() throws -> Int {
        try LoopbackPort.free(SOCK_DGRAM)
    }

    /// `count` distinct free loopback UDP ports.
    public static func freeUDPPorts(_ count: Int) throws -> [Int] {
        try LoopbackPort.free(SOCK_DGRAM, count: count)
    }
}

public struct DemoError: Error, CustomStringConvertible {
    public var description: String
}

/// The DPC module a demo forwards to.
public protocol DemoDPC: Sendable {
    /// Its link's TCP port on 127.0.0.1.
    var port: Int { get }
    func close() async
    /// How many records its store holds.
    func storedRecords() throws -> Int
}
