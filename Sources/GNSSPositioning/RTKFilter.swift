import Foundation
import GNSSCore
import GNSSOrbits

/// Relative positioning (RTK): an extended Kalman filter on double
/// differences of carrier phase and code between a rover and a base of known
/// position, with single-difference ambiguities as states, cycle-slip
/// detection, and integer ambiguity resolution by LAMBDA with a ratio test
/// and partial fixing.
public struct RTKFilter: Sendable {
    public var options: RTKOptions
    /// Receiver antenna models of the rover and the base (ANTEX offsets and variations per frequency, antenna
    /// heights): without them, positions refer to the antennas' phase centres as observed.
    public var roverAntenna: AntennaModels?
    public var baseAntenna: AntennaModels?
    private var spp: SinglePointPositioner

    /// State: rover position (3), then single-difference ambiguities in cycles.
    private var x: [Double] = [0, 0, 0]
    private var p = Matrix(rows: 3, columns: 3)
    private var keys: [AmbiguityKey] = [] { didSet { indexStates() } }
    /// `keys`' state indices.
    private var stateIndices = SignalTable<Int>()
    private var tracks = SignalTable<AmbiguityTrack>()
    /// The geometry-free phase combination at each receiver, by satellite (slot 0).
    private var geometryFree = SignalTable<(rover: Double, base: Double)>()
    /// Phase (m) and Doppler (Hz) per signal at the rover and the base, for Doppler slip detection, and the
    /// detection's run that saw it (only the last run's count).
    private struct SignalPhase { var rover: Double; var roverDoppler: Double?; var base: Double; var baseDoppler: Double? }
    private var lastPhase = SignalTable<(phase: SignalPhase, run: Int)>()
    private var dopplerRuns = 0
    private var lastTime: GNSSTime?
    private var lastBaseTime: GNSSTime?
    private var epochIndex = 0
    private var positionInitialised = false

    public init(options: RTKOptions = RTKOptions()) {
        self.options = options
        self.spp = SinglePointPositioner(options: SPPOptions(elevationMask: options.elevationMask, systems: options.systems))
    }

    struct AmbiguityKey: Hashable, Comparable {
        var satellite: SatelliteID
        var frequency: Int
        static func < (a: AmbiguityKey, b: AmbiguityKey) -> Bool {
            a.satellite != b.satellite ? a.satellite < b.satellite : a.frequency < b.frequency
        }
    }

    struct AmbiguityTrack {
        var lastSeen: Int
        var lock: Int
        /// The signals the ambiguity belongs to: another code at either receiver is another phase track.
        var roverCode: SignalCode
        var baseCode: SignalCode
        var halfCycle: Bool
    }

    /// One satellite's measurements at both receivers for this epoch.
    struct Pair {
        var satellite: SatelliteID
        var roverState: SatelliteState
        var baseState: SatelliteState
        var elevation: Double
        var baseRange: Double
        /// The rover's slant tropospheric delay (m) at `roverApprox`, and how it changes per metre the rover moves
        /// (ECEF, along the local up: the zenith delay falls by about 0.3 mm a metre of height). The filter's
        /// position is metres from the single-point one the pairs were made at; evaluated there, the double
        /// differences' troposphere would err by millimetres and pull a fixed rover up or down as much.
        var tropoRover: Double
        var tropoRoverGradient: ECEF
        var roverApprox: ECEF
        var tropoBase: Double
        /// Per frequency: rover minus base antenna corrections (m), zero without antenna models.
        var antenna: [Double]
        /// Per frequency: phase (m) rover/base, code (m) rover/base, wavelength, slip flag.
        var signals: [PairSignal?]
    }

    struct PairSignal {
        var phaseRover: Double?
        var phaseBase: Double?
        var codeRover: Double
        var codeBase: Double
        var wavelength: Double
        /// Doppler (Hz) at the rover and the base, when measured.
        var dopplerRover: Double?
        var dopplerBase: Double?
        /// The signal each receiver contributes: the same band, not always the same code.
        var roverCode: SignalCode
        var baseCode: SignalCode
        var slip: Bool
        /// Either receiver has not yet resolved the phase's half-cycle ambiguity (RINEX LLI bit 1, RTCM MSM, UBX):
        /// the ambiguity is not an integer until it has, and is left float.
        var halfCycle: Bool
        var band: UInt8 { roverCode.band }
        var hasPhase: Bool { phaseRover != nil && phaseBase != nil }
    }

    /// An epoch made ready for the filter: the rover's single-point fix and the satellites both receivers see, with
    /// their states, tropospheric delays, antenna corrections and signals. Making it takes the filter's options and
    /// antennas but none of its state (the single-point iteration's first guess aside), so a replay makes the next
    /// epochs' on another core while the filter works.
    public struct PreparedEpoch: Sendable {
        public let time: GNSSTime
        let age: Double
        let single: Solution
        /// Nil when the epoch cannot go further; `single` then says why.
        let pairs: [Pair]?
        let basePosition: ECEF
        /// The rover's satellites in order: why each is not paired, the paired ones as `noSolution` until the update.
        var report: [SatelliteUse]

