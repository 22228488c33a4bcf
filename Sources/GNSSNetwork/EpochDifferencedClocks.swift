import Foundation
import GNSSCore
import GNSSOrbits
import GNSSPositioning

/// The satellites' clock corrections between the network filter's updates, second by second, from the change of
/// each station's ionosphere-free phase since its previous epoch.
///
/// The full filter carries every station's ambiguities, so an update costs the square of its states (two seconds at
/// a hundred stations); a satellite clock, though, moves by centimetres within the 30 s between updates. Differenced
/// between consecutive epochs, the phase loses its ambiguity, and what is left of it, once the known geometry (the
/// filter's corrected orbits, the stations' known positions, the troposphere) is taken out, is the change of the
/// receiver's clock less the change of the satellite's. A least-squares solution of those changes over the network
/// (each station's clock eliminated on its own, the satellites' changes holding a mean of zero per system, as the
/// filter's clock datum does) costs next to nothing and gives what SSR's high-rate clock messages carry: each
/// satellite's clock correction's change since the filter's last update.
///
/// A satellite is followed from the filter's update to the next; one whose reference ephemeris has changed since, or
/// whose phase slipped at too many stations, is left out until then. A difference over a slip (loss of lock, or a
/// residual beyond `outlierLimit`) is left out, one at a time.
public struct EpochDifferencedClocks: Sendable {
    public struct Options: Sendable {
        /// The longest gap between two epochs a difference spans, seconds.
        public var maximumInterval = 5.0
        /// σ of an epoch-differenced ionosphere-free phase at zenith, m.
        public var phaseSigma = 0.006
        /// A difference is left out (a slip) beyond this many σ.
        public var outlierLimit = 5.0
        /// Stations a satellite's change needs.
        public var minimumStations = 2

        public init() {}
    }

    /// One epoch's solution: per satellite, its clock correction's change since the filter's update (m), and what
    /// went into it.
    public struct Epoch: Sendable {
        public var time: GNSSTime
        public var changes: [SatelliteID: Double] = [:]
        public var differences = 0
        public var rejected = 0
        /// RMS of the post-fit residuals of the differences, m.
        public var residualRMS = 0.0
    }

    public var options: Options
    /// The filter's update the changes run from: its time, and each satellite's reference ephemeris and orbit correction.
    private var base: (time: GNSSTime, satellites: [SatelliteID: SatelliteEstimate])?
    /// Each station and satellite's phase less its modelled range and clock at the previous epoch.
    private var previous: [Int: (time: GNSSTime, reduced: [SatelliteID: Double])] = [:]
    /// The changes summed since the update, and the satellites solved at every epoch since (a change missed is
    /// missed for good: the others' sums hold, that satellite's does not).
    private var accumulated: [SatelliteID: Double] = [:]
    private var unbroken: Set<SatelliteID>?

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Starts again from a filter update at `time`: its estimates are what the following epochs' ranges use. The
    /// update's own epoch is to be processed next: it records the phases the next epoch is differenced against.
    public mutating func restart(at time: GNSSTime, estimates: [SatelliteEstimate]) {
        base = (time, Dictionary(uniqueKeysWithValues: estimates.map { ($0.satellite, $0) }))
        accumulated = [:]
        unbroken = nil
        previous = [:]
    }

