import DPCLink
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GatewayControl

/// What one station's stream produces.
public enum StationOutput: Sendable {
    /// A solved (or unsolvable, `quality == .none`) epoch.
    case solution(Solution, epoch: ObservationEpoch)
    /// A corrections stream's SSR message taken, with the stream's newest correction time.
    case corrections(time: GNSSTime)
    /// RTCM 3 corrections of a reference station's epoch, for the DPC.
    case correction(CorrectionRecord)
    /// A corrections stream's frames as they came (SSR and whatever else it carries), for its caster mountpoint;
    /// timed by the stream's newest correction.
    case relay(CorrectionRecord)
}

/// Everything one station does with its bytes, synchronously: framing, decoding,
/// epoch assembly, positioning and, for reference stations, correction
/// encoding. Live ingestion and replay feed the same pipeline; only where the
/// bytes come from and the clock differ.
public final class StationPipeline {
    public let configuration: StationConfiguration
    private let ephemerides: SharedEphemerides
    private let references: ReferenceEpochs
    private let products: Products
    private let metrics: GatewayMetrics?
    /// The SSR stream the gateway makes from its products, advanced to each epoch's time before it is solved.
    private let publisher: CorrectionPublisher?

    private var stream: any StationStream
    private var encoder: CorrectionEncoder
    private var engine: PositioningEngine?
    /// A reference station's ephemerides that were new to the gateway, to forward with its next epoch's corrections.
    private var newEphemerides: [Ephemeris] = []
    private var openEpochSince: ContinuousClock.Instant?
    private var reportedGarbage = 0

    /// What the pipeline has counted so far, handed to the runtime as one value after each input.
    public struct Counters: Sendable {
        /// Coordinates from the configuration, else from the stream's 1005/1006.
        public var stationPosition: ECEF?
        public var frames = 0
        public var decodeErrors = 0
        /// The latest decode problem, for the log.
        public var lastProblem: String?
        /// Satellite segment: onboard GNSS epochs received, the LEO satellites they came from, and LEO ephemerides
        /// that were new.
        public var onboardEpochs = 0
        public var onboardSatellites = 0
        public var leoEphemerides = 0
        /// Broadcast ephemerides set aside: their reference time disagreed with the other satellites' by over a day.
        public var ephemeridesSetAside = 0
        /// Epochs refused because the stream's time went back (`StationPipeline.monotonicWindow`), and the latest
        /// such event, for the log.
        public var refusedEpochs = 0
        public var lastNotice: String?
        /// Corrections stream: SSR messages taken, and what the status says of the stream.
        public var ssrMessages = 0
        public var ssrNote: String?
    }

    /// How far back a stream's time may jump and still be refused: within it an epoch at or before the last one is
    /// a repeat (a capture played again, a receiver resending) and would be solved and forwarded twice; beyond it the
    /// stream has started over (a receiver whose clock was reset) and is followed, with a warning.
    public static let monotonicWindow = 3600.0

    private var lastEpochTime: GNSSTime?
    /// Corrections stream: the refusals counted in the metrics so far, by reason.
    private var reportedSSRRefusals: [String: Int] = [:]
    /// The wall clock of the input being handled (live), nil in replay.
    private var wallClock: GNSSTime?

    public private(set) var counters = Counters()
    /// Whether each epoch's satellites are described for the control socket (live stations); replay leaves it off.
    public var describesSky = false
    /// The latest epoch's satellites, described since the last `takeSky()`.
    private var pendingSky: ControlProtocol.Sky?
    /// Lock times and slips of the station's signals, followed while the sky is described.
    private var locks = SignalLockTracker()
    /// The latest solved position, which the sky is seen from before the configured or streamed one.
    private var solvedPosition: ECEF?
    private var onboardBySatellite: [SatelliteID: Int] = [:]
    /// Whether each epoch's observation quality is followed, for the status and the metrics (live stations).
    public var monitorsQuality = false {
        didSet {
            // The metrics are there from the station's start, the counters at zero.
            if monitorsQuality, qualityMetrics == nil, let metrics { qualityMetrics = StationQualityMetrics(metrics, station: configuration.name) }
        }
    }
    private var quality = StationQuality()
    private var qualityMetrics: StationQualityMetrics?
    private var pendingQuality: StationQualityReport?
    private var stationPosition: ECEF? {
        get { counters.stationPosition }
        set { counters.stationPosition = newValue }
    }

