import Foundation
import GNSSCore
import GNSSOrbits
import GNSSPositioning

/// Kinematic precise point positioning of one LEO satellite from its onboard GNSS receiver: an extended Kalman filter
/// on the ionosphere-free code and phase of every GNSS satellite the receiver tracks, against the GNSS orbits and clocks
/// the caller gives (broadcast with the network's corrections, or precise ones). The position is estimated afresh each
/// epoch (white noise), so it owes nothing to a dynamic model; the receiver clock per system is white noise too; the
/// float ambiguities carry the epochs together. In space there is no troposphere, and the ionosphere-free combination
/// removes the thin plasmasphere above the orbit to first order; the receiver's antenna is taken as the satellite's
/// reference point, as the broadcast orbit's.
public struct LEOKinematicFilter: Sendable {
    public struct Options: Sendable {
        public var systems: Set<GNSSSystem> = [.gps, .galileo]
        /// Undifferenced code and phase error at zenith (m), before the ionosphere-free amplification.
        public var codeSigma = 0.3
        public var phaseSigma = 0.003
        /// GNSS satellites below this elevation from the LEO satellite's local horizon are left out (rays skimming the
        /// Earth's atmosphere).
        public var elevationMask = -10 * Constants.degreesToRadians
        /// A track unseen this long restarts, seconds.
        public var maximumGap = 60.0
        /// Geometry-free jump (m) that declares a cycle slip.
        public var geometryFreeSlip = 0.05
        /// A measurement whose post-fit residual exceeds this many sigmas is left out of the epoch.
        public var outlierLimit = 5.0

        public init() {}
    }

    /// One epoch's kinematic solution.
    public struct Solution: Sendable {
        public var time: GNSSTime
        public var position: ECEF
        /// Receiver clock of the first system with measurements (GPS when there are), metres.
        public var clock: Double
        /// Formal standard deviation of the position (three components together), m.
        public var sigma: Double
        public var satellites: Int
    }

    /// GNSS satellite states at a time (position of the signals' phase centre, clock with the relativistic term) and the
    /// orbit-and-clock error expected of them, m; nil where the satellite is not to be used.
    public typealias GNSSStates = (SatelliteID, GNSSTime) -> (state: SatelliteState, sigma: Double)?

    public var options: Options

    private struct Track {
        var lastSeen: GNSSTime
        var geometryFree: Double
        var windUp: Double?
    }

    private struct Measurement {
        var satellite: SatelliteID
        var code: Double
        var phase: Double
        var wavelength: Double
        var slip: Bool
        var geometryFree: Double
        /// Filled in by the code fix: the GNSS satellite's state at transmission, its orbit-and-clock error (m) and the
        /// elevation factor of the measurement's noise.
        var state = SatelliteState(position: .zero, velocity: .zero, clockBias: 0, clockDrift: 0)
        var orbitSigma = 0.0
        var noiseFactor = 1.0
    }

    private static let clockSystems: [GNSSSystem] = [.gps, .galileo, .beidou, .glonass, .qzss]
    /// States: position (3), a clock per system of `clockSystems`, then ambiguities.
    private static let ambiguityStart = 3 + clockSystems.count
    private var x: [Double] = Array(repeating: 0, count: LEOKinematicFilter.ambiguityStart)
    private var p = Matrix(rows: LEOKinematicFilter.ambiguityStart, columns: LEOKinematicFilter.ambiguityStart)
    private var ambiguities: [SatelliteID: Int] = [:]
    private var tracks: [SatelliteID: Track] = [:]
    private var last: Solution?
    /// The last epoch's measurements used, with their wind-up (cycles), for the clock at another position.
    private var lastUsed: [(Measurement, Double)] = []

    public init(options: Options = Options()) {
        self.options = options
    }

    /// The latest solution.
    public var solution: Solution? { last }