        /// The rover's single-point position, when it has one (the next epoch's first guess).
        public var singlePointPosition: ECEF? { single.quality == .none ? nil : single.position }
    }

    /// Prepares one rover epoch against the base epoch of the same time; `initial`: the single-point iteration's
    /// first guess (the last position), nil to start from the centre of the Earth.
    public func prepare(rover: ObservationEpoch, base: ObservationEpoch, basePosition: ECEF, ephemerides: EphemerisStore,
                        klobuchar: KlobucharCoefficients? = nil, initial: ECEF?) -> PreparedEpoch {
        let (single, states) = spp.solveKeepingStates(epoch: rover, ephemerides: ephemerides, klobuchar: klobuchar, initial: initial)
        func epoch(_ single: Solution, _ pairs: [Pair]?, report: [SatelliteUse]? = nil) -> PreparedEpoch {
            PreparedEpoch(time: rover.time, age: rover.time - base.time, single: single, pairs: pairs, basePosition: basePosition,
                          report: report ?? single.satelliteReport)
        }
        func stop(_ note: String) -> PreparedEpoch {
            var s = single
            s.note = note
            return epoch(s, nil)
        }
        guard single.quality != .none else { return stop("no single-point fix: " + (single.note ?? "")) }
        guard basePosition.norm > 6.0e6 else { return stop("base position unknown") }
        var report: [SatelliteUse] = []
        let pairs = makePairs(rover: rover, base: base, basePosition: basePosition, roverApprox: single.position,
                              roverStates: states, ephemerides: ephemerides, report: &report)
        return epoch(single, pairs, report: report)
    }

    /// Processes one rover epoch against the base epoch of the same time.
    public mutating func process(rover: ObservationEpoch, base: ObservationEpoch, basePosition: ECEF,
                                 ephemerides: EphemerisStore, klobuchar: KlobucharCoefficients? = nil) -> Solution {
        process(prepare(rover: rover, base: base, basePosition: basePosition, ephemerides: ephemerides, klobuchar: klobuchar,
                        initial: positionInitialised ? ECEF(x[0], x[1], x[2]) : nil))
    }

    /// Processes an epoch prepared by `prepare`, in time order.
    public mutating func process(_ epoch: PreparedEpoch) -> Solution {
        epochIndex += 1
        guard let pairs = epoch.pairs else {
            var s = epoch.single
            s.satelliteReport = epoch.report
            return s
        }
        let (time, age, single, basePosition) = (epoch.time, epoch.age, epoch.single, epoch.basePosition)
        timeUpdate(time: time, baseTime: time - age, sppPosition: single.position, pairs: pairs)
        guard let nMeasurements = measurementUpdate(pairs: pairs, basePosition: basePosition), nMeasurements > 0 else {
            var s = single
            s.age = age
            s.note = "no double differences (\(pairs.count) common satellites)"
            s.satelliteReport = epoch.report
            return s
        }
        positionInitialised = true
        let float = ECEF(x[0], x[1], x[2])
        var solution = Solution(time: time, position: float,
                                covariance: [p[0, 0], p[1, 1], p[2, 2], p[0, 1], p[1, 2], p[0, 2]],
                                quality: .float, satellites: pairs.count, clockBiases: single.clockBiases,
                                dop: single.dop, age: age)
        solution.satelliteReport = epoch.report
        recordUse(pairs: pairs, in: &solution.satelliteReport)
        if let fixed = resolveAmbiguities(pairs: pairs) {
            solution.position = fixed.position
            solution.covariance = fixed.covariance
            solution.ratio = fixed.ratio
            solution.quality = .fixed
            if options.fixAndHold { hold(fixed) }
        } else if let r = lastRatio {
            solution.ratio = r
        }
        return solution
    }

    private var lastRatio: Double?

    /// The last measurement update's verdict per pair (by index into the epoch's pairs): in a double difference
    /// (as either satellite), its first code and phase post-fit residuals (m, the float update's), or only refused
    /// by the innovation gate.
    private struct PairUse {
        var used = false
        var gated = false
        var code: Double?
        var phase: Double?
    }
    private var pairUse: [PairUse] = []
    /// The satellites the last time update's geometry-free and Doppler checks found slipped.
    private var detectedSlips: [SatelliteID] = []

    /// Writes the last update's verdict into the epoch's report, whose paired satellites wait as `noSolution`. Both
    /// are in the rover's order.
    private func recordUse(pairs: [Pair], in report: inout [SatelliteUse]) {
        var k = 0
        for i in report.indices where report[i].reason == .noSolution {
            while k < pairs.count && pairs[k].satellite != report[i].satellite { k += 1 }
            guard k < pairs.count, k < pairUse.count else { break }
            let use = pairUse[k]
            report[i].cycleSlip = detectedSlips.contains(report[i].satellite)
            if use.used {
                report[i].reason = nil
                report[i].codeResidual = use.code
                report[i].phaseResidual = use.phase
            } else {
                report[i].reason = use.gated ? .outlier : .noDoubleDifference
            }
        }
    }

    // MARK: - Pairing