    /// A corrections stream whose frames are relayed (`StationOutput.relay`), as when the caster serves it.
    private let relaysFrames: Bool
    /// The newest correction time a corrections stream has brought.
    private var newestCorrection: GNSSTime?

    public init(configuration: StationConfiguration, ephemerides: SharedEphemerides, references: ReferenceEpochs,
                products: Products, metrics: GatewayMetrics?, publisher: CorrectionPublisher? = nil, relaysFrames: Bool = false) {
        self.relaysFrames = relaysFrames && configuration.role == .corrections
        self.configuration = configuration
        self.ephemerides = ephemerides
        self.references = references
        self.products = products
        self.metrics = metrics
        self.publisher = publisher
        counters.stationPosition = configuration.position
        switch configuration.format {
        case .rtcm3: stream = RTCM3StationStream(keepsFrames: self.relaysFrames)
        case .ubx: stream = UBXStationStream()
        case .leo: stream = SatelliteSegmentStream()
        }
        encoder = CorrectionEncoder(stationID: 0)
        engine = configuration.profile.map { PositioningEngine(profile: $0) }
        if !products.antennas.isEmpty {
            engine?.setReceiverAntenna(AntennaModels(calibrations: products.antennas, receiverType: nil,
                                                     eccentricity: ENU(east: 0, north: 0, up: 0)))
        }
    }

    /// Feeds bytes from the stream. `now` is the wall clock in GPS time when
    /// live (used only until the stream itself reveals its time), nil in replay.
    public func ingest<C: Collection>(_ bytes: C, now: GNSSTime?, received: ContinuousClock.Instant? = nil) -> [StationOutput]
        where C.Element == UInt8 {
        var events: [StreamEvent] = []
        let shared = ephemerides
        wallClock = now
        stream.ingest(bytes, reference: { shared.latestTime ?? now }, events: &events)
        var outputs = handle(events, received: received)
        if relaysFrames {
            let frames = stream.takeFrames()
            if !frames.isEmpty, let time = newestCorrection ?? now {
                outputs.append(.relay(CorrectionRecord(station: configuration.name, time: time, rtcm: frames)))
            }
        }
        openEpochSince = stream.epochOpen ? (received ?? openEpochSince) : nil
        let garbage = stream.bytesSkipped - reportedGarbage
        if garbage > 0 {
            metrics?.garbageBytes(configuration.name).increment(by: Int64(garbage))
            reportedGarbage = stream.bytesSkipped
        }
        return outputs
    }

    /// Takes an epoch read whole from a file (RINEX), skipping the byte stages.
    public func ingest(epoch: ObservationEpoch) -> [StationOutput] {
        process(epoch, received: nil)
    }

    /// Closes an epoch left open (its last message lost) once no message came for `timeout`.
    public func flushStaleEpoch(at instant: ContinuousClock.Instant, timeout: Duration) -> [StationOutput] {
        guard let since = openEpochSince, instant - since >= timeout else { return [] }
        openEpochSince = nil
        guard let epoch = stream.flush() else { return [] }
        return process(epoch, received: instant)
    }

    /// Closes the open epoch at the end of a stream (replay).
    public func finish() -> [StationOutput] {
        var events: [StreamEvent] = []
        stream.finish(events: &events)
        var outputs = handle(events, received: nil)
        if let epoch = stream.flush() { outputs += process(epoch, received: nil) }
        return outputs
    }

    /// The receiver antenna as the stream describes it (RTCM 1007/1008/1033), and the reference station's whose
    /// models RTK uses now.
    private var antennaType: String?
    private var referenceAntennaType: String?

