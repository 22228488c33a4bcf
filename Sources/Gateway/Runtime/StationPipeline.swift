import DPC
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning

/// What one station's stream produces.
public enum StationOutput: Sendable {
    /// A solved (or unsolvable, `quality == .none`) epoch.
    case solution(Solution, epoch: ObservationEpoch)
    /// RTCM 3 corrections of a reference station's epoch, for the DPC.
    case correction(CorrectionRecord)
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

    private var framer = RTCM3Framer()
    private var decoder = RTCM3Decoder()
    private var assembler = MSMEpochAssembler()
    private var encoder: CorrectionEncoder
    private var spp: SinglePointPositioner
    private var rtk: RTKFilter?
    private var ppp: PPPFilter?
    private var newEphemerides: [Ephemeris] = []
    private var lastPosition: ECEF?
    private var openEpochSince: ContinuousClock.Instant?
    private var reportedGarbage = 0

    /// Coordinates from the configuration, else from the stream's 1005/1006.
    public private(set) var stationPosition: ECEF?
    /// Decode problems met, most recent last (bounded).
    public private(set) var recentProblems: [String] = []
    public private(set) var framesByType: [Int: Int] = [:]
    public private(set) var errorsByKind: [String: Int] = [:]

    public init(configuration: StationConfiguration, ephemerides: SharedEphemerides, references: ReferenceEpochs,
                products: Products, metrics: GatewayMetrics?) {
        self.configuration = configuration
        self.ephemerides = ephemerides
        self.references = references
        self.products = products
        self.metrics = metrics
        stationPosition = configuration.position
        encoder = CorrectionEncoder(stationID: 0)
        spp = SinglePointPositioner(options: SPPOptions())
        switch configuration.processing {
        case .rtk:
            var options = RTKOptions(dynamics: configuration.role == .reference ? .static : .kinematic)
            options.frequencies = 2
            rtk = RTKFilter(options: options)
        case .ppp:
            ppp = PPPFilter(options: PPPOptions(dynamics: configuration.role == .reference ? .static : .kinematic))
        case .spp, .none:
            break
        }
    }

    /// Feeds bytes from the stream. `now` is the wall clock in GPS time when
    /// live (used only until the stream itself reveals its time), nil in replay.
    public func ingest<C: Collection>(_ bytes: C, now: GNSSTime?, received: ContinuousClock.Instant? = nil) -> [StationOutput]
        where C.Element == UInt8 {
        framer.append(bytes)
        var outputs: [StationOutput] = []
        while let item = framer.next() {
            switch item {
            case .error(let e): problem(kind: e.kind, "\(e)")
            case .frame(let frame): outputs += handle(frame, now: now, received: received)
            }
        }
        let garbage = framer.bytesSkipped - reportedGarbage
        if garbage > 0 {
            metrics?.garbageBytes(configuration.name).increment(by: Int64(garbage))
            reportedGarbage = framer.bytesSkipped
        }
        return outputs
    }

    /// Takes an epoch read whole from a file (RINEX), skipping the byte stages.
    public func ingest(epoch: ObservationEpoch) -> [StationOutput] {
        process(epoch, received: nil)
    }

    /// Closes an epoch left open (its last message lost) once no message came for `timeout`.
    public func flushStaleEpoch(at instant: ContinuousClock.Instant, timeout: Duration) -> [StationOutput] {
        guard let since = openEpochSince, instant - since >= timeout, let epoch = assembler.flush() else { return [] }
        openEpochSince = nil
        return process(epoch, received: instant)
    }

    /// Closes the open epoch at the end of a stream (replay).
    public func finish() -> [StationOutput] {
        if let e = framer.finish() { problem(kind: e.kind, "\(e)") }
        guard let epoch = assembler.flush() else { return [] }
        return process(epoch, received: nil)
    }

    private func handle(_ frame: RTCM3Frame, now: GNSSTime?, received: ContinuousClock.Instant?) -> [StationOutput] {
        let type = frame.messageType
        framesByType[type, default: 0] += 1
        metrics?.framesDecoded(configuration.name, type: type).increment()
        let message: RTCM3Message
        do {
            message = try decoder.decode(frame)
        } catch {
            problem(kind: error.kind, "\(error)")
            return []
        }
        switch message {
        case .msm(let msm):
            encoder.stationID = msm.stationID
            let reference = decoder.referenceTime ?? ephemerides.latestTime ?? now
            let completed = assembler.add(msm, reference: reference)
            openEpochSince = msm.multipleMessage ? (received ?? openEpochSince) : nil
            return completed.flatMap { process($0, received: received) }
        case .ephemeris(let e, _):
            if case .glonass(let g) = e { assembler.glonassChannels[g.satellite.prn] = g.frequencyChannel }
            newEphemerides += ephemerides.add([e])
        case .stationCoordinates(let s):
            if configuration.position == nil { stationPosition = s.position }
        case .descriptors(let d):
            encoder.descriptors = d
        default:
            break
        }
        return []
    }

    private func process(_ epoch: ObservationEpoch, received: ContinuousClock.Instant?) -> [StationOutput] {
        metrics?.epochs(configuration.name).increment()
        var outputs: [StationOutput] = []
        if configuration.processing != .none {
            let solution = solve(epoch)
            metrics?.solutions(configuration.name, quality: solution.quality).increment()
            if let received {
                metrics?.latency.record((ContinuousClock.now - received).inSeconds)
            }
            if solution.quality != .none { lastPosition = solution.position }
            outputs.append(.solution(solution, epoch: epoch))
        }
        if configuration.role == .reference {
            references.publish(configuration.name, epoch: epoch, position: stationPosition)
            let rtcm = encoder.encode(epoch: epoch, position: stationPosition, newEphemerides: newEphemerides)
            newEphemerides.removeAll()
            outputs.append(.correction(CorrectionRecord(station: configuration.name, time: epoch.time, rtcm: rtcm)))
        }
        return outputs
    }

    private func solve(_ epoch: ObservationEpoch) -> Solution {
        let store = ephemerides.snapshot()
        switch configuration.processing {
        case .rtk:
            guard let name = configuration.reference, let base = references.latest(name) else {
                return Solution(time: epoch.time, position: .zero, quality: .none, satellites: 0, note: "no reference epoch yet")
            }
            guard let basePosition = base.position else {
                return Solution(time: epoch.time, position: .zero, quality: .none, satellites: 0, note: "reference position unknown")
            }
            guard abs(epoch.time - base.epoch.time) <= 30 else {
                return Solution(time: epoch.time, position: .zero, quality: .none, satellites: 0, note: "reference epoch too old")
            }
            return rtk?.process(rover: epoch, base: base.epoch, basePosition: basePosition, ephemerides: store,
                                klobuchar: products.klobuchar)
                ?? Solution(time: epoch.time, position: .zero, quality: .none, satellites: 0)
        case .ppp:
            let orbits: OrbitSource = products.hasPreciseOrbits ? .precise(products.precise) : .broadcast(store)
            return ppp?.process(epoch: epoch, orbits: orbits, ephemerides: store)
                ?? Solution(time: epoch.time, position: .zero, quality: .none, satellites: 0)
        case .spp, .none:
            return spp.solve(epoch: epoch, ephemerides: store, klobuchar: products.klobuchar, initial: lastPosition)
        }
    }

    private func problem(kind: String, _ text: String) {
        errorsByKind[kind, default: 0] += 1
        metrics?.decodeErrors(configuration.name, kind: kind).increment()
        recentProblems.append(text)
        if recentProblems.count > 20 { recentProblems.removeFirst(recentProblems.count - 20) }
    }
}
