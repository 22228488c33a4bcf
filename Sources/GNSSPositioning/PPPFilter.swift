import Foundation
import GNSSCore
import GNSSOrbits

public struct PPPOptions: Sendable, Hashable {
    public var dynamics: RTKOptions.Dynamics
    public var elevationMask: Double
    public var systems: Set<GNSSSystem>
    /// Undifferenced code and phase error (m) at zenith, before the ionosphere-free amplification. Code 0.25 m:
    /// ESBC's kinematic day (satellite antenna offsets applied, 7° mask) stays below 10 cm from 28 min on, against
    /// 31 min with 0.3 m; 0.2 m trusts the simulator's noisier code too much.
    public var codeSigma: Double
    public var phaseSigma: Double
    /// Random walk of the receiver position in kinematic mode, m/√s.
    public var positionProcessNoise: Double
    /// Random walk of the zenith wet delay, m/√s.
    public var troposphereProcessNoise: Double
    /// Estimate north and east troposphere gradients (Chen–Herring mapping; 3 mm a priori).
    public var troposphereGradients: Bool
    /// Random walk of the gradients, m/√s (5·10⁻⁶: 0.3 mm/√h).
    public var gradientProcessNoise: Double
    /// Apply solid Earth tides to the receiver position.
    public var solidEarthTide: Bool
    /// Melbourne–Wübbena jump (cycles of the wide lane) and geometry-free jump (m) declaring a slip.
    public var melbourneWubbenaSlip: Double
    public var geometryFreeSlip: Double

    /// 7°: on ESBC's day (satellite antenna offsets applied) kinematic PPP stays below 10 cm from 28 min on; at 10°
    /// a quarter hour in the evening reaches 10.3 cm.
    public static let defaultElevationMask = 7 * Constants.degreesToRadians

    public init(dynamics: RTKOptions.Dynamics = .kinematic, elevationMask: Double = PPPOptions.defaultElevationMask,
                systems: Set<GNSSSystem> = [.gps, .galileo], codeSigma: Double = 0.25, phaseSigma: Double = 0.003,
                positionProcessNoise: Double = 0.1, troposphereProcessNoise: Double = 1e-4,
                troposphereGradients: Bool = true, gradientProcessNoise: Double = 5e-6,
                solidEarthTide: Bool = true, melbourneWubbenaSlip: Double = 4, geometryFreeSlip: Double = 0.05) {
        self.dynamics = dynamics
        self.elevationMask = elevationMask
        self.systems = systems
        self.codeSigma = codeSigma
        self.phaseSigma = phaseSigma
        self.positionProcessNoise = positionProcessNoise
        self.troposphereProcessNoise = troposphereProcessNoise
        self.troposphereGradients = troposphereGradients
        self.gradientProcessNoise = gradientProcessNoise
        self.solidEarthTide = solidEarthTide
        self.melbourneWubbenaSlip = melbourneWubbenaSlip
        self.geometryFreeSlip = geometryFreeSlip
    }
}

/// Where satellite orbits and clocks come from.
public enum OrbitSource: Sendable {
    case precise(PreciseEphemeris)
    case broadcast(EphemerisStore)
    /// The broadcast ephemerides with state-space corrections.
    case ssr(EphemerisStore, SSRCorrections)
    /// Another source for the GNSS satellites, with the LEO satellites' own broadcast ephemerides and, where a stream
    /// corrects them, their SSR corrections (4058/2): a LEO satellite the corrections hold is used only with a current
    /// correction, the others with their broadcast ephemerides alone.
    indirect case withLEO(OrbitSource, LEOEphemerisStore, SSRCorrections?)

    func state(_ sat: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        if let corrected = corrected(sat, at: t) { return try? corrected.get() }
        switch self {
        case .precise(let p):
            return p.signalState(sat, at: t)
        case .broadcast(let store):
            return store.select(sat, at: t)?.state(at: t)
        case .ssr:
            return nil
        case .withLEO(let gnss, let leo, _):
            return sat.system == .leo ? leo.state(sat, at: t) : gnss.state(sat, at: t)
        }
    }