    /// One epoch of the stations' observations (by the filter's station index).
    public mutating func process(time: GNSSTime, observations: [Int: ObservationEpoch], stations: [NetworkStation]) -> Epoch {
        var out = Epoch(time: time)
        guard let base else { return out }
        // The differences, per station and system group: (satellite, difference, weight).
        var groups: [[(satellite: SatelliteID, value: Double, weight: Double)]] = []
        for (station, epoch) in observations.sorted(by: { $0.key < $1.key }) where stations.indices.contains(station) {
            let reduced = Self.reduced(epoch, at: stations[station].position, satellites: base.satellites, since: base.time)
            defer { previous[station] = (time, reduced.mapValues(\.value)) }
            guard let before = previous[station], time - before.time > 0, time - before.time <= options.maximumInterval else { continue }
            var bySystem: [GNSSSystem: [(satellite: SatelliteID, value: Double, weight: Double)]] = [:]
            for (sat, now) in reduced where !now.slipped {
                guard let then = before.reduced[sat] else { continue }
                let s = max(sin(now.elevation), 0.1)
                bySystem[sat.system, default: []].append((sat, now.value - then, s * s / (1 + s * s)))
            }
            for (_, group) in bySystem.sorted(by: { $0.key < $1.key }) where group.count >= 2 { groups.append(group) }
        }
        guard let (changes, rms, used, rejected) = solve(groups) else { return out }
        for (sat, change) in changes { accumulated[sat, default: 0] += change }
        let solved = Set(changes.keys)
        unbroken = unbroken.map { $0.intersection(solved) } ?? solved
        out.changes = accumulated.filter { unbroken?.contains($0.key) == true }
        out.differences = used
        out.rejected = rejected
        out.residualRMS = rms
        return out
    }

    /// Each satellite's ionosphere-free phase less its range from the corrected orbit (the update's correction moved
    /// on by its rate, as users apply it), the troposphere and its broadcast clock (m), with its elevation and whether
    /// the phase lost lock.
    static func reduced(_ epoch: ObservationEpoch, at position: ECEF, satellites: [SatelliteID: SatelliteEstimate], since update: GNSSTime)
        -> [SatelliteID: (value: Double, elevation: Double, slipped: Bool)] {
        let c = Constants.speedOfLight
        let frame = LocalFrame(origin: position)
        let zenith = Troposphere.saastamoinenZenith(receiver: frame.geodetic)
        let mapping = NiellMapping.coefficients(receiver: frame.geodetic, time: epoch.time)
        var out: [SatelliteID: (value: Double, elevation: Double, slipped: Bool)] = [:]
        for obs in epoch.satellites {
            guard let estimate = satellites[obs.satellite] else { continue }
            let eph = estimate.ephemeris, orbit = estimate.orbit.moved(by: estimate.orbitRate, over: epoch.time - update)
            let (firstCodes, secondCodes) = PPPFilter.signalPair(obs.satellite.system)
            guard let s1 = PPPFilter.firstWithPhase(obs, firstCodes), let s2 = PPPFilter.firstWithPhase(obs, secondCodes),
                  let f1 = CarrierFrequency.of(system: obs.satellite.system, band: s1.signal.band, glonassChannel: obs.glonassChannel),
                  let f2 = CarrierFrequency.of(system: obs.satellite.system, band: s2.signal.band, glonassChannel: obs.glonassChannel),
                  let l1 = s1.carrierPhase, let l2 = s2.carrierPhase, let code = s1.pseudorange else { continue }
            let g1 = f1 * f1 / (f1 * f1 - f2 * f2), g2 = -f2 * f2 / (f1 * f1 - f2 * f2)
            let phase = g1 * l1 * c / f1 + g2 * l2 * c / f2
            var tx = epoch.time - code / c
            tx = tx - eph.clockBias(at: tx)
            let state = eph.state(at: tx)
            guard let axes = RadialAlongCross.axes(position: state.position, velocity: state.velocity) else { continue }
            let satellite = state.position + orbit.radial * axes.radial + orbit.along * axes.along + orbit.cross * axes.cross
            let (range, _) = SinglePointPositioner.geometricRange(satellite: satellite, receiver: position)
            let elevation = frame.enu(satellite).azimuthElevation.elevation
            guard elevation > 0 else { continue }
            let (mh, mw) = NiellMapping.factors(mapping, elevation: elevation)
            let troposphere = mh * zenith.hydrostatic + mw * zenith.wet
            let clock = c * SSRCorrections.broadcastClock(eph, state: state, at: tx)
            out[obs.satellite] = (phase - range - troposphere + clock, elevation, (s1.lli & 1) != 0 || (s2.lli & 1) != 0)
        }
        return out
    }