    /// Antenna models for a described antenna type. A stream's coordinates are its antenna reference point's, so no
    /// eccentricity applies.
    private func antennaModels(_ type: String?) -> AntennaModels {
        AntennaModels(calibrations: products.antennas, receiverType: type.flatMap { $0.isEmpty ? nil : $0 },
                      eccentricity: ENU(east: 0, north: 0, up: 0))
    }

    /// Gives PPP or RTK the models of the station's antenna when its description changes.
    private func describeAntenna(type: String) {
        guard type != antennaType else { return }
        antennaType = type
        guard !products.antennas.isEmpty else { return }
        engine?.setReceiverAntenna(antennaModels(type))
    }

    private func handle(_ events: [StreamEvent], received: ContinuousClock.Instant?) -> [StationOutput] {
        var outputs: [StationOutput] = []
        for event in events {
            switch event {
            case .frame(let type):
                counters.frames += 1
                metrics?.framesDecoded(configuration.name, type: type).increment()
            case .epoch(let epoch):
                outputs += process(epoch, received: received)
            case .ephemeris(let e):
                let (new, setAside) = ephemerides.add([e])
                if configuration.role == .reference { newEphemerides += new }
                if setAside > 0 {
                    counters.ephemeridesSetAside += setAside
                    metrics?.ephemeridesSetAside(configuration.name).increment(by: Int64(setAside))
                }
            case .stationPosition(let position):
                if configuration.position == nil { stationPosition = position }
            case .descriptors(let d):
                encoder.descriptors = d
                describeAntenna(type: d.antennaDescriptor)
            case .stationID(let id):
                encoder.stationID = id
            case .problem(let e):
                problem(kind: e.kind.rawValue, "\(e)")
            case .leoEphemeris(let e):
                if ephemerides.add(leo: e) {
                    counters.leoEphemerides += 1
                    metrics?.leoEphemerides(configuration.name).increment()
                }
            case .onboardEpoch(let satellite, _):
                onboardBySatellite[satellite, default: 0] += 1
                counters.onboardEpochs += 1
                counters.onboardSatellites = onboardBySatellite.count
                metrics?.epochs(configuration.name).increment()
            case .downlink(let frames, let time):
                outputs.append(.correction(CorrectionRecord(station: configuration.name, time: time, rtcm: frames)))
            case .ssr(let message):
                if let time = take(message) {
                    if newestCorrection.map({ $0 < time }) ?? true { newestCorrection = time }
                    outputs.append(.corrections(time: time))
                }
            }
        }
        return outputs
    }

    private func process(_ epoch: ObservationEpoch, received: ContinuousClock.Instant?) -> [StationOutput] {
        if let last = lastEpochTime, epoch.time <= last {
            let back = last - epoch.time
            if back <= Self.monotonicWindow {
                let reason = back < 1e-6 ? "repeated" : "time_backwards"
                counters.refusedEpochs += 1
                metrics?.epochsRefused(configuration.name, reason: reason).increment()
                problemText("epoch \(epoch.time.iso8601(fractionDigits: 1)) refused: " + (back < 1e-6 ? "its time was seen already"
                    : "\(Int(back.rounded())) s before the station's last epoch, \(last.iso8601(fractionDigits: 1))"))
                return []
            }
            problemText("the stream's time went back \(Int(back.rounded())) s, beyond \(Int(Self.monotonicWindow)) s: followed as a new start")
        }
        lastEpochTime = epoch.time
        publisher?.advance(to: epoch.time)
        metrics?.epochs(configuration.name).increment()
        var outputs: [StationOutput] = []
        let solution = solve(epoch)
        if let solution, solution.quality != .none { solvedPosition = solution.position }
        if describesSky {
            locks.update(epoch, engineSlips: solution?.satelliteReport.filter(\.cycleSlip).map(\.satellite) ?? [])
            pendingSky = sky(of: epoch, solution: solution)
        }
        if let solution {
            metrics?.solutions(configuration.name, quality: solution.quality).increment()
            if let received {
                metrics?.latency.record((ContinuousClock.now - received).inSeconds)
            }
            outputs.append(.solution(solution, epoch: epoch))
        }
        if configuration.role == .reference {
            references.publish(configuration.name, epoch: epoch, position: stationPosition, antennaType: antennaType)
            let rtcm = encoder.encode(epoch: epoch, position: stationPosition, newEphemerides: newEphemerides)
            newEphemerides.removeAll()
            outputs.append(.correction(CorrectionRecord(station: configuration.name, time: epoch.time, rtcm: rtcm)))
        }
        // After the solution's latency is taken and the corrections made: the quality is for the operator, not the users.
        if monitorsQuality { followQuality(epoch) }
        return outputs
    }