    /// The SSR corrections that serve a satellite (nil for satellites the source gives uncorrected): a stream's GNSS
    /// corrections, and LEO corrections (4058/2) for the LEO satellites they hold.
    private func corrections(for sat: SatelliteID) -> SSRCorrections? {
        switch self {
        case .ssr(_, let corrections):
            return sat.system == .leo ? nil : corrections
        case .withLEO(let gnss, _, let corrections):
            guard sat.system == .leo else { return gnss.corrections(for: sat) }
            return corrections.flatMap { $0.corrects(sat) ? $0 : nil }
        case .precise, .broadcast:
            return nil
        }
    }

    /// The corrected state of a satellite the corrections serve, or why they cannot (nil for the others).
    private func corrected(_ sat: SatelliteID, at t: GNSSTime) -> Result<SatelliteState, SSRUnavailable>? {
        switch self {
        case .ssr(let store, _):
            return corrections(for: sat)?.state(sat, at: t, ephemerides: store)
        case .withLEO(let gnss, let leo, _):
            guard sat.system == .leo else { return gnss.corrected(sat, at: t) }
            return corrections(for: sat)?.state(sat, at: t, leo: leo)
        case .precise, .broadcast:
            return nil
        }
    }

    /// The SSR corrections' count of discontinuities for a satellite (0 for the other sources).
    func discontinuity(_ sat: SatelliteID) -> Int { corrections(for: sat)?.discontinuity(sat) ?? 0 }

    /// Why SSR corrections give no state for a satellite (nil for the other sources, and where they do).
    func uncorrected(_ sat: SatelliteID, at t: GNSSTime) -> String? {
        guard case .failure(let why)? = corrected(sat, at: t) else { return nil }
        return why.label
    }

    /// Why an uncorrected source holds no state for a satellite: precise products without it, a broadcast
    /// ephemeris in force that marks it unhealthy, or none.
    func missingReason(_ sat: SatelliteID, at t: GNSSTime) -> SatelliteUnusedReason {
        switch self {
        case .precise: .noPreciseOrbit
        case .broadcast(let store), .ssr(let store, _):
            store.select(sat, at: t, requireHealthy: false) != nil ? .unhealthy : .noEphemeris
        case .withLEO(let gnss, _, _): sat.system == .leo ? .noEphemeris : gnss.missingReason(sat, at: t)
        }
    }

    /// The variance of a satellite's corrected orbit and clock along the line of sight, m²: the SSR URA where the
    /// corrections give one, else 0 (precise products' errors are below the measurements' noise).
    func accuracyVariance(_ sat: SatelliteID) -> Double {
        guard let sigma = corrections(for: sat)?.accuracy(sat) else { return 0 }
        return sigma * sigma
    }

    /// The code bias of a signal (m, added to its pseudorange) where corrections give one.
    func codeBias(_ sat: SatelliteID, _ signal: SignalCode) -> Double {
        corrections(for: sat)?.codeBias(sat, signal) ?? 0
    }

    /// The source of the GNSS satellites' orbits.
    var gnss: OrbitSource {
        if case .withLEO(let g, _, _) = self { return g.gnss }
        return self
    }

    /// Whether the satellite's positions are of its centre of mass (precise orbits), so its antenna's offset applies;
    /// broadcast ephemerides already refer to the antenna.
    func isCentreOfMass(_ sat: SatelliteID) -> Bool {
        switch self {
        case .precise: true
        case .broadcast: false
        case .ssr(_, let corrections): corrections.isCentreOfMass(sat)
        case .withLEO(let gnss, _, _): sat.system != .leo && gnss.isCentreOfMass(sat)
        }
    }
}

