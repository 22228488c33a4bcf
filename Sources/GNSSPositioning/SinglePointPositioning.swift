import Foundation
import GNSSCore
import GNSSOrbits

/// How SPP treats the ionosphere.
public enum IonosphereModel: String, Sendable, Hashable {
    /// Broadcast Klobuchar model on the primary signal.
    case broadcast
    /// Dual-frequency ionosphere-free code combination where a second signal exists, broadcast model otherwise.
    case ionosphereFree
    case off
}

public struct SPPOptions: Sendable, Hashable {
    public var elevationMask: Double
    public var systems: Set<GNSSSystem>
    public var ionosphere: IonosphereModel
    public var troposphere: Bool
    /// Receiver autonomous integrity monitoring: detect and exclude one faulty satellite.
    public var raim: Bool
    public var maxGDOP: Double

    /// 7°: the low satellites, weighted down by 1/sin(elevation), still strengthen the geometry. Medians against
    /// 15°: GMSD's RTCM stream 4.8 m instead of 14.3 m, 0759's hour 1.7 m instead of 2.8 m (all 120 epochs solved
    /// instead of 115), ESBC's day 0.9 m instead of 1.2 m.
    public static let defaultElevationMask = 7 * Constants.degreesToRadians

    public init(elevationMask: Double = SPPOptions.defaultElevationMask,
                systems: Set<GNSSSystem> = [.gps, .glonass, .galileo, .beidou, .qzss],
                ionosphere: IonosphereModel = .broadcast, troposphere: Bool = true, raim: Bool = true,
                maxGDOP: Double = 30) {
        self.elevationMask = elevationMask
        self.systems = systems
        self.ionosphere = ionosphere
        self.troposphere = troposphere
        self.raim = raim
        self.maxGDOP = maxGDOP
    }
}

/// One satellite's pseudorange prepared for the position fix: the satellite
/// state at transmission, and the corrected pseudorange.
struct PreparedMeasurement {
    var satellite: SatelliteID
    var state: SatelliteState
    /// The code `state`'s transmission time was found from (the first signal's, as measured), m.
    var transmissionRange: Double
    /// Pseudorange with satellite group delay removed (or the ionosphere-free combination), m.
    var pseudorange: Double
    var frequency: Double
    var ionosphereFree: Bool
    var accuracyVariance: Double
    var doppler: Double?
}

/// Weighted least-squares single point positioning over all systems with a
/// receiver clock per system, broadcast or ionosphere-free ionosphere,
/// Saastamoinen troposphere, and fault detection and exclusion.
public struct SinglePointPositioner: Sendable {
    public var options: SPPOptions

    public init(options: SPPOptions = SPPOptions()) {
        self.options = options
    }

    /// A receiver clock the fix estimates: one per time system (QZSS and SBAS share GPS time's), BeiDou's split
    /// between its second-generation satellites (C01–C18) and its third (C19 on), whose code biases in a receiver
    /// differ by metres (ESBC's Septentrio, B1I/B3I: 4 m) that one clock would spread over the position.
    struct ReceiverClock: Hashable, Comparable {
        var system: GNSSSystem
        var beidou3 = false

        init(_ satellite: SatelliteID) {
            switch satellite.system {
            case .qzss, .sbas: system = .gps
            case .beidou:
                system = .beidou
                beidou3 = satellite.prn >= 19
            default: system = satellite.system
            }
        }

        static func < (a: Self, b: Self) -> Bool {
            a.system != b.system ? a.system.rawValue < b.system.rawValue : !a.beidou3 && b.beidou3
        }
    }

    /// Solves one epoch. Never traps: thin or bad input gives `quality == .none` with a note. With `corrections`, the
    /// GNSS satellites' states are the SSR-corrected ones (a satellite they cannot serve is left out).
    public func solve(epoch: ObservationEpoch, ephemerides: EphemerisStore,
                      klobuchar: KlobucharCoefficients? = nil, initial: ECEF? = nil, corrections: SSRCorrections? = nil) -> Solution {
        solveKeepingStates(epoch: epoch, ephemerides: ephemerides, klobuchar: klobuchar, initial: initial, corrections: corrections).solution
    }