    /// The latest epoch's satellites described since the last call, nil when no epoch came since.
    public func takeSky() -> ControlProtocol.Sky? {
        defer { pendingSky = nil }
        return pendingSky
    }

    /// The epoch into the station's quality, with every satellite's elevation from the broadcast ephemerides (none
    /// before the station has a position) and, live, the epoch's latency.
    private func followQuality(_ epoch: ObservationEpoch) {
        let elevations = (solvedPosition ?? stationPosition).map { ephemerides.snapshot().elevations(from: $0, at: epoch.time) } ?? [:]
        quality.add(epoch, elevations: elevations, latency: wallClock.map { $0 - epoch.time })
        let report = quality.report
        qualityMetrics?.record(report)
        pendingQuality = report
    }

    /// The station's quality as of its latest epoch, nil when no epoch came since the last call.
    public func takeQualityReport() -> StationQualityReport? {
        defer { pendingQuality = nil }
        return pendingQuality
    }

    /// Each satellite of an epoch as the station sees it: direction from the latest solved position (else the
    /// configured or streamed one) to the satellite's broadcast position at the epoch's time, its signals with their
    /// C/N0, lock time and slips, whether it was above the elevation mask and kept by the solution, and how the engine
    /// used it (residuals to the tenth of a millimetre, as `replay --satellites` writes them).
    private func sky(of epoch: ObservationEpoch, solution: Solution?) -> ControlProtocol.Sky {
        let excluded = Set(solution?.excluded ?? [])
        let report = solution?.satelliteReport ?? []
        let store = ephemerides.snapshot()
        let position = solvedPosition ?? stationPosition
        let frame = position.map { LocalFrame(origin: $0) }
        let mask = configuration.profile?.activeElevationMask
        let degrees = Constants.radiansToDegrees
        func round(_ v: Double, _ scale: Double) -> Double { (v * scale).rounded() / scale }
        var seen = Set<SatelliteID>()
        var satellites: [ControlProtocol.SatelliteView] = []
        for s in epoch.satellites.sorted(by: { $0.satellite < $1.satellite }) where seen.insert(s.satellite).inserted {
            let ephemeris = store.select(s.satellite, at: epoch.time, requireHealthy: false)
            var direction: (azimuth: Double, elevation: Double)?
            if let ephemeris, let frame {
                let d = frame.enu(ephemeris.state(at: epoch.time).position).azimuthElevation
                if d.azimuth.isFinite && d.elevation.isFinite { direction = d }
            }
            let signals = s.signals.map { signal in
                let lock = locks.lock(s.satellite, signal.signal)
                return ControlProtocol.SignalView(signal: signal.signal.description, cn0: signal.cn0.map { round($0, 100) },
                                                  lockTime: lock.map { round($0.time, 10) }, slips: lock?.slips)
            }
            let use = report.first(of: s.satellite)
            satellites.append(ControlProtocol.SatelliteView(
                satellite: s.satellite.description, system: String(s.satellite.system.letter),
                elevation: direction.map { round($0.elevation * degrees, 10) }, azimuth: direction.map { round($0.azimuth * degrees, 10) },
                signals: signals, ephemeris: ephemeris != nil,
                aboveMask: direction.flatMap { d in mask.map { d.elevation >= $0 } }, excluded: excluded.contains(s.satellite),
                used: use?.used, reason: use?.reason?.rawValue,
                codeResidual: use?.codeResidual.map { round($0, 1e4) }, phaseResidual: use?.phaseResidual.map { round($0, 1e4) }))
        }
        return ControlProtocol.Sky(station: configuration.name, time: epoch.time.iso8601(fractionDigits: 1),
                                   positionSource: position == nil ? nil : solvedPosition != nil ? "solution" : "configured",
                                   elevationMask: mask.map { round($0 * degrees, 100) }, satellites: satellites)
    }