    /// `roverStates`: the satellites at transmission as the rover's single-point fix computed them (the code it used
    /// may differ from the pair's by a metre, which moves a satellite by micrometres).
    private func makePairs(rover: ObservationEpoch, base: ObservationEpoch, basePosition: ECEF, roverApprox: ECEF,
                           roverStates: [PreparedMeasurement], ephemerides: EphemerisStore, report: inout [SatelliteUse]) -> [Pair] {
        report.reserveCapacity(rover.satellites.count)
        var pairs: [Pair] = []
        let roverFrame = LocalFrame(origin: roverApprox), baseFrame = LocalFrame(origin: basePosition)
        let roverGeo = roverFrame.geodetic, baseGeo = baseFrame.geodetic
        let roverAbove = Geodetic(latitude: roverGeo.latitude, longitude: roverGeo.longitude, height: roverGeo.height + 1)
        // Where each satellite is in the base's epoch and in the rover's states, by dense index: a search of each
        // for every satellite of the rover grew with the square of the satellites.
        var baseSlot = [Int32](repeating: -1, count: SatelliteID.denseCount)
        var stateSlot = baseSlot
        for (k, o) in base.satellites.enumerated() { if let d = o.satellite.denseIndex { baseSlot[d] = Int32(k) } }
        for (k, m) in roverStates.enumerated() { if let d = m.satellite.denseIndex { stateSlot[d] = Int32(k) } }
        for ro in rover.satellites {
            guard options.systems.contains(ro.satellite.system) else {
                report.append(.unused(ro.satellite, .systemNotSelected))
                continue
            }
            guard let d = ro.satellite.denseIndex, baseSlot[d] >= 0 else {
                report.append(.unused(ro.satellite, .noBaseObservation))
                continue
            }
            let bo = base.satellites[Int(baseSlot[d])]
            let sys = ro.satellite.system
            var signals: [PairSignal?] = []
            let channel = ro.glonassChannel ?? bo.glonassChannel ?? ephemerides.glonassChannel(ro.satellite)
            for candidates in SignalSelection.differential(sys).prefix(options.frequencies) {
                signals.append(Self.commonSignal(ro, bo, candidates, channel: channel))
            }
            guard let first = signals.compactMap({ $0 }).first else {
                report.append(.unused(ro.satellite, .missingSignal))
                continue
            }
            let rs: SatelliteState, bs: SatelliteState
            if stateSlot[d] >= 0, let nearby = Self.baseState(roverStates[Int(stateSlot[d])], roverTime: rover.time,
                                                              baseTime: base.time, basePseudorange: first.codeBase) {
                (rs, bs) = (roverStates[Int(stateSlot[d])].state, nearby)
            } else {
                guard let eph = ephemerides.select(ro.satellite, at: rover.time),
                      let r = stateSlot[d] >= 0 ? roverStates[Int(stateSlot[d])].state
                        : SatelliteGeometry.atTransmission(eph, receivedAt: rover.time, pseudorange: first.codeRover),
                      let b = SatelliteGeometry.atTransmission(eph, receivedAt: base.time, pseudorange: first.codeBase)
                else {
                    report.append(.unused(ro.satellite, .noEphemeris))
                    continue
                }
                (rs, bs) = (r, b)
            }
            let (az, el) = roverFrame.enu(rs.position).azimuthElevation
            let (baseAz, baseEl) = baseFrame.enu(bs.position).azimuthElevation
            guard el >= options.elevationMask, baseEl >= options.elevationMask else {
                report.append(.unused(ro.satellite, .belowMask))
                continue
            }
            report.append(.unused(ro.satellite, .noSolution))
            let tropoRover = Troposphere.saastamoinen(receiver: roverGeo, elevation: el)
            let tropoPerMetre = Troposphere.saastamoinen(receiver: roverAbove, elevation: el) - tropoRover
            let (baseRange, _) = SinglePointPositioner.geometricRange(satellite: bs.position, receiver: basePosition)
            pairs.append(Pair(satellite: ro.satellite, roverState: rs, baseState: bs, elevation: el, baseRange: baseRange,
                              tropoRover: tropoRover, tropoRoverGradient: tropoPerMetre * roverFrame.up, roverApprox: roverApprox,
                              tropoBase: Troposphere.saastamoinen(receiver: baseGeo, elevation: baseEl),
                              antenna: signals.map { s in
                                  guard let s else { return 0 }
                                  func correction(_ m: AntennaModels?, _ az: Double, _ el: Double) -> Double {
                                      m?.receiverCorrection(system: sys, bands: (s.band, s.band), weights: (1, 0), azimuth: az, elevation: el) ?? 0
                                  }
                                  return correction(roverAntenna, az, el) - correction(baseAntenna, baseAz, baseEl)
                              },
                              signals: signals))
        }
        return pairs
    }

    /// The satellite when the base's signal left it, from where it was when the rover's did: the two transmissions
    /// are the baseline's length apart (a millisecond for 300 km) when the receivers' epochs are the same, and over a
    /// millisecond the orbit bends the straight line by 0.3 µm. Nil when they are further apart (a base epoch older
    /// than the rover's): the orbit is computed anew.
    static func baseState(_ rover: PreparedMeasurement, roverTime: GNSSTime, baseTime: GNSSTime,
                          basePseudorange: Double) -> SatelliteState? {
        let dt = (baseTime - roverTime) - (basePseudorange - rover.transmissionRange) / Constants.speedOfLight
        guard abs(dt) < 1e-3 else { return nil }
        var s = rover.state
        s.position = s.position + dt * s.velocity
        s.clockBias += dt * s.clockDrift
        return s
    }