    /// The solution, and the satellite states at transmission it was computed with (for filters that need them
    /// at the same receiver and epoch).
    func solveKeepingStates(epoch: ObservationEpoch, ephemerides: EphemerisStore, klobuchar: KlobucharCoefficients?,
                            initial: ECEF?, corrections: SSRCorrections? = nil) -> (solution: Solution, prepared: [PreparedMeasurement]) {
        var noEphemeris = 0
        var prepared: [PreparedMeasurement] = []
        // The epoch's satellites in order; the prepared ones wait for the fix's verdict as `noSolution`.
        var report: [SatelliteUse] = []
        report.reserveCapacity(epoch.satellites.count)
        for obs in epoch.satellites {
            guard options.systems.contains(obs.satellite.system) else {
                report.append(.unused(obs.satellite, .systemNotSelected))
                continue
            }
            switch prepare(obs, at: epoch.time, ephemerides: ephemerides, corrections: corrections) {
            case .some(let m):
                prepared.append(m)
                report.append(.unused(obs.satellite, .noSolution))
            case .none:
                let reason = unprepared(obs, at: epoch.time, ephemerides: ephemerides, corrections: corrections)
                if reason == .noEphemeris || reason == .unhealthy { noEphemeris += 1 }
                report.append(.unused(obs.satellite, reason))
            }
        }
        var failed = Solution(time: epoch.time, position: .zero, quality: .none, satellites: 0)
        failed.satelliteReport = report
        guard prepared.count >= 4 else {
            var s = failed
            s.note = "\(prepared.count) usable satellites (\(noEphemeris) without ephemeris)"
            return (s, prepared)
        }
        var fix = estimate(prepared, time: epoch.time, klobuchar: klobuchar, initial: initial)
        if options.raim, case .failure(let reason) = fix.validation, prepared.count >= 6 {
            // Try every single exclusion; keep the one with the smallest residual that validates.
            var best: (Fix, SatelliteID)?
            for (i, m) in prepared.enumerated() {
                var subset = prepared
                subset.remove(at: i)
                let f = estimate(subset, time: epoch.time, klobuchar: klobuchar, initial: fix.position)
                guard case .valid = f.validation else { continue }
                if f.normalisedResidual < (best?.0.normalisedResidual ?? .infinity) { best = (f, m.satellite) }
            }
            if let (f, sat) = best {
                fix = f
                fix.excluded.append(sat)
            } else {
                fix.note = reason
            }
        }
        guard case .valid = fix.validation, let position = fix.position else {
            var s = failed
            s.note = (fix.note ?? fix.validation.reason ?? "no solution")
                + (noEphemeris > 0 ? "; the others have no ephemeris yet" : "")
            Self.record(fix, valid: false, in: &s.satelliteReport)
            return (s, prepared)
        }
        var solution = Solution(time: epoch.time, position: position, covariance: fix.covariance, velocity: fix.velocity,
                                quality: .single, satellites: fix.used, clockBiases: fix.clocks, dop: fix.dop,
                                excluded: fix.excluded, note: fix.note)
        solution.satelliteReport = report
        Self.record(fix, valid: true, in: &solution.satelliteReport)
        return (solution, prepared)
    }

    /// Writes a fix's verdict into the epoch's report, whose prepared satellites wait as `noSolution`: the ones the
    /// fault exclusion left out are outliers, those below the mask say so and, when the fix is valid, the others are
    /// used with their residuals. Both lists are in the epoch's order, so one pass walks them together.
    static func record(_ fix: Fix, valid: Bool, in report: inout [SatelliteUse]) {
        var k = 0
        for i in report.indices where report[i].reason == .noSolution {
            let satellite = report[i].satellite
            if fix.excluded.contains(satellite) {
                report[i].reason = .outlier
                continue
            }
            // A measurement the last iteration could not range (none in practice) has no outcome and stays unsolved.
            var j = k
            while j < fix.outcomes.count && fix.outcomes[j].satellite != satellite { j += 1 }
            guard j < fix.outcomes.count else { continue }
            let outcome = fix.outcomes[j]
            k = j + 1
            if let residual = outcome.residual {
                if valid {
                    report[i].reason = nil
                    report[i].codeResidual = residual
                    report[i].codeSigma = outcome.sigma
                }
            } else {
                report[i].reason = .belowMask
            }
        }
    }