/// Precise point positioning: an extended Kalman filter on undifferenced
/// ionosphere-free code and phase, estimating position, a receiver clock per
/// system, the zenith wet delay and a float ambiguity per satellite.
public struct PPPFilter: Sendable {
    public var options: PPPOptions
    /// Satellite and receiver antenna models (from ANTEX); without them ranges refer to the satellites' centres
    /// of mass and the receiver's phase centre.
    public var antennas: AntennaModels?
    private var spp: SinglePointPositioner
    // State layout: 0–2 position, 3 zenith wet delay, 4–5 north and east troposphere gradients, then clocks
    // (one per system), then ambiguities (m).
    private static let clockStart = 6
    private var x: [Double] = [0, 0, 0, 0.1, 0, 0]
    private var p = Matrix(rows: clockStart, columns: clockStart)
    private var clockSystems: [GNSSSystem] = []
    private var ambiguitySatellites: [SatelliteID] = []
    private var lastSeen: [SatelliteID: GNSSTime] = [:]
    private var slipMonitors: [SatelliteID: (mw: Double, count: Double, gf: Double)] = [:]
    private var windUp: [SatelliteID: Double] = [:]
    /// Each satellite's count of correction discontinuities when last seen: a change restarts its ambiguity.
    private var correctionDiscontinuities: [SatelliteID: Int] = [:]
    private var lastTime: GNSSTime?
    private var initialised = false
    /// The satellites of the last epoch that SSR corrections could not serve, by reason.
    public private(set) var lastUncorrected: [String: Int] = [:]
    /// The last successful measurement update's post-fit residuals (m), one entry a satellite in its rows' order.
    private var postFit: [(satellite: SatelliteID, phase: Double, code: Double, codeSigma: Double)] = []

    public init(options: PPPOptions = PPPOptions()) {
        self.options = options
        self.spp = SinglePointPositioner(options: SPPOptions(elevationMask: options.elevationMask, systems: options.systems,
                                                             ionosphere: .ionosphereFree))
    }

    /// PPP signal pairs: the clock products refer to these ionosphere-free combinations.
    public static func signalPair(_ system: GNSSSystem) -> (first: [SignalCode], second: [SignalCode]) { signalPairs[Int(system.rawValue)] }

    private static let signalPairs = GNSSSystem.allCases.map(makeSignalPair)

    private static func makeSignalPair(_ system: GNSSSystem) -> (first: [SignalCode], second: [SignalCode]) {
        let codes = SignalSelection.codes
        switch system {
        case .gps: return (codes("1W 1C 1P 1X"), codes("2W 2P 2L 2X 2S"))
        case .galileo: return (codes("1C 1X 1B"), codes("5Q 5X 5I"))
        case .beidou: return (codes("2I 2X"), codes("6I 6X"))
        case .qzss: return (codes("1C 1X"), codes("2L 2X 5Q 5X"))
        case .glonass: return (codes("1C 1P"), codes("2C 2P"))
        case .leo: return (codes("1C 1X"), codes("5Q 5X"))
        default: return ([], [])
        }
    }

    struct Measurement {
        var satellite: SatelliteID
        var state: SatelliteState
        var codeIF: Double
        var phaseIF: Double
        var wavelengthIF: Double
        /// RINEX bands of the two signals and their weights in the ionosphere-free combination.
        var bands: (UInt8, UInt8)
        var weights: (Double, Double)
        /// The orbit is the centre of mass's: the satellite antenna model applies.
        var centreOfMass: Bool
        var elevation: Double
        var slip: Bool
        /// The orbit and clock's own error variance along the line of sight (SSR URA), m².
        var orbitVariance = 0.0
    }