    /// The signals of one frequency slot: the first band of `candidates` (in their order of preference) in which
    /// both receivers tracked a code, the same code where both have one, else each receiver's own first choice of
    /// the band. RINEX 3 aligns the phases of a band's signals, so a rover's L2L against a base's L2W (receivers of
    /// different makes) still double-differences to an integer.
    static func commonSignal(_ r: SatelliteObservation, _ b: SatelliteObservation, _ candidates: [SignalCode],
                             channel: Int?) -> PairSignal? {
        func usable(_ o: SatelliteObservation, _ code: SignalCode) -> SignalObservation? {
            guard let s = o.signal(code), let p = s.pseudorange, p > 1e6 else { return nil }
            return s
        }
        var bandsTried: UInt32 = 0
        for first in candidates where bandsTried & (1 << first.band) == 0 {
            bandsTried |= 1 << first.band
            var pick: (SignalObservation, SignalObservation)?
            var roverFirst: SignalObservation?, baseFirst: SignalObservation?
            for code in candidates where code.band == first.band {
                let rs = usable(r, code), bs = usable(b, code)
                if let rs, let bs { pick = (rs, bs); break }
                roverFirst = roverFirst ?? rs
                baseFirst = baseFirst ?? bs
            }
            if pick == nil, let rs = roverFirst, let bs = baseFirst { pick = (rs, bs) }
            guard let (rs, bs) = pick, let pr = rs.pseudorange, let pb = bs.pseudorange,
                  let lambda = CarrierFrequency.wavelength(system: r.satellite.system, band: first.band, glonassChannel: channel)
            else { continue }
            let phaseR = rs.carrierPhase.flatMap { $0 != 0 ? $0 * lambda : nil }
            let phaseB = bs.carrierPhase.flatMap { $0 != 0 ? $0 * lambda : nil }
            let slip = (rs.lli & 1) != 0 || (bs.lli & 1) != 0
            return PairSignal(phaseRover: phaseR, phaseBase: phaseB, codeRover: pr, codeBase: pb, wavelength: lambda,
                              dopplerRover: rs.doppler, dopplerBase: bs.doppler, roverCode: rs.signal, baseCode: bs.signal,
                              slip: slip, halfCycle: rs.halfCycleAmbiguity || bs.halfCycleAmbiguity)
        }
        return nil
    }

    // MARK: - Time update

    private mutating func timeUpdate(time: GNSSTime, baseTime: GNSSTime, sppPosition: ECEF, pairs: [Pair]) {
        let dt = lastTime.map { abs(time - $0) } ?? 0
        // A base recording less often than the rover gives the same epoch to several of the rover's.
        let baseInterval = lastBaseTime.map { abs(baseTime - $0) } ?? 0
        lastTime = time
        lastBaseTime = baseTime
        if options.dynamics == .kinematic || !positionInitialised {
            x[0] = sppPosition.x; x[1] = sppPosition.y; x[2] = sppPosition.z
            for i in 0..<3 {
                for j in 0..<x.count { p[i, j] = 0; p[j, i] = 0 }
                p[i, i] = 30 * 30
            }
        }
        // Cycle slips: loss-of-lock flags and geometry-free phase jumps.
        var slipped = Set<AmbiguityKey>()
        detectedSlips.removeAll(keepingCapacity: true)
        for pair in pairs {
            for (f, s) in pair.signals.enumerated() {
                guard let s else { continue }
                let key = AmbiguityKey(satellite: pair.satellite, frequency: f)
                if s.slip { slipped.insert(key) }
                // Another code, or a half-cycle ambiguity resolved (the receiver shifts the phase by half a cycle).
                if let t = tracks[key], t.roverCode != s.roverCode || t.baseCode != s.baseCode || t.halfCycle != s.halfCycle {
                    slipped.insert(key)
                }
            }
            if pair.signals.count == 2, let s1 = pair.signals[0], let s2 = pair.signals[1],
               let r1 = s1.phaseRover, let r2 = s2.phaseRover, let b1 = s1.phaseBase, let b2 = s2.phaseBase {
                let gf = (rover: r1 - r2, base: b1 - b2)
                if let previous = geometryFree[pair.satellite, 0],
                   abs(gf.rover - previous.rover) > options.geometryFreeSlipThreshold
                    || abs(gf.base - previous.base) > options.geometryFreeSlipThreshold {
                    slipped.insert(AmbiguityKey(satellite: pair.satellite, frequency: 0))
                    slipped.insert(AmbiguityKey(satellite: pair.satellite, frequency: 1))
                    detectedSlips.append(pair.satellite)
                }
                geometryFree[pair.satellite, 0] = gf
            }
        }
        let doppler = dopplerSlips(pairs, roverInterval: dt, baseInterval: baseInterval)
        for key in doppler where !detectedSlips.contains(key.satellite) { detectedSlips.append(key.satellite) }
        slipped.formUnion(doppler)
        // Drop ambiguities unseen too long, or slipped.
        let stale = keys.filter { k in
            slipped.contains(k) || epochIndex - (tracks[k]?.lastSeen ?? 0) > options.maxOutage
        }
        removeAmbiguities(Set(stale))
        // Random walk of the remaining ambiguities.
        let q = options.ambiguityProcessNoise * options.ambiguityProcessNoise * dt
        for i in 3..<x.count { p[i, i] += q }
        // New ambiguities from phase minus code, added to the state together.
        var added: [(key: AmbiguityKey, value: Double)] = []
        for pair in pairs {
            for (f, s) in pair.signals.enumerated() {
                guard let s, let pr = s.phaseRover, let pb = s.phaseBase else { continue }
                let key = AmbiguityKey(satellite: pair.satellite, frequency: f)
                if tracks[key] != nil && stateIndex(key) != nil {
                    tracks[key]?.lastSeen = epochIndex
                    tracks[key]?.lock += 1
                    continue
                }
                added.append((key, ((pr - pb) - (s.codeRover - s.codeBase)) / s.wavelength))
                tracks[key] = AmbiguityTrack(lastSeen: epochIndex, lock: 0, roverCode: s.roverCode, baseCode: s.baseCode,
                                             halfCycle: s.halfCycle)
            }
        }
        addAmbiguities(added, variance: options.ambiguityInitialSigma * options.ambiguityInitialSigma)
    }