    /// Why `prepare` gave no measurement for a satellite (called only when it gave none).
    func unprepared(_ obs: SatelliteObservation, at time: GNSSTime, ephemerides: EphemerisStore,
                    corrections: SSRCorrections?) -> SatelliteUnusedReason {
        let sys = obs.satellite.system
        guard let p1 = SignalSelection.firstCode(obs, SignalSelection.primary(sys)), p1.pseudorange != nil,
              CarrierFrequency.of(system: sys, band: p1.signal.band,
                                  glonassChannel: obs.glonassChannel ?? ephemerides.glonassChannel(obs.satellite)) != nil
        else { return .missingSignal }
        guard ephemerides.select(obs.satellite, at: time) != nil else {
            return ephemerides.select(obs.satellite, at: time, requireHealthy: false) != nil ? .unhealthy : .noEphemeris
        }
        return corrections != nil && sys != .leo ? .noSSR : .noEphemeris
    }

    // MARK: - Preparation

    func prepare(_ obs: SatelliteObservation, at time: GNSSTime, ephemerides: EphemerisStore,
                 corrections: SSRCorrections? = nil) -> PreparedMeasurement? {
        let sys = obs.satellite.system
        guard let p1 = SignalSelection.firstCode(obs, SignalSelection.primary(sys)) else { return nil }
        let channel = obs.glonassChannel ?? ephemerides.glonassChannel(obs.satellite)
        guard let f1 = CarrierFrequency.of(system: sys, band: p1.signal.band, glonassChannel: channel),
              let range1 = p1.pseudorange else { return nil }
        var pseudorange = range1
        var ionoFree = false
        // The ephemeris in force at the epoch's time, as every receiver of the epoch selects it: at a Galileo or
        // BeiDou issue boundary the transmission time can fall on the other side, and a base and a rover that
        // differenced states from different issues would keep their centimetres of disagreement.
        guard let eph = ephemerides.select(obs.satellite, at: time),
              var state = SatelliteGeometry.atTransmission(eph, receivedAt: time, pseudorange: range1) else { return nil }
        // SSR: the corrected state at the same transmission time; its clock, like precise clocks, refers to the
        // ionosphere-free pair, its accuracy is the stream's URA (a decimetre where it gives none).
        var accuracyVariance = eph.accuracyVariance
        if let corrections, sys != .leo {
            let tx = SatelliteGeometry.transmissionTime(eph, receivedAt: time, pseudorange: range1)
            guard let corrected = try? corrections.state(obs.satellite, at: tx, ephemerides: ephemerides).get() else { return nil }
            state = corrected
            let sigma = corrections.accuracy(obs.satellite) ?? 0.1
            accuracyVariance = sigma * sigma
        }

        if options.ionosphere == .ionosphereFree,
           let p2 = SignalSelection.firstCode(obs, SignalSelection.secondary(sys)), let range2 = p2.pseudorange,
           let f2 = CarrierFrequency.of(system: sys, band: p2.signal.band, glonassChannel: channel) {
            let g = (f1 * f1) / (f2 * f2)
            pseudorange = (g * range1 - range2) / (g - 1)
            ionoFree = true
            // Broadcast clocks of GPS/QZSS/Galileo refer to the L1/L2, E1/E5 iono-free pair;
            // BeiDou's refer to B3I: each signal's group delay (TGD1 on B1I, TGD2 on B2I, none on B3I) carried
            // into the combination, as receivers tracking B1I and B2I (not B3I) need as much as B1I/B3I ones.
            if sys == .beidou {
                let d1 = Constants.speedOfLight * eph.singleFrequencyGroupDelay(band: p1.signal.band, frequency: f1)
                let d2 = Constants.speedOfLight * eph.singleFrequencyGroupDelay(band: p2.signal.band, frequency: f2)
                pseudorange -= (g * d1 - d2) / (g - 1)
            }
        } else {
            pseudorange -= Constants.speedOfLight * eph.singleFrequencyGroupDelay(band: p1.signal.band, frequency: f1)
        }
        return PreparedMeasurement(satellite: obs.satellite, state: state, transmissionRange: range1, pseudorange: pseudorange,
                                   frequency: f1, ionosphereFree: ionoFree,
                                   accuracyVariance: accuracyVariance, doppler: p1.doppler)
    }

    // MARK: - Estimation

