import GNSSCore
import GNSSPositioning
import GNSSProducts
import GatewayControl
import Logging
import Prometheus
import Synchronization

/// One station running live: a bounded inbox of datagrams drained by its own
/// task, which owns the station's `StationPipeline` (so a station's work is
/// serial and stations run in parallel). A full inbox drops the datagram and
/// counts it; nothing queues without bound.
public final class StationRuntime: Sendable {
    enum Input: Sendable {
        case datagram([UInt8], received: ContinuousClock.Instant)
        case tick(ContinuousClock.Instant)
    }

    public let configuration: StationConfiguration
    let counters: (datagrams: Counter, bytes: Counter)
    private let inbox: AsyncStream<Input>.Continuation
    private let task: Task<Void, Never>
    private let shared: Shared
    /// The casters the station's corrections are pushed to (`push:`), stopped with the station.
    let pushes: [PushClient]

    /// What the station's task and the daemon's other tasks both touch.
    private final class Shared: Sendable {
        let status: Mutex<StationStatus>
        let heartbeat = Mutex(ContinuousClock.now)
        let lastDatagram = Mutex<ContinuousClock.Instant?>(nil)
        /// The latest epoch's satellites.
        let sky: Mutex<ControlProtocol.Sky>

        init(_ status: StationStatus) {
            self.status = Mutex(status)
            sky = Mutex(ControlProtocol.Sky(station: status.name, time: nil, positionSource: nil, elevationMask: nil, satellites: []))
        }
    }

    /// Datagrams a station may have queued before new ones are dropped (a minute of a busy 1 Hz stream).
    public static let inboxCapacity = 512
    /// An epoch whose closing message never came is solved after this long without a message.
    public static let epochTimeout = Duration.milliseconds(800)