    /// Signals whose phase moved, at either receiver, by more than the Doppler explains since the last epoch.
    /// The median of each receiver's unexplained changes in metres over all its signals (a receiver clock jump, the
    /// same range for every signal) is removed first.
    private mutating func dopplerSlips(_ pairs: [Pair], roverInterval: Double, baseInterval: Double) -> Set<AmbiguityKey> {
        struct Unexplained { var key: AmbiguityKey; var wavelength: Double; var rover: Double?; var base: Double? }
        var unexplained: [Unexplained] = []
        dopplerRuns += 1
        for pair in pairs {
            for (f, s) in pair.signals.enumerated() {
                guard let s, let pr = s.phaseRover, let pb = s.phaseBase else { continue }
                let key = AmbiguityKey(satellite: pair.satellite, frequency: f)
                let now = SignalPhase(rover: pr, roverDoppler: s.dopplerRover, base: pb, baseDoppler: s.dopplerBase)
                let seen = lastPhase[key]
                lastPhase[key] = (now, dopplerRuns)
                guard let seen, seen.run == dopplerRuns - 1 else { continue }
                let last = seen.phase
                // RINEX phase grows with the range, the Doppler is positive when the range shrinks (metres). Each
                // receiver over its own interval: none when its epoch is the one before (a base's, reused).
                func change(_ now: Double, _ doppler: Double?, _ before: Double, _ dopplerBefore: Double?, _ dt: Double) -> Double? {
                    guard dt > 0, dt <= 60, let doppler, let dopplerBefore else { return nil }
                    return (now - before) + (doppler + dopplerBefore) / 2 * dt * s.wavelength
                }
                let rover = change(now.rover, now.roverDoppler, last.rover, last.roverDoppler, roverInterval)
                let base = change(now.base, now.baseDoppler, last.base, last.baseDoppler, baseInterval)
                guard rover != nil || base != nil else { continue }
                unexplained.append(Unexplained(key: key, wavelength: s.wavelength, rover: rover, base: base))
            }
        }
        var slips = Set<AmbiguityKey>()
        for receiver in [\Unexplained.rover, \Unexplained.base] {
            let values = unexplained.compactMap { $0[keyPath: receiver] }.sorted()
            guard values.count >= 2 else { continue }
            let median = values[values.count / 2]
            for u in unexplained {
                if let v = u[keyPath: receiver], abs(v - median) / u.wavelength > options.dopplerSlipThreshold { slips.insert(u.key) }
            }
        }
        return slips
    }

    private mutating func addAmbiguities(_ added: [(key: AmbiguityKey, value: Double)], variance: Double) {
        guard !added.isEmpty else { return }
        let n = x.count
        p = p.reindexed(Array(0..<n) + repeatElement(-1, count: added.count))
        for i in n..<n + added.count { p[i, i] = variance }
        x += added.map(\.value)
        keys += added.map(\.key)
    }

    private mutating func removeAmbiguities(_ remove: Set<AmbiguityKey>) {
        guard !remove.isEmpty else { return }
        let keep = [0, 1, 2] + keys.enumerated().filter { !remove.contains($0.element) }.map { $0.offset + 3 }
        p = p.reindexed(keep)
        x = keep.map { x[$0] }
        keys = keys.filter { !remove.contains($0) }
        for k in remove { tracks[k] = nil }
    }

    private func stateIndex(_ key: AmbiguityKey) -> Int? { stateIndices[key] }

    private mutating func indexStates() {
        stateIndices.removeAll()
        for (k, key) in keys.enumerated() { stateIndices[key] = k + 3 }
    }

    // MARK: - Measurement update