    enum Validation {
        case valid
        case failure(String)
        var reason: String? {
            if case .failure(let r) = self { return r }
            return nil
        }
    }

    struct Fix {
        var position: ECEF?
        var covariance: [Double] = [0, 0, 0, 0, 0, 0]
        var velocity: ECEF?
        var clocks: [GNSSSystem: Double] = [:]
        var dop: DilutionOfPrecision?
        var used = 0
        var normalisedResidual = Double.infinity
        var validation: Validation = .failure("not computed")
        var excluded: [SatelliteID] = []
        var note: String?
        /// Each measurement of the last iteration in the order given: its post-fit residual and the standard
        /// deviation it was weighted with, or a nil residual when it was below the mask.
        var outcomes: [(satellite: SatelliteID, residual: Double?, sigma: Double)] = []
    }

    func estimate(_ ms: [PreparedMeasurement], time: GNSSTime, klobuchar: KlobucharCoefficients?, initial: ECEF?) -> Fix {
        let groups = Array(Set(ms.map { ReceiverClock($0.satellite) })).sorted()
        let nx = 3 + groups.count
        var x = [Double](repeating: 0, count: nx)
        if let initial { x[0] = initial.x; x[1] = initial.y; x[2] = initial.z }
        var fix = Fix()
        for iteration in 0..<12 {
            let receiver = ECEF(x[0], x[1], x[2])
            let haveLocation = receiver.norm > 6.0e6
            let frame = LocalFrame(origin: receiver)
            let geo = frame.geodetic
            // Each row of the design matrix: minus the unit vector to the satellite, 1 in its receiver clock's column.
            var rows: [(unit: ECEF, clock: Int, residual: Double, weight: Double, m: PreparedMeasurement, el: Double, az: Double)] = []
            var belowMask: [SatelliteID] = []
            for m in ms {
                let (range, unit) = Self.geometricRange(satellite: m.state.position, receiver: receiver)
                guard range > 0 else { continue }
                var el = Double.pi / 2, az = 0.0
                if haveLocation {
                    let enu = frame.enu(m.state.position)
                    (az, el) = enu.azimuthElevation
                    if el < options.elevationMask {
                        belowMask.append(m.satellite)
                        continue
                    }
                }
                var iono = 0.0, ionoVar = 0.0, trop = 0.0, tropVar = 0.0
                if haveLocation {
                    if !m.ionosphereFree && options.ionosphere != .off {
                        let k = klobuchar ?? .fallback
                        let l1 = k.delayL1(time: time, receiver: geo, azimuth: az, elevation: el)
                        iono = l1 * pow(CarrierFrequency.gpsL1 / m.frequency, 2)
                        ionoVar = pow(0.5 * iono, 2)
                    }
                    if options.troposphere {
                        trop = Troposphere.saastamoinen(receiver: geo, elevation: el)
                        tropVar = pow(0.3 / (sin(el) + 0.1), 2)
                    }
                }
                let group = ReceiverClock(m.satellite)
                guard let gi = groups.firstIndex(of: group) else { continue }
                let model = range + x[3 + gi] - Constants.speedOfLight * m.state.clockBias + iono + trop
                let sinEl = max(sin(el), 0.1)
                let factor: Double = m.satellite.system == .glonass ? 1.5 : (m.satellite.system == .sbas ? 3 : 1)
                var variance = factor * factor * (0.09 + 0.09 / sinEl)
                if m.ionosphereFree { variance *= 9 }
                variance += m.accuracyVariance + ionoVar + tropVar + 0.09
                rows.append((unit, gi, m.pseudorange - model, 1 / variance, m, el, az))
            }
            // Systems with no measurement left after the mask would make the geometry singular: drop their columns.
            let activeColumns = (0..<nx).filter { c in c < 3 || rows.contains { $0.clock == c - 3 } }
            guard rows.count >= activeColumns.count else {
                let clocks = activeColumns.count - 3
                fix.validation = .failure("\(rows.count) satellites above the mask for \(activeColumns.count) unknowns"
                                          + (clocks > 1 ? ", \(clocks) receiver clocks" : ""))
                fix.outcomes = belowMask.map { ($0, nil, 0) }
                return fix
            }
            var h = Matrix(rows: rows.count, columns: activeColumns.count)
            for (i, r) in rows.enumerated() {
                h[i, 0] = -r.unit.x; h[i, 1] = -r.unit.y; h[i, 2] = -r.unit.z
                if let j = activeColumns.firstIndex(of: 3 + r.clock) { h[i, j] = 1 }
            }
            guard let (dx, q) = weightedLeastSquares(design: h, observations: rows.map(\.residual), weights: rows.map(\.weight)) else {
                fix.validation = .failure("singular geometry")
                return fix
            }
            for (j, c) in activeColumns.enumerated() { x[c] += dx[j] }
            let step = (dx[0] * dx[0] + dx[1] * dx[1] + dx[2] * dx[2]).squareRoot()
            if step < 1e-4 && iteration > 0 {
                fix.position = ECEF(x[0], x[1], x[2])
                fix.covariance = [q[0, 0], q[1, 1], q[2, 2], q[0, 1], q[1, 2], q[0, 2]]
                for c in activeColumns where c >= 3 {
                    fix.clocks[groups[c - 3].system] = x[c] / Constants.speedOfLight
                }
                fix.used = rows.count
                // Weighted sum of squared residuals after the last update.
                var ssr = 0.0
                fix.outcomes.reserveCapacity(ms.count)
                var row = 0, below = 0
                for m in ms {
                    if row < rows.count && rows[row].m.satellite == m.satellite {
                        let r = rows[row]
                        var predicted = 0.0
                        for j in 0..<activeColumns.count { predicted += h[row, j] * dx[j] }
                        let residual = r.residual - predicted
                        ssr += pow(residual, 2) * r.weight
                        fix.outcomes.append((m.satellite, residual, (1 / r.weight).squareRoot()))
                        row += 1
                    } else if below < belowMask.count && belowMask[below] == m.satellite {
                        fix.outcomes.append((m.satellite, nil, 0))
                        below += 1
                    }
                }
                fix.normalisedResidual = ssr
                fix.dop = Self.dop(rows.map { ($0.el, $0.az) }, clocks: activeColumns.count - 3)
                fix.validation = validate(ssr: ssr, observations: rows.count, unknowns: activeColumns.count, gdop: fix.dop?.geometric)
                fix.velocity = velocity(rows.map(\.m), receiver: ECEF(x[0], x[1], x[2]))
                return fix
            }
        }
        fix.validation = .failure("did not converge")
        return fix
    }