    /// Least squares over the groups (each a station's satellites of one system, sharing the station's clock change):
    /// the satellites' clock correction changes, the post-fit RMS, the differences used and those left out.
    private func solve(_ input: [[(satellite: SatelliteID, value: Double, weight: Double)]])
        -> (changes: [SatelliteID: Double], rms: Double, used: Int, rejected: Int)? {
        var groups = input
        var rejected = 0
        while true {
            // Satellites seen at enough stations, numbered.
            var stationsOf: [SatelliteID: Int] = [:]
            for g in groups { for m in g { stationsOf[m.satellite, default: 0] += 1 } }
            let satellites = stationsOf.filter { $0.value >= options.minimumStations }.keys.sorted()
            guard !satellites.isEmpty else { return nil }
            let column = Dictionary(uniqueKeysWithValues: satellites.enumerated().map { ($0.element, $0.offset) })
            let n = satellites.count
            // Difference = receiver change − satellite change: with u = −(satellite change) and each group's receiver
            // change eliminated, the normal equations are diag(w) − w wᵀ/Σw per group.
            var normal = Matrix(rows: n, columns: n)
            var rhs = [Double](repeating: 0, count: n)
            for g in groups {
                let members = g.filter { column[$0.satellite] != nil }
                guard members.count >= 2 else { continue }
                let total = members.reduce(0) { $0 + $1.weight }
                let weightedMean = members.reduce(0) { $0 + $1.weight * $1.value } / total
                for a in members {
                    let i = column[a.satellite]!
                    normal[i, i] += a.weight
                    rhs[i] += a.weight * (a.value - weightedMean)
                    for b in members { normal[i, column[b.satellite]!] -= a.weight * b.weight / total }
                }
            }
            // The datum: per system, the satellites' changes sum to zero.
            for system in Set(satellites.map(\.system)) {
                let members = satellites.filter { $0.system == system }.map { column[$0]! }
                for i in members { for j in members { normal[i, j] += 1 } }
            }
            guard let l = normal.cholesky() else { return nil }
            var b = Matrix(rows: n, columns: 1)
            b.storage = rhs
            let y = l.lowerTriangularSolve(b).storage
            // Back substitution with Lᵀ.
            var u = [Double](repeating: 0, count: n)
            for i in stride(from: n - 1, through: 0, by: -1) {
                var sum = y[i]
                for k in (i + 1)..<n { sum -= l[k, i] * u[k] }
                u[i] = sum / l[i, i]
            }
            // Residuals; the worst beyond the limit is left out and the solution made again.
            var worst: (ratio: Double, group: Int, member: Int)?
            var sum = 0.0, count = 0
            for (gi, g) in groups.enumerated() {
                let members = g.indices.filter { column[g[$0].satellite] != nil }
                guard members.count >= 2 else { continue }
                let total = members.reduce(0) { $0 + g[$1].weight }
                let receiver = members.reduce(0) { $0 + g[$1].weight * (g[$1].value - u[column[g[$1].satellite]!]) } / total
                for k in members {
                    let residual = g[k].value - u[column[g[k].satellite]!] - receiver
                    sum += residual * residual
                    count += 1
                    let ratio = abs(residual) * g[k].weight.squareRoot() / options.phaseSigma
                    if ratio > options.outlierLimit, ratio > (worst?.ratio ?? 0) { worst = (ratio, gi, k) }
                }
            }
            if let worst, rejected < 50 {
                groups[worst.group].remove(at: worst.member)
                rejected += 1
                continue
            }
            var changes: [SatelliteID: Double] = [:]
            for sat in satellites { changes[sat] = -u[column[sat]!] }
            return (changes, count > 0 ? (sum / Double(count)).squareRoot() : 0, count, rejected)
        }
    }
}