    /// Double-difference rows grouped by system and frequency, relative to the highest satellite.
    private struct Row {
        /// The partial derivatives by the rover's position, then (phase) by the two ambiguities (state indices).
        var position: (x: Double, y: Double, z: Double)
        var ambiguities: (other: Int, otherWavelength: Double, ref: Int, refWavelength: Double)?
        var v: Double
        var group: Int
        /// The two satellites, by index into the epoch's pairs.
        var referencePair: Int
        var otherPair: Int
        var refVariance: Double
        var variance: Double
    }

    private func sdVariance(_ el: Double, phase: Bool) -> Double {
        let s = max(sin(el), 0.05)
        let v = options.phaseErrorA * options.phaseErrorA + options.phaseErrorB * options.phaseErrorB / (s * s)
        let factor = phase ? 1 : options.codePhaseRatio * options.codePhaseRatio
        return 2 * factor * v
    }

    private mutating func measurementUpdate(pairs: [Pair], basePosition: ECEF) -> Int? {
        let rover = ECEF(x[0], x[1], x[2])
        var rows: [Row] = []
        var groupID = 0
        pairUse.removeAll(keepingCapacity: true)
        pairUse.append(contentsOf: repeatElement(PairUse(), count: pairs.count))
        let systems = Array(Set(pairs.map { $0.satellite.system })).sorted()
        for sys in systems {
            // Indices into `pairs` (a pair holds arrays: copying it costs reference counting).
            let members = pairs.indices.filter { pairs[$0].satellite.system == sys }
            let groups = (0..<options.frequencies).flatMap { f in Self.bySignalPair(members, pairs, slot: f).map { (f, $0) } }
            for (f, group) in groups {
                for isPhase in [true, false] {
                    let usable = group.filter { i in
                        !isPhase || (pairs[i].signals[f]!.hasPhase && stateIndex(AmbiguityKey(satellite: pairs[i].satellite, frequency: f)) != nil)
                    }
                    guard usable.count >= 2, let ref = usable.max(by: { pairs[$0].elevation < pairs[$1].elevation }) else { continue }
                    groupID += 1
                    for j in usable where j != ref {
                        if let row = ddRow(pairs, ref: ref, other: j, frequency: f, phase: isPhase, rover: rover, group: groupID) {
                            if abs(row.v) <= options.maxInnovation {
                                rows.append(row)
                            } else {
                                pairUse[j].gated = true
                            }
                        }
                    }
                }
            }
        }
        guard !rows.isEmpty else { return nil }
        // Double differences of different groups are uncorrelated: an update per group, in any order. Code first:
        // until phase has correlated them, a kinematic rover's position and the ambiguities are independent, and
        // code updates change the position's three rows and columns of P alone.
        rows = rows.filter { $0.ambiguities == nil } + rows.filter { $0.ambiguities != nil }
        var blocks: [(h: Kalman.SparseRows, innovation: [Double], r: Matrix)] = []
        var start = 0
        while start < rows.count {
            var end = start + 1
            while end < rows.count && rows[end].group == rows[start].group { end += 1 }
            let group = rows[start..<end], m = group.count
            var h = Kalman.SparseRows()
            var r = Matrix(rows: m, columns: m)
            for (i, row) in group.enumerated() {
                h.append(column: 0, value: row.position.x)
                h.append(column: 1, value: row.position.y)
                h.append(column: 2, value: row.position.z)
                if let a = row.ambiguities {
                    h.append(column: a.ref, value: -a.refWavelength)
                    h.append(column: a.other, value: a.otherWavelength)
                }
                h.endRow()
                for k in 0..<m { r[i, k] = i == k ? row.refVariance + row.variance : row.refVariance }
            }
            blocks.append((h, group.map(\.v), r))
            start = end
        }
        let prior = x
        let used = Kalman.update(x: &x, p: &p, blocks: blocks)
        if used > 0 { recordPostFit(rows, prior: prior) }
        return used > 0 ? used : nil
    }

    /// Each row's post-fit residual from the state's change: the first code and phase double difference a satellite
    /// is the other of; its reference counts as used.
    private mutating func recordPostFit(_ rows: [Row], prior: [Double]) {
        for row in rows {
            var predicted = row.position.x * (x[0] - prior[0]) + row.position.y * (x[1] - prior[1]) + row.position.z * (x[2] - prior[2])
            if let a = row.ambiguities {
                predicted += a.otherWavelength * (x[a.other] - prior[a.other]) - a.refWavelength * (x[a.ref] - prior[a.ref])
            }
            let residual = row.v - predicted
            pairUse[row.referencePair].used = true
            pairUse[row.otherPair].used = true
            if row.ambiguities == nil {
                if pairUse[row.otherPair].code == nil { pairUse[row.otherPair].code = residual }
            } else if pairUse[row.otherPair].phase == nil {
                pairUse[row.otherPair].phase = residual
            }
        }
    }