    /// Processes one epoch; `orbits` gives satellite positions and clocks (precise or broadcast),
    /// `ephemerides` the broadcast data used for the initial single-point fix.
    public mutating func process(epoch: ObservationEpoch, orbits: OrbitSource, ephemerides: EphemerisStore) -> Solution {
        let time = epoch.time
        lastUncorrected = [:]
        // A single-point fix starts the filter; afterwards the filter's own state is the better prior.
        var single = Solution(time: time, position: ECEF(x[0], x[1], x[2]), quality: .none, satellites: 0)
        if !initialised {
            single = spp.solve(epoch: epoch, ephemerides: ephemerides)
            guard single.quality != .none else {
                single.note = "waiting for a single-point fix: " + (single.note ?? "")
                return single
            }
        }
        let approx = initialised ? ECEF(x[0], x[1], x[2]) : single.position
        var report: [SatelliteUse] = []
        let (measurements, uncorrected) = prepare(epoch: epoch, orbits: orbits, receiver: approx, report: &report)
        lastUncorrected = uncorrected
        let leftOut = uncorrected.isEmpty ? nil : "without SSR corrections: "
            + uncorrected.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        guard measurements.count >= 4 else {
            var note = "\(measurements.count) satellites with precise orbits and two frequencies"
            if case .precise(let p) = orbits.gnss, let span = p.orbitSpan, !span.contains(time) {
                note = "outside the precise orbits, \(span.lowerBound.iso8601(fractionDigits: 0)) to "
                    + "\(span.upperBound.iso8601(fractionDigits: 0)): give the neighbouring days' SP3 files too"
            }
            if let leftOut { note += "; " + leftOut }
            var s = Solution(time: time, position: approx, quality: .none, satellites: measurements.count, note: note)
            s.satelliteReport = report
            return s
        }
        timeUpdate(time: time, single: single, measurements: measurements)
        // Up to four outliers are rejected one by one; the last update stands whatever its residuals.
        var used = measurements
        var rejected: [SatelliteID] = []
        postFit.removeAll(keepingCapacity: true)
        for attempt in 0...4 {
            guard let outlier = measurementUpdate(used, time: time, mayReject: attempt < 4) else { break }
            used.removeAll { $0.satellite == outlier }
            rejected.append(outlier)
        }
        for m in used { lastSeen[m.satellite] = time }
        let clocks = Dictionary(uniqueKeysWithValues: clockSystems.enumerated().map { ($0.element, x[Self.clockStart + $0.offset] / Constants.speedOfLight) })
        var solution = Solution(time: time, position: ECEF(x[0], x[1], x[2]),
                                covariance: [p[0, 0], p[1, 1], p[2, 2], p[0, 1], p[1, 2], p[0, 2]],
                                quality: .ppp, satellites: used.count, clockBiases: clocks, note: leftOut)
        recordUse(rejected: rejected, in: &report)
        solution.satelliteReport = report
        return solution
    }

    /// Writes the epoch's verdict into the report, whose measured satellites wait as `noSolution`: rejected ones are
    /// outliers, those in the last update are used with its post-fit residuals, the others fell below the mask at
    /// the filter's position. The report and the update's rows are both in the epoch's order.
    private func recordUse(rejected: [SatelliteID], in report: inout [SatelliteUse]) {
        var k = 0
        for i in report.indices where report[i].reason == .noSolution {
            let satellite = report[i].satellite
            if rejected.contains(satellite) {
                report[i].reason = .outlier
            } else if k < postFit.count && postFit[k].satellite == satellite {
                report[i].reason = nil
                report[i].codeResidual = postFit[k].code
                report[i].phaseResidual = postFit[k].phase
                report[i].codeSigma = postFit[k].codeSigma
                k += 1
            } else if !postFit.isEmpty {
                report[i].reason = .belowMask
            }
        }
    }

    /// The estimated zenith wet delay, m.
    public var zenithWetDelay: Double { x[3] }

    // MARK: - Measurements