    /// Processes one epoch of onboard observations; nil when it cannot be positioned (too few satellites).
    public mutating func process(_ epoch: ObservationEpoch, gnss: GNSSStates) -> Solution? {
        let c = Constants.speedOfLight
        var ms: [Measurement] = []
        for obs in epoch.satellites where options.systems.contains(obs.satellite.system) {
            let sat = obs.satellite
            let (firstCodes, secondCodes) = PPPFilter.signalPair(sat.system)
            guard let s1 = PPPFilter.firstWithPhase(obs, firstCodes), let s2 = PPPFilter.firstWithPhase(obs, secondCodes),
                  let f1 = CarrierFrequency.of(system: sat.system, band: s1.signal.band, glonassChannel: obs.glonassChannel),
                  let f2 = CarrierFrequency.of(system: sat.system, band: s2.signal.band, glonassChannel: obs.glonassChannel),
                  let l1 = s1.carrierPhase, let l2 = s2.carrierPhase, let p1 = s1.pseudorange, let p2 = s2.pseudorange else { continue }
            let g1 = f1 * f1 / (f1 * f1 - f2 * f2), g2 = -f2 * f2 / (f1 * f1 - f2 * f2)
            let geometryFree = l1 * c / f1 - l2 * c / f2
            var slip = (s1.lli & 1) != 0 || (s2.lli & 1) != 0
            if let t = tracks[sat], epoch.time - t.lastSeen <= options.maximumGap {
                if abs(geometryFree - t.geometryFree) > options.geometryFreeSlip { slip = true }
            } else {
                slip = true
            }
            ms.append(Measurement(satellite: sat, code: g1 * p1 + g2 * p2, phase: g1 * l1 * c / f1 + g2 * l2 * c / f2,
                                  wavelength: c / (f1 + f2), slip: slip, geometryFree: geometryFree))
        }
        // A first fix by code alone: where the satellite is, to linearise about.
        guard var fix = codeFix(&ms, time: epoch.time, gnss: gnss) else { return nil }
        // Position and clocks anew each epoch; ambiguities kept, restarted on a slip.
        for i in 0..<Self.ambiguityStart { reset(i, value: i < 3 ? [fix.position.x, fix.position.y, fix.position.z][i] : 0, variance: 1e4) }
        for (k, system) in Self.clockSystems.enumerated() { if let v = fix.clocks[system] { x[3 + k] = v } }
        forgetUnseen(epoch.time, keeping: Set(ms.map(\.satellite)))
        for m in ms {
            if let i = ambiguities[m.satellite] {
                if m.slip {
                    reset(i, value: m.phase - m.code, variance: 900)
                    tracks[m.satellite]?.windUp = nil
                }
            } else {
                append(m.satellite, value: m.phase - m.code, variance: 900)
            }
        }
        // Measurement update, leaving out the worst outlier while there is one.
        let sun = SunMoon.sun(at: epoch.time)
        let frame = LocalFrame(origin: fix.position)
        var used = ms
        var windUps: [SatelliteID: Double] = [:]
        for m in used { windUps[m.satellite] = PhaseWindUp.cycles(satellite: m.state.position, receiver: frame, sun: sun,
                                                                  previous: tracks[m.satellite]?.windUp) }
        let prior = (x, p)
        while used.count >= 5 {
            x = prior.0
            p = prior.1
            guard let worst = update(used, windUps: windUps) else { break }
            used.remove(at: worst)
        }
        guard used.count >= 5 else {
            x = prior.0
            p = prior.1
            return nil
        }
        for m in ms {
            tracks[m.satellite] = Track(lastSeen: epoch.time, geometryFree: m.geometryFree, windUp: windUps[m.satellite])
        }
        lastUsed = used.map { ($0, windUps[$0.satellite] ?? 0) }
        fix.position = ECEF(x[0], x[1], x[2])
        let clockIndex = Self.clockSystems.firstIndex { s in used.contains { $0.satellite.system == s } } ?? 0
        let solution = Solution(time: epoch.time, position: fix.position, clock: x[3 + clockIndex],
                                sigma: (p[0, 0] + p[1, 1] + p[2, 2]).squareRoot(), satellites: used.count)
        last = solution
        return solution
    }