    /// `members` (indices into `pairs`) with a signal in slot `f`, split by the signals each receiver contributes:
    /// receivers' phase and code biases cancel only between satellites tracked on the same signal at the rover and
    /// the same at the base. A slot's candidates can span bands (GPS L2 or L5, BeiDou B3I or B2I), and within a band
    /// a receiver keeps a bias of its own between codes (GPS L2L and L2W, aligned by RINEX 3 only to a fraction of a
    /// cycle that two receivers do not share): a satellite whose rover lost L2W and pairs on L2L is not differenced
    /// against one paired on L2W. BeiDou-2 and BeiDou-3 are apart too, for the biases receivers keep between them
    /// (see `SinglePointPositioner.ReceiverClock`), which two receivers of different makes do not share.
    static func bySignalPair(_ members: [Int], _ pairs: [Pair], slot f: Int) -> [[Int]] {
        var groups: [(key: UInt32, members: [Int])] = []
        for i in members {
            guard f < pairs[i].signals.count, let s = pairs[i].signals[f] else { continue }
            let key = groupKey(s, beidou3: SinglePointPositioner.ReceiverClock(pairs[i].satellite).beidou3)
            if let g = groups.firstIndex(where: { $0.key == key }) {
                groups[g].members.append(i)
            } else {
                groups.append((key, [i]))
            }
        }
        return groups.map(\.members)
    }

    /// What satellites differenced against each other share: band, rover's and base's signal, BeiDou generation.
    static func groupKey(_ s: PairSignal, beidou3: Bool) -> UInt32 {
        UInt32(s.band) | (beidou3 ? 1 : 0) << 8 | UInt32(s.roverCode.attributeByte) << 16 | UInt32(s.baseCode.attributeByte) << 24
    }

    /// The double difference of `pairs[o]` against `pairs[r]` (by index: a pair passed by value is copied).
    private func ddRow(_ pairs: [Pair], ref r: Int, other o: Int, frequency f: Int, phase: Bool, rover: ECEF, group: Int) -> Row? {
        guard let si = pairs[r].signals[f], let sj = pairs[o].signals[f] else { return nil }
        let (ri, ei) = SinglePointPositioner.geometricRange(satellite: pairs[r].roverState.position, receiver: rover)
        let (rj, ej) = SinglePointPositioner.geometricRange(satellite: pairs[o].roverState.position, receiver: rover)
        let ddRange = (rj - pairs[o].baseRange) - (ri - pairs[r].baseRange)
        let moved = rover - pairs[o].roverApprox
        func tropoRover(_ k: Int) -> Double { pairs[k].tropoRover + pairs[k].tropoRoverGradient.dot(moved) }
        let ddTropo = (tropoRover(o) - pairs[o].tropoBase) - (tropoRover(r) - pairs[r].tropoBase)
        let gradient = pairs[o].tropoRoverGradient - pairs[r].tropoRoverGradient
        // The satellites' clocks between the two receptions: nothing when the base's epoch is the rover's, a
        // satellite's drift over the interval when the base records less often (a 30 s base under a 1 Hz rover).
        let ddClock = -Constants.speedOfLight * ((pairs[o].roverState.clockBias - pairs[o].baseState.clockBias)
                                                 - (pairs[r].roverState.clockBias - pairs[r].baseState.clockBias))
        let position = (x: -ej.x + ei.x + gradient.x, y: -ej.y + ei.y + gradient.y, z: -ej.z + ei.z + gradient.z)
        var ambiguities: (other: Int, otherWavelength: Double, ref: Int, refWavelength: Double)?
        let observed: Double
        var model = ddRange + ddTropo + ddClock + pairs[o].antenna[f] - pairs[r].antenna[f]
        if phase {
            guard let pri = si.phaseRover, let pbi = si.phaseBase, let prj = sj.phaseRover, let pbj = sj.phaseBase,
                  let ii = stateIndex(AmbiguityKey(satellite: pairs[r].satellite, frequency: f)),
                  let ij = stateIndex(AmbiguityKey(satellite: pairs[o].satellite, frequency: f)) else { return nil }
            observed = (prj - pbj) - (pri - pbi)
            model += sj.wavelength * x[ij] - si.wavelength * x[ii]
            ambiguities = (ij, sj.wavelength, ii, si.wavelength)
        } else {
            observed = (sj.codeRover - sj.codeBase) - (si.codeRover - si.codeBase)
        }
        return Row(position: position, ambiguities: ambiguities, v: observed - model, group: group, referencePair: r, otherPair: o,
                   refVariance: sdVariance(pairs[r].elevation, phase: phase), variance: sdVariance(pairs[o].elevation, phase: phase))
    }

    // MARK: - Ambiguity resolution

    struct FixedSolution {
        var position: ECEF
        var covariance: [Double]
        var ratio: Double
        /// Double-difference transformation rows and their integer values, for holding.
        var transform: [(ref: Int, other: Int)]
        var integers: [Double]
    }