    /// The epoch's measurements, and how many satellites SSR corrections could not serve, by reason.
    /// `report` receives every satellite of the epoch in order, a measured one as `noSolution` until the update.
    private mutating func prepare(epoch: ObservationEpoch, orbits: OrbitSource, receiver: ECEF,
                                  report: inout [SatelliteUse]) -> ([Measurement], [String: Int]) {
        var out: [Measurement] = []
        var uncorrected: [String: Int] = [:]
        let frame = LocalFrame(origin: receiver)
        report.reserveCapacity(epoch.satellites.count)
        for obs in epoch.satellites {
            guard options.systems.contains(obs.satellite.system) else {
                report.append(.unused(obs.satellite, .systemNotSelected))
                continue
            }
            let sys = obs.satellite.system
            let (firstCodes, secondCodes) = Self.signalPair(sys)
            guard let s1 = Self.firstWithPhase(obs, firstCodes), let s2 = Self.firstWithPhase(obs, secondCodes),
                  let f1 = CarrierFrequency.of(system: sys, band: s1.signal.band, glonassChannel: obs.glonassChannel),
                  let f2 = CarrierFrequency.of(system: sys, band: s2.signal.band, glonassChannel: obs.glonassChannel),
                  let range1 = s1.pseudorange, let range2 = s2.pseudorange, let l1 = s1.carrierPhase, let l2 = s2.carrierPhase
            else {
                report.append(.unused(obs.satellite, .missingSignal))
                continue
            }
            // Precise clocks refer to the P(Y)-code combination: take code from the first listed signal that has one
            // (C1W before C1C for GPS) even when the phase comes from another tracking mode of the same band; with
            // SSR, each code with its bias.
            let (c1, code1) = Self.firstCode(obs, firstCodes, band: s1.signal.band) ?? (range1, s1.signal)
            let (c2, code2) = Self.firstCode(obs, secondCodes, band: s2.signal.band) ?? (range2, s2.signal)
            let p1 = c1 + orbits.codeBias(obs.satellite, code1), p2 = c2 + orbits.codeBias(obs.satellite, code2)
            let c = Constants.speedOfLight
            let lambda1 = c / f1, lambda2 = c / f2
            let g1 = f1 * f1 / (f1 * f1 - f2 * f2), g2 = -f2 * f2 / (f1 * f1 - f2 * f2)
            let codeIF = g1 * p1 + g2 * p2
            let phaseIF = g1 * l1 * lambda1 + g2 * l2 * lambda2
            // Transmission time and satellite state.
            // The satellite clock (a millisecond at most) moves the transmission time: the state is carried there
            // along its velocity and clock drift (the acceleration's part over 1 ms is below a micrometre).
            guard var state = orbits.state(obs.satellite, at: epoch.time - codeIF / c) else {
                if let why = orbits.uncorrected(obs.satellite, at: epoch.time - codeIF / c) {
                    uncorrected[why, default: 0] += 1
                    report.append(.unused(obs.satellite, .noSSR))
                } else {
                    report.append(.unused(obs.satellite, orbits.missingReason(obs.satellite, at: epoch.time)))
                }
                continue
            }
            let dt = -state.clockBias
            state.position = state.position + dt * state.velocity
            state.clockBias += dt * state.clockDrift
            let el = frame.enu(state.position).azimuthElevation.elevation
            guard el >= options.elevationMask else {
                report.append(.unused(obs.satellite, .belowMask))
                continue
            }
            // Cycle slips: loss of lock, Melbourne–Wübbena and geometry-free jumps.
            var slip = (s1.lli & 1) != 0 || (s2.lli & 1) != 0
            let discontinuity = orbits.discontinuity(obs.satellite)
            if correctionDiscontinuities.updateValue(discontinuity, forKey: obs.satellite) ?? 0 != discontinuity { slip = true }
            let lambdaWL = c / (f1 - f2)
            let mw = ((l1 * lambda1 * f1 - l2 * lambda2 * f2) / (f1 - f2) - (f1 * p1 + f2 * p2) / (f1 + f2)) / lambdaWL
            let gf = l1 * lambda1 - l2 * lambda2
            var detected = false
            if let m = slipMonitors[obs.satellite], let seen = lastSeen[obs.satellite], epoch.time - seen < 300 {
                if abs(mw - m.mw) > options.melbourneWubbenaSlip || abs(gf - m.gf) > options.geometryFreeSlip {
                    slip = true
                    detected = true
                }
            } else {
                slip = true
            }
            if slip {
                slipMonitors[obs.satellite] = (mw, 1, gf)
            } else if let m = slipMonitors[obs.satellite] {
                let n = min(m.count + 1, 100)
                slipMonitors[obs.satellite] = (m.mw + (mw - m.mw) / n, n, gf)
            }
            var entry = SatelliteUse.unused(obs.satellite, .noSolution)
            entry.cycleSlip = detected
            report.append(entry)
            out.append(Measurement(satellite: obs.satellite, state: state, codeIF: codeIF, phaseIF: phaseIF,
                                   wavelengthIF: c / (f1 + f2), bands: (s1.signal.band, s2.signal.band), weights: (g1, g2),
                                   centreOfMass: orbits.isCentreOfMass(obs.satellite),
                                   elevation: el, slip: slip, orbitVariance: orbits.accuracyVariance(obs.satellite)))
        }
        return (out, uncorrected)
    }