    func validate(ssr: Double, observations n: Int, unknowns nx: Int, gdop: Double?) -> Validation {
        func fixed(_ v: Double, _ decimals: Int) -> String { FixedPointText.string(v, decimals: decimals) }
        if let gdop, gdop > options.maxGDOP { return .failure("GDOP \(fixed(gdop, 1)) above \(fixed(options.maxGDOP, 0))") }
        let dof = n - nx
        if dof > 0 && ssr > ChiSquare.quantile999(dof) {
            return .failure("residual test failed (χ² \(fixed(ssr, 1)) > \(fixed(ChiSquare.quantile999(dof), 1)), \(dof) dof)")
        }
        return .valid
    }

    /// Geometric range with the Earth-rotation (Sagnac) correction, and the receiver-to-satellite unit vector.
    package static func geometricRange(satellite rs: ECEF, receiver rr: ECEF) -> (Double, ECEF) {
        let d = rs - rr
        let r = d.norm
        guard r > 0 else { return (0, .zero) }
        let sagnac = Constants.earthRotationGPS * (rs.x * rr.y - rs.y * rr.x) / Constants.speedOfLight
        return (r + sagnac, (1 / r) * d)
    }

    static func dop(_ azel: [(el: Double, az: Double)], clocks: Int) -> DilutionOfPrecision? {
        let n = 3 + max(clocks, 1)
        var g = Matrix(rows: azel.count, columns: n)
        for (i, a) in azel.enumerated() {
            g[i, 0] = cos(a.el) * sin(a.az); g[i, 1] = cos(a.el) * cos(a.az); g[i, 2] = sin(a.el); g[i, 3] = 1
        }
        guard let q = (g.transposed * g).inverse() else { return nil }
        let h = q[0, 0] + q[1, 1]
        var trace = 0.0
        for i in 0..<4 { trace += q[i, i] }
        return DilutionOfPrecision(geometric: trace.squareRoot(), position: (h + q[2, 2]).squareRoot(),
                                   horizontal: h.squareRoot(), vertical: q[2, 2].squareRoot())
    }