    private mutating func resolveAmbiguities(pairs: [Pair]) -> FixedSolution? {
        lastRatio = nil
        let systems = Array(Set(pairs.map { $0.satellite.system })).sorted()
            .filter { $0 != .glonass || options.glonassAmbiguityResolution }
        // Partial fixing: all ambiguities, then without the lowest satellite, the two lowest, the three lowest;
        // then each system's alone (the one with most satellites first), for when one system's ambiguities are what
        // fails the test (a float still poor, geostationary satellites' noisy signals) at any elevation.
        var attempts: [(excluded: Set<SatelliteID>, systems: [GNSSSystem])] = [([], systems)]
        var excluded = Set<SatelliteID>()
        for i in pairs.indices.sorted(by: { pairs[$0].elevation < pairs[$1].elevation }).prefix(3) {
            excluded.insert(pairs[i].satellite)
            attempts.append((excluded, systems))
        }
        if systems.count > 1 {
            var counts: [GNSSSystem: Int] = [:]
            for i in pairs.indices { counts[pairs[i].satellite.system, default: 0] += 1 }
            for sys in systems.sorted(by: { counts[$0, default: 0] > counts[$1, default: 0] }) { attempts.append(([], [sys])) }
        }
        for (excluded, systems) in attempts {
            var transform: [(ref: Int, other: Int)] = []
            for sys in systems {
                for f in 0..<options.frequencies {
                    // Each member's ambiguity state, by index into `pairs`.
                    let members: [(pair: Int, state: Int)] = pairs.indices.compactMap { i in
                        let satellite = pairs[i].satellite
                        guard satellite.system == sys, !excluded.contains(satellite),
                              f < pairs[i].signals.count, let s = pairs[i].signals[f], s.hasPhase, !s.halfCycle,
                              let state = stateIndex(AmbiguityKey(satellite: satellite, frequency: f)) else { return nil }
                        return (i, state)
                    }
                    for group in Self.bySignalPair(members.map(\.pair), pairs, slot: f) {
                        let inGroup = members.filter { group.contains($0.pair) }
                        guard inGroup.count >= 2,
                              let ref = inGroup.max(by: { pairs[$0.pair].elevation < pairs[$1.pair].elevation }) else { continue }
                        for m in inGroup where m.pair != ref.pair { transform.append((ref.state, m.state)) }
                    }
                }
            }
            let nb = transform.count
            guard nb >= 4 else { continue }
            var a = [Double](repeating: 0, count: nb)
            var qa = Matrix(rows: nb, columns: nb)
            var qxa = Matrix(rows: 3, columns: nb)
            for (i, t) in transform.enumerated() {
                a[i] = x[t.other] - x[t.ref]
                for (j, u) in transform.enumerated() {
                    qa[i, j] = p[t.other, u.other] - p[t.other, u.ref] - p[t.ref, u.other] + p[t.ref, u.ref]
                }
                for k in 0..<3 { qxa[k, i] = p[k, t.other] - p[k, t.ref] }
            }
            guard let result = Lambda.resolve(a, covariance: qa, candidates: 2) else { continue }
            lastRatio = result.ratio
            guard result.ratio >= options.ratioThreshold, let l = qa.cholesky() else { continue }
            // With Qa = L Lᵀ, U = L⁻¹ Qxaᵀ and w = L⁻¹ (a − ǎ): the position moves by Qxa Qa⁻¹ (a − ǎ) = Uᵀ w and
            // its covariance shrinks by Qxa Qa⁻¹ Qxaᵀ = Uᵀ U.
            let best = result.candidates[0]
            var rightHandSides = Matrix(rows: nb, columns: 4)
            for i in 0..<nb {
                for k in 0..<3 { rightHandSides[i, k] = qxa[k, i] }
                rightHandSides[i, 3] = a[i] - best[i]
            }
            let solved = l.lowerTriangularSolve(rightHandSides)
            let u = solved.transposed   // rows: U's three columns, then w
            var shift = [0.0, 0.0, 0.0]
            var reduction = Matrix(rows: 3, columns: 3)
            for k in 0..<3 {
                for i in 0..<nb { shift[k] += u[k, i] * u[3, i] }
                for j in 0...k {
                    var sum = 0.0
                    for i in 0..<nb { sum += u[k, i] * u[j, i] }
                    reduction[k, j] = sum
                    reduction[j, k] = sum
                }
            }
            let pos = ECEF(x[0] - shift[0], x[1] - shift[1], x[2] - shift[2])
            let c = [p[0, 0] - reduction[0, 0], p[1, 1] - reduction[1, 1], p[2, 2] - reduction[2, 2],
                     p[0, 1] - reduction[0, 1], p[1, 2] - reduction[1, 2], p[0, 2] - reduction[0, 2]]
            return FixedSolution(position: pos, covariance: c, ratio: result.ratio, transform: transform, integers: best)
        }
        return nil
    }

    /// Applies the fixed double-difference ambiguities as tight pseudo-measurements.
    private mutating func hold(_ fixed: FixedSolution) {
        let n = x.count, m = fixed.transform.count
        var h = Matrix(rows: m, columns: n)
        var v = [Double](repeating: 0, count: m)
        for (i, t) in fixed.transform.enumerated() {
            h[i, t.other] = 1
            h[i, t.ref] = -1
            v[i] = fixed.integers[i] - (x[t.other] - x[t.ref])
        }
        Kalman.update(x: &x, p: &p, h: h, innovation: v, r: Matrix.diagonal([Double](repeating: 0.001, count: m)))
    }
}

extension SignalTable {
    subscript(key: RTKFilter.AmbiguityKey) -> Value? {
        get { self[key.satellite, key.frequency] }
        set { self[key.satellite, key.frequency] = newValue }
    }
}