    package static func firstCode(_ obs: SatelliteObservation, _ codes: [SignalCode], band: UInt8) -> (Double, SignalCode)? {
        for code in codes where code.band == band {
            if let p = obs.signal(code)?.pseudorange, p > 1e6 { return (p, code) }
        }
        return nil
    }

    package static func firstWithPhase(_ obs: SatelliteObservation, _ codes: [SignalCode]) -> SignalObservation? {
        for code in codes {
            if let s = obs.signal(code), let p = s.pseudorange, p > 1e6, let l = s.carrierPhase, l != 0 { return s }
        }
        return nil
    }

    // MARK: - Filter

    private func clockIndex(_ s: GNSSSystem) -> Int? { clockSystems.firstIndex(of: s).map { Self.clockStart + $0 } }
    private func ambiguityIndex(_ s: SatelliteID) -> Int? {
        ambiguitySatellites.firstIndex(of: s).map { Self.clockStart + clockSystems.count + $0 }
    }

    private mutating func timeUpdate(time: GNSSTime, single: Solution, measurements: [Measurement]) {
        let dt = lastTime.map { abs(time - $0) } ?? 0
        lastTime = time
        if !initialised {
            x[0] = single.position.x; x[1] = single.position.y; x[2] = single.position.z
            x[3] = 0.1
            x[4] = 0; x[5] = 0
            let g = options.troposphereGradients ? 0.003 * 0.003 : 0
            p = Matrix.diagonal([100 * 100, 100 * 100, 100 * 100, 0.3 * 0.3, g, g])
            initialised = true
        } else {
            let q = options.dynamics == .kinematic ? options.positionProcessNoise * options.positionProcessNoise * dt : 0
            for i in 0..<3 { p[i, i] += q }
            p[3, 3] += options.troposphereProcessNoise * options.troposphereProcessNoise * dt
            if options.troposphereGradients {
                for i in 4...5 { p[i, i] += options.gradientProcessNoise * options.gradientProcessNoise * dt }
            }
        }
        // Clocks: one per system present, white noise re-initialised every epoch.
        let systems = Array(Set(measurements.map(\.satellite.system))).sorted()
        if systems != clockSystems { rebuild(clockSystems: systems) }
        for (i, s) in clockSystems.enumerated() {
            let k = Self.clockStart + i
            for j in 0..<x.count { p[k, j] = 0; p[j, k] = 0 }
            // White noise: a fresh prior every epoch, from the single-point fix at the start and afterwards from
            // the median code residual of the system at the filter's position (clock jumps of receivers included).
            if let c = single.clockBiases[s] {
                x[k] = c * Constants.speedOfLight
            } else if let c = Self.codeClock(measurements.filter { $0.satellite.system == s }, at: ECEF(x[0], x[1], x[2])) {
                x[k] = c
            }
            p[k, k] = 100 * 100
        }
        // Ambiguities: reset on slips, drop after long absence, add new ones.
        let present = Set(measurements.map(\.satellite))
        let stale = ambiguitySatellites.filter { s in
            !present.contains(s) && (lastSeen[s].map { time - $0 > 300 } ?? true)
        }
        remove(Set(stale))
        for m in measurements {
            if let i = ambiguityIndex(m.satellite) {
                guard m.slip else { continue }
                for j in 0..<x.count { p[i, j] = 0; p[j, i] = 0 }
                p[i, i] = 100 * 100
                x[i] = m.phaseIF - m.codeIF
                windUp[m.satellite] = nil
            } else {
                append(value: m.phaseIF - m.codeIF, variance: 100 * 100)
                ambiguitySatellites.append(m.satellite)
                windUp[m.satellite] = nil
            }
        }
    }