    /// The receiver clock of the last epoch's first system (m) were the receiver at `position` (the fitted orbit's):
    /// the weighted mean of its phase measurements' residuals with the ambiguities as estimated. It goes with that
    /// position as the kinematic clock goes with the kinematic position.
    public func clock(at position: ECEF) -> Double? {
        let c = Constants.speedOfLight
        guard let system = Self.clockSystems.first(where: { s in lastUsed.contains { $0.0.satellite.system == s } }) else { return nil }
        var sum = 0.0, weights = 0.0
        for (m, windUp) in lastUsed where m.satellite.system == system {
            guard let ai = ambiguities[m.satellite] else { continue }
            let (range, _) = SinglePointPositioner.geometricRange(satellite: m.state.position, receiver: position)
            let w = 1 / (9 * pow(options.phaseSigma * m.noiseFactor, 2) + m.orbitSigma * m.orbitSigma + p[ai, ai])
            sum += w * (m.phase - (range - c * m.state.clockBias + x[ai] + windUp * m.wavelength))
            weights += w
        }
        return weights > 0 ? sum / weights : nil
    }

    /// Code-only least squares of position and clocks, filling in each measurement's satellite state and sigma (those
    /// without a GNSS state are dropped). Starts from the last solution (or the Earth's centre).
    private func codeFix(_ ms: inout [Measurement], time: GNSSTime, gnss: GNSSStates) -> (position: ECEF, clocks: [GNSSSystem: Double])? {
        let c = Constants.speedOfLight
        var position = last?.position ?? .zero
        var clocks: [GNSSSystem: Double] = [:]
        for iteration in 0..<10 {
            // Satellite states at transmission (receive time by the clock estimate, light time from the range).
            var kept: [Measurement] = []
            for var m in ms {
                let clock = clocks[m.satellite.system] ?? 0
                let rx = time - clock / c
                var tx = rx - m.code / c
                guard let first = gnss(m.satellite, tx) else { continue }
                tx = tx - first.state.clockBias
                guard let s = gnss(m.satellite, tx) else { continue }
                m.state = s.state
                m.orbitSigma = s.sigma
                if iteration > 0 || last != nil {
                    // Elevation above the local horizon: the noise grows toward the limb the receiver tracks down to.
                    let elevation = position.elevationAboveHorizon(of: s.state.position)
                    guard elevation >= options.elevationMask else { continue }
                    m.noiseFactor = 1 / max(sin(elevation), 0.1)
                }
                kept.append(m)
            }
            let systems = Self.clockSystems.filter { s in kept.contains { $0.satellite.system == s } }
            let n = 3 + systems.count
            guard kept.count >= n + 1 else { return nil }
            var h = Matrix(rows: kept.count, columns: n)
            var y: [Double] = []
            for (i, m) in kept.enumerated() {
                let (range, unit) = SinglePointPositioner.geometricRange(satellite: m.state.position, receiver: position)
                h[i, 0] = -unit.x; h[i, 1] = -unit.y; h[i, 2] = -unit.z
                let k = systems.firstIndex(of: m.satellite.system)!
                h[i, 3 + k] = 1
                y.append(m.code - (range + (clocks[m.satellite.system] ?? 0) - c * m.state.clockBias))
            }
            let weights = kept.map { 1 / ($0.noiseFactor * $0.noiseFactor) }
            guard let solution = weightedLeastSquares(design: h, observations: y, weights: weights) else { return nil }
            position = position + ECEF(solution.x[0], solution.x[1], solution.x[2])
            for (k, s) in systems.enumerated() { clocks[s, default: 0] += solution.x[3 + k] }
            ms = kept
            if iteration > 0, abs(solution.x[0]) + abs(solution.x[1]) + abs(solution.x[2]) < 1e-3 { break }
        }
        return (position, clocks)
    }