    init(configuration: StationConfiguration, ephemerides: SharedEphemerides, references: ReferenceEpochs, products: Products,
         spool: Spool?, solutions: (directory: String, format: SolutionFormat)?, metrics: GatewayMetrics, logger: Logger,
         publisher: CorrectionPublisher? = nil, caster: NTRIPCaster? = nil, pushes: [PushClient] = []) {
        self.configuration = configuration
        self.pushes = pushes
        counters = (metrics.datagramsReceived(configuration.name), metrics.bytesReceived(configuration.name))
        metrics.prepare(configuration)
        let shared = Shared(StationStatus(configuration: configuration))
        self.shared = shared
        let (stream, continuation) = AsyncStream<Input>.makeStream(bufferingPolicy: .bufferingOldest(Self.inboxCapacity))
        inbox = continuation
        var logger = logger
        logger[metadataKey: "station"] = "\(configuration.name)"
        task = Task { [logger] in
            let pipeline = StationPipeline(configuration: configuration, ephemerides: ephemerides, references: references,
                                           products: products, metrics: metrics, publisher: publisher,
                                           relaysFrames: caster != nil || !pushes.isEmpty)
            pipeline.describesSky = true
            pipeline.monitorsQuality = configuration.format != .leo && configuration.role != .corrections
            var log: SolutionLog?
            if let solutions {
                do {
                    log = try SolutionLog(directory: solutions.directory, station: configuration.name, format: solutions.format, append: true)
                } catch {
                    logger.error("cannot write solutions: \(error)")
                }
            }
            var reportedProblems = 0
            var reportedRefused = 0
            var reportedNotice: String?
            for await input in stream {
                let outputs: [StationOutput]
                switch input {
                case .datagram(let bytes, let received):
                    outputs = pipeline.ingest(bytes, now: GNSSTime.now, received: received)
                    let c = pipeline.counters
                    shared.status.withLock { s in
                        s.datagrams += 1
                        s.bytes += bytes.count
                        s.frames = c.frames
                        s.decodeErrors = c.decodeErrors
                        s.stationPosition = c.stationPosition.map { [$0.x, $0.y, $0.z] }
                        if configuration.format == .leo {
                            s.epochs = c.onboardEpochs
                            s.note = "\(c.leoEphemerides) LEO ephemerides, onboard GNSS from \(c.onboardSatellites) satellites"
                        } else if configuration.role == .corrections {
                            s.epochs = c.ssrMessages
                            s.note = c.ssrNote
                        }
                    }
                case .tick(let instant):
                    shared.heartbeat.withLock { $0 = instant }
                    log?.flush()
                    outputs = pipeline.flushStaleEpoch(at: instant, timeout: Self.epochTimeout)
                }
                for output in outputs {
                    switch output {
                    case .solution(let solution, _):
                        shared.status.withLock { $0.record(solution) }
                        log?.write(solution)
                    case .corrections:
                        break
                    case .relay(let record):
                        caster?.publish(record)
                        for p in pushes { p.send(record.rtcm) }
                    case .correction(let record):
                        if configuration.role == .reference {
                            caster?.publish(record)
                            for p in pushes { p.send(record.rtcm) }
                        }
                        guard let spool else { continue }
                        do {
                            try spool.append(record)
                        } catch {
                            logger.error("cannot spool corrections: \(error)")
                        }
                    }
                }
                if let sky = pipeline.takeSky() { shared.sky.withLock { $0 = sky } }
                if let report = pipeline.takeQualityReport() { shared.status.withLock { $0.observationQuality = StationQualityStatus(report) } }
                let counters = pipeline.counters
                if let notice = counters.lastNotice, notice != reportedNotice {
                    // The first refused epoch of a run and every hundredth, and every new start, are worth a line.
                    let refused = counters.refusedEpochs
                    if refused == reportedRefused || reportedRefused == 0 || refused / 100 != reportedRefused / 100 {
                        logger.warning("\(notice)", metadata: ["refused_epochs": "\(refused)"])
                    }
                    shared.status.withLock { $0.epochsRefused = refused }
                    reportedRefused = refused
                    reportedNotice = notice
                }
                let total = counters.decodeErrors
                if total > reportedProblems, let last = pipeline.counters.lastProblem {
                    // One line per burst of errors is enough for the journal; metrics count each.
                    if reportedProblems == 0 || total - reportedProblems >= 100 || total.isMultiple(of: 1000) {
                        logger.warning("decode error: \(last)", metadata: ["errors": "\(total)"])
                    }
                    reportedProblems = total
                }
            }
            for output in pipeline.finish() {
                if case .solution(let solution, _) = output {
                    shared.status.withLock { $0.record(solution) }
                    log?.write(solution)
                }
                if case .correction(let record) = output {
                    if configuration.role == .reference {
                        caster?.publish(record)
                        for p in pushes { p.send(record.rtcm) }
                    }
                    _ = try? spool?.append(record)
                }
            }
            if let sky = pipeline.takeSky() { shared.sky.withLock { $0 = sky } }
            if let report = pipeline.takeQualityReport() { shared.status.withLock { $0.observationQuality = StationQualityStatus(report) } }
            log?.flush()
        }
    }

    /// Queues a datagram; false when the inbox is full (the caller counts the drop).
    func submit(_ bytes: [UInt8], received: ContinuousClock.Instant) -> Bool {
        shared.lastDatagram.withLock { $0 = received }
        if case .dropped = inbox.yield(.datagram(bytes, received: received)) {
            shared.status.withLock { $0.queueDrops += 1 }
            return false
        }
        return true
    }

    func tick(_ instant: ContinuousClock.Instant) {
        inbox.yield(.tick(instant))
    }

    /// When the station's task last handled a tick: a task stuck in the engine stops updating it.
    var lastHeartbeat: ContinuousClock.Instant { shared.heartbeat.withLock { $0 } }

    public var status: StationStatus {
        var s = shared.status.withLock { $0 }
        if let last = shared.lastDatagram.withLock({ $0 }) {
            s.lastDatagramAgeSeconds = ((ContinuousClock.now - last).inSeconds * 10).rounded() / 10
        }
        return s
    }

    /// The station's latest epoch, satellite by satellite.
    public var sky: ControlProtocol.Sky { shared.sky.withLock { $0 } }

    /// Stops taking datagrams, lets the task finish what is queued, and waits for it.
    func stop() async {
        inbox.finish()
        await task.value
        for p in pushes { await p.stop() }
    }
}