    /// Receiver clock (m) as the median of code minus geometry (troposphere left in: it is a prior).
    static func codeClock(_ ms: [Measurement], at receiver: ECEF) -> Double? {
        guard !ms.isEmpty, receiver.norm > 6.0e6 else { return nil }
        let residuals = ms.map { m -> Double in
            let (range, _) = SinglePointPositioner.geometricRange(satellite: m.state.position, receiver: receiver)
            return m.codeIF - range + Constants.speedOfLight * m.state.clockBias
        }.sorted()
        return residuals[residuals.count / 2]
    }

    private mutating func append(value: Double, variance: Double) {
        let n = x.count
        p = p.reindexed(Array(0..<n) + [-1])
        p[n, n] = variance
        x.append(value)
    }

    private mutating func rebuild(clockSystems systems: [GNSSSystem]) {
        // New clock states start at zero (they are re-initialised every epoch); ambiguities keep their place after them.
        let map = Array(0..<Self.clockStart) + [Int](repeating: -1, count: systems.count)
            + Array((Self.clockStart + clockSystems.count)..<x.count)
        p = p.reindexed(map)
        x = map.map { $0 >= 0 ? x[$0] : 0 }
        clockSystems = systems
    }

    private mutating func remove(_ sats: Set<SatelliteID>) {
        guard !sats.isEmpty else { return }
        let ambStart = Self.clockStart + clockSystems.count
        let keep = Array(0..<ambStart) + ambiguitySatellites.enumerated().filter { !sats.contains($0.element) }.map { ambStart + $0.offset }
        p = p.reindexed(keep)
        x = keep.map { x[$0] }
        ambiguitySatellites.removeAll { sats.contains($0) }
        for s in sats { windUp[s] = nil; slipMonitors[s] = nil }
    }