    /// One Kalman update of all measurements at the current state; returns the index of the worst outlier (the state
    /// then is to be restored by the caller), nil when there is none.
    private mutating func update(_ ms: [Measurement], windUps: [SatelliteID: Double]) -> Int? {
        let c = Constants.speedOfLight
        let position = ECEF(x[0], x[1], x[2])
        var rows = Kalman.SparseRows()
        var innovations: [Double] = [], variances: [Double] = [], owners: [Int] = []
        for (k, m) in ms.enumerated() {
            guard let ai = ambiguities[m.satellite], let ci = Self.clockSystems.firstIndex(of: m.satellite.system) else { continue }
            let (range, unit) = SinglePointPositioner.geometricRange(satellite: m.state.position, receiver: position)
            let modelled = range + x[3 + ci] - c * m.state.clockBias
            // The satellite's orbit and clock error adds to both.
            let orbitClock = m.orbitSigma * m.orbitSigma
            for isPhase in [true, false] {
                rows.append(column: 0, value: -unit.x)
                rows.append(column: 1, value: -unit.y)
                rows.append(column: 2, value: -unit.z)
                rows.append(column: 3 + ci, value: 1)
                if isPhase {
                    rows.append(column: ai, value: 1)
                    innovations.append(m.phase - (modelled + x[ai] + (windUps[m.satellite] ?? 0) * m.wavelength))
                    variances.append(9 * pow(options.phaseSigma * m.noiseFactor, 2) + orbitClock)
                } else {
                    innovations.append(m.code - modelled)
                    variances.append(9 * pow(options.codeSigma * m.noiseFactor, 2) + orbitClock)
                }
                rows.endRow()
                owners.append(k)
            }
        }
        guard !innovations.isEmpty else { return nil }
        let before = x
        guard Kalman.update(x: &x, p: &p, h: rows, innovation: innovations, r: Matrix.diagonal(variances)) else { return nil }
        var worst: (Double, Int)?
        for i in innovations.indices {
            let residual = innovations[i] - (rows.dot(i, x) - rows.dot(i, before))
            let normalised = abs(residual) / variances[i].squareRoot()
            if normalised > options.outlierLimit, normalised > (worst?.0 ?? 0) { worst = (normalised, owners[i]) }
        }
        return worst?.1
    }

    private mutating func reset(_ i: Int, value: Double, variance: Double) {
        for j in 0..<x.count { p[i, j] = 0; p[j, i] = 0 }
        p[i, i] = variance
        x[i] = value
    }

    private mutating func append(_ sat: SatelliteID, value: Double, variance: Double) {
        let n = x.count
        p = p.reindexed(Array(0..<n) + [-1])
        x.append(value)
        p[n, n] = variance
        ambiguities[sat] = n
    }

    /// Drops the ambiguities of satellites not in this epoch and unseen longer than the gap allowed.
    private mutating func forgetUnseen(_ time: GNSSTime, keeping: Set<SatelliteID>) {
        let gone = ambiguities.filter { sat, _ in
            !keeping.contains(sat) && (tracks[sat].map { time - $0.lastSeen > options.maximumGap } ?? true)
        }
        guard !gone.isEmpty else { return }
        for sat in gone.keys {
            ambiguities[sat] = nil
            tracks[sat] = nil
        }
        let keep = (0..<x.count).filter { $0 < Self.ambiguityStart || ambiguities.values.contains($0) }
        p = p.reindexed(keep)
        let old = x
        x = keep.map { old[$0] }
        let moved = Dictionary(uniqueKeysWithValues: keep.enumerated().map { ($0.element, $0.offset) })
        ambiguities = ambiguities.mapValues { moved[$0]! }
    }
}

extension ECEF {
    /// The elevation of `target` above the horizon here (the plane normal to the direction from the Earth's centre),
    /// radians: negative below it, as a satellite's receiver tracks down past its own horizon.
    public func elevationAboveHorizon(of target: ECEF) -> Double {
        let d = target - self
        return asin(max(-1, min(1, d.dot(self) / (max(norm, 1) * d.norm))))
    }
}