    /// Receiver velocity from Doppler, where enough satellites report it.
    func velocity(_ ms: [PreparedMeasurement], receiver: ECEF) -> ECEF? {
        var rows: [[Double]] = [], y: [Double] = []
        for m in ms {
            guard let d = m.doppler else { continue }
            let lambda = Constants.speedOfLight / m.frequency
            let (_, e) = Self.geometricRange(satellite: m.state.position, receiver: receiver)
            let vs = m.state.velocity
            let sagnacRate = Constants.earthRotationGPS / Constants.speedOfLight * (vs.y * receiver.x - vs.x * receiver.y)
            let observedRate = -lambda * d
            let modelWithoutReceiver = e.dot(vs) + sagnacRate - Constants.speedOfLight * m.state.clockDrift
            rows.append([-e.x, -e.y, -e.z, 1])
            y.append(observedRate - modelWithoutReceiver)
        }
        guard rows.count >= 5, let (v, _) = weightedLeastSquares(design: Matrix(rows), observations: y,
                                                                 weights: [Double](repeating: 1, count: y.count)) else { return nil }
        return ECEF(v[0], v[1], v[2])
    }
}

extension Ephemeris {
    /// Group delay (s) a single-frequency user removes on `band` for this ephemeris' clock reference.
    func singleFrequencyGroupDelay(band: UInt8, frequency: Double) -> Double {
        switch self {
        case .kepler(let k):
            let d = k.groupDelays
            switch k.satellite.system {
            case .gps, .qzss, .navic:
                let tgd = d.first ?? 0
                // TGD refers to L1; on L2 it scales by (f1/f2)².
                return band == 1 ? tgd : tgd * pow(CarrierFrequency.gpsL1 / frequency, 2)
            case .galileo:
                // BGD(E1,E5a) for F/NAV clocks, BGD(E1,E5b) for I/NAV clocks, on E1.
                let bgd = k.message == .fnav ? (d.first ?? 0) : (d.count > 1 ? d[1] : d.first ?? 0)
                return band == 1 ? bgd : bgd * pow(CarrierFrequency.gpsL1 / frequency, 2)
            case .beidou:
                // Clocks refer to B3I: TGD1 applies on B1I, TGD2 on B2I.
                if band == 2 { return d.first ?? 0 }
                if band == 7 { return d.count > 1 ? d[1] : 0 }
                return 0
            default:
                return 0
            }
        case .glonass, .sbas:
            // GLONASS broadcast clocks refer to G1 already; SBAS broadcasts no group delay.
            return 0
        }
    }

    /// URA (m) by index, IS-GPS-200 table 20-I.
    private static let userRangeAccuracy: [Double] = [2.4, 3.4, 4.85, 6.85, 9.65, 13.65, 24, 48, 96, 192, 384, 768, 1536, 3072, 6144]

    /// Variance (m²) of the broadcast orbit and clock from the accuracy index.
    var accuracyVariance: Double {
        switch self {
        case .kepler(let k):
            if k.satellite.system == .galileo { return 4 }   // SISA is in different units; treat as nominal
            let i = k.accuracyIndex, ura = Self.userRangeAccuracy
            return i >= 0 && i < ura.count ? ura[i] * ura[i] : 6144 * 6144
        case .glonass: return 25
        case .sbas: return 100
        }
    }
}

extension EphemerisStore {
    /// GLONASS frequency channel of a satellite from its latest ephemeris.
    public func glonassChannel(_ satellite: SatelliteID) -> Int? {
        guard satellite.system == .glonass else { return nil }
        for e in all(for: satellite).reversed() {
            if case .glonass(let g) = e { return g.frequencyChannel }
        }
        return nil
    }
}

/// Chi-square quantiles for the residual test.
enum ChiSquare {
    /// 99.9 % quantile by the Wilson–Hilferty approximation (within ~1 % for dof ≥ 2).
    static func quantile999(_ dof: Int) -> Double {
        let k = Double(max(dof, 1))
        if dof == 1 { return 10.828 }
        let z = 3.090_232
        let a = 2 / (9 * k)
        return k * pow(1 - a + z * a.squareRoot(), 3)
    }
}