    /// One update; when `mayReject`, returns the satellite to reject (the state unchanged) when a post-fit
    /// residual is an outlier.
    private mutating func measurementUpdate(_ ms: [Measurement], time: GNSSTime, mayReject: Bool) -> SatelliteID? {
        postFit.removeAll(keepingCapacity: true)
        let receiver = ECEF(x[0], x[1], x[2])
        let tide = options.solidEarthTide ? SolidEarthTide.displacement(site: receiver, time: time) : .zero
        let site = receiver + tide
        let frame = LocalFrame(origin: site)
        let geo = frame.geodetic
        let zhd = Troposphere.saastamoinenZenith(receiver: geo, relativeHumidity: 0).hydrostatic
        let mapping = NiellMapping.coefficients(receiver: geo, time: time)
        let sun = SunMoon.sun(at: time)
        let n = x.count
        // Two rows a satellite, phase then code, written straight into H.
        var h = Matrix(rows: 2 * ms.count, columns: n)
        var innovations: [Double] = [], variances: [Double] = [], satellites: [SatelliteID] = []
        innovations.reserveCapacity(2 * ms.count); variances.reserveCapacity(2 * ms.count); satellites.reserveCapacity(2 * ms.count)
        for m in ms {
            guard let ci = clockIndex(m.satellite.system), let ai = ambiguityIndex(m.satellite) else { continue }
            // Antenna phase centres: the satellite's offset moves the point ranged to; variations add to the range.
            var satellite = m.state.position
            var antennaRange = 0.0
            if m.centreOfMass, let s = antennas?.satelliteCorrection(m.satellite, at: time, position: satellite, receiver: site,
                                                                     sun: sun, bands: m.bands, weights: m.weights) {
                satellite = satellite + s.offset
                antennaRange = s.variation
            }
            let (range, unit) = SinglePointPositioner.geometricRange(satellite: satellite, receiver: site)
            let (az, el) = frame.enu(satellite).azimuthElevation
            guard el >= options.elevationMask else { continue }
            let (mh, mw) = NiellMapping.factors(mapping, elevation: el)
            // Gradient mapping (Chen and Herring): delay = m(el) (G_N cos az + G_E sin az).
            let mg = 1 / (sin(el) * tan(el) + 0.0032)
            let wind = PhaseWindUp.cycles(satellite: m.state.position, receiver: frame, sun: sun, previous: windUp[m.satellite])
            windUp[m.satellite] = wind
            if let antennas {
                antennaRange += antennas.receiverCorrection(system: m.satellite.system, bands: m.bands, weights: m.weights,
                                                            azimuth: az, elevation: el)
            }
            let common = range + antennaRange - Constants.speedOfLight * m.state.clockBias + mh * zhd + mw * x[3] + x[ci]
                + mg * (cos(az) * x[4] + sin(az) * x[5])
            let row = innovations.count
            for r in row...row + 1 {
                h[r, 0] = -unit.x; h[r, 1] = -unit.y; h[r, 2] = -unit.z; h[r, 3] = mw; h[r, ci] = 1
                h[r, 4] = mg * cos(az); h[r, 5] = mg * sin(az)
            }
            h[row, ai] = 1
            let s = max(sin(el), 0.1)
            let ifFactor = 9.0
            innovations.append(m.phaseIF - (common + x[ai] + wind * m.wavelengthIF))
            variances.append(ifFactor * options.phaseSigma * options.phaseSigma * (1 + 1 / (s * s)) + m.orbitVariance)
            innovations.append(m.codeIF - common)
            variances.append(ifFactor * options.codeSigma * options.codeSigma * (1 + 1 / (s * s)) + m.orbitVariance)
            satellites.append(m.satellite); satellites.append(m.satellite)
        }
        guard innovations.count >= 8 else { return nil }
        h.keepRows(innovations.count)
        let prior = (x, p)
        guard Kalman.update(x: &x, p: &p, h: h, innovation: innovations, r: Matrix.diagonal(variances)) else { return nil }
        // Post-fit residuals: kept for the epoch's report; the worst outlier beyond 4σ is rejected and the update redone.
        let dxVector = (0..<n).map { x[$0] - prior.0[$0] }
        let predicted = h * dxVector
        for i in stride(from: 0, to: innovations.count, by: 2) {
            postFit.append((satellites[i], innovations[i] - predicted[i], innovations[i + 1] - predicted[i + 1],
                            variances[i + 1].squareRoot()))
        }
        guard mayReject else { return nil }
        var worst: (Double, SatelliteID)?
        for i in innovations.indices {
            let normalised = abs(innovations[i] - predicted[i]) / variances[i].squareRoot()
            if normalised > 4, normalised > (worst?.0 ?? 0) { worst = (normalised, satellites[i]) }
        }
        if let (_, sat) = worst {
            x = prior.0
            p = prior.1
            return sat
        }
        return nil
    }
}