    /// A corrections stream's SSR message into the shared corrections; returns the stream's newest correction time.
    /// Other stations' streams may carry SSR too: it is not theirs to apply, and is left.
    private func take(_ message: SSRMessage) -> GNSSTime? {
        guard configuration.role == .corrections else { return nil }
        let name = configuration.name
        let (updates, newest) = ephemerides.add(ssr: message, stream: name, reference: configuration.ssrReference,
                                                near: ephemerides.latestTime ?? wallClock)
        counters.ssrMessages += 1
        // The status and the metrics of a live stream; a replay has neither.
        guard let metrics, let s = ephemerides.correctionStream(name) else { return newest }
        counters.ssrNote = s.note
        var bySystem: [GNSSSystem: Int] = [:]
        for u in updates { if let sat = u.satellite { bySystem[sat.system, default: 0] += 1 } }
        for (system, n) in bySystem { metrics.ssrCorrections(name, system: String(system.letter)).increment(by: Int64(n)) }
        for (system, n) in s.currentSatellites { metrics.ssrSatellites(name, system: String(system.letter)).set(Double(n)) }
        if let now = wallClock {
            for (system, t) in s.newest { metrics.ssrAge(name, system: String(system.letter)).set(now - t) }
        }
        var refused = s.feed.refused
        if s.corrections.jumps > 0 { refused["jump"] = s.corrections.jumps }
        for (reason, n) in refused where n > reportedSSRRefusals[reason, default: 0] {
            metrics.ssrRefused(name, reason: reason).increment(by: Int64(n - reportedSSRRefusals[reason, default: 0]))
        }
        reportedSSRRefusals = refused
        return newest
    }

    /// The engine's solution of an epoch (the engine is changed in place: its filters' arrays are not copied).
    private func solve(_ epoch: ObservationEpoch) -> Solution? {
        guard let profile = engine?.profile else { return nil }
        let current = products.positioning(ephemerides: ephemerides.snapshot(), leo: ephemerides.leoSnapshot(),
                                           ssr: configuration.corrections.flatMap(ephemerides.corrections))
        guard profile.mode == .rtk else {
            let solution = engine?.solve(epoch, products: current)
            for (reason, n) in engine?.uncorrectedSatellites ?? [:] {
                metrics?.ssrUncorrected(configuration.name, reason: reason).increment(by: Int64(n))
            }
            return solution
        }
        let base = configuration.reference.flatMap { references.matching($0, at: epoch.time) }
        // Without a described antenna the models are empty, as none at all: only a change of type matters.
        if let base, !products.antennas.isEmpty, base.antennaType != referenceAntennaType {
            referenceAntennaType = base.antennaType
            engine?.setBaseAntenna(antennaModels(base.antennaType))
        }
        return engine?.solve(epoch, base: base.map { BaseEpoch(epoch: $0.epoch, position: $0.position) }, products: current)
    }

    /// A problem for the log that is not a decoding error.
    private func problemText(_ text: String) {
        counters.lastNotice = text
    }

    private func problem(kind: String, _ text: String) {
        counters.decodeErrors += 1
        counters.lastProblem = text
        metrics?.decodeErrors(configuration.name, kind: kind).increment()
    }
}
