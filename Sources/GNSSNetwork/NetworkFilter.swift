import Foundation
import GNSSCore
import GNSSOrbits
import GNSSPositioning
import GNSSProducts

/// Real-time estimation of the GNSS satellites' clock and orbit corrections from
/// a network of reference stations at known positions.
///
/// An extended Kalman filter on the undifferenced ionosphere-free code and phase
/// of every station, epoch by epoch. It estimates per station a zenith wet delay
/// (random walk) and a receiver clock per system (white noise); per satellite a
/// clock correction against the broadcast clock (white noise) and, optionally, an
/// orbit correction against the broadcast orbit in its radial, along-track and
/// cross-track frame (random walk); and a float ambiguity per station and
/// satellite. The clock datum is the broadcast clocks' ensemble: per system the
/// mean correction of the satellites in view is held at zero.
///
/// A correction is "true minus broadcast": the satellite is at the broadcast
/// position plus the orbit correction (in the frame of the broadcast orbit the
/// satellite's reference ephemeris gives), and its clock, with the relativistic
/// term, is the broadcast clock plus the clock correction (metres). SSR states
/// orbit corrections with the opposite sign (`NetworkCorrections`).
public struct NetworkFilter: Sendable {
    public private(set) var stations: [NetworkStation]
    public var options: NetworkOptions

    private enum Key: Hashable {
        case troposphere(Int)
        case receiverClock(Int, GNSSSystem)
        case satelliteClock(SatelliteID)
        case orbit(SatelliteID, Int)
        case orbitRate(SatelliteID, Int)
        case ambiguity(Int, SatelliteID)
    }

    private struct TrackKey: Hashable {
        var station: Int
        var satellite: SatelliteID
    }

    /// What a station-satellite pair carries from epoch to epoch: the slip monitors and the wind-up.
    private struct Track {
        var lastSeen: GNSSTime
        var wideLane: Double
        var count: Double
        var geometryFree: Double
        var windUp: Double?
    }

    private struct Measurement {
        var station: Int
        var satellite: SatelliteID
        var code: Double
        var phase: Double
        var wavelength: Double
        var slip: Bool
        /// Satellite position at transmission and its velocity (broadcast), its clock (m, relativistic term included).
        var position: ECEF
        var velocity: ECEF
        var clock: Double
    }

    private var keys: [Key] = []
    private var index: [Key: Int] = [:]
    private var x: [Double] = []
    private var p = Matrix(rows: 0, columns: 0)
    private var tracks: [TrackKey: Track] = [:]
    private var satelliteLastSeen: [SatelliteID: GNSSTime] = [:]
    /// The broadcast ephemeris each satellite's corrections refer to.
    private var references: [SatelliteID: Ephemeris] = [:]
    private var lastTime: GNSSTime?
    /// The stations' local frames.
    private var frames: [LocalFrame]

    public init(stations: [NetworkStation] = [], options: NetworkOptions = NetworkOptions()) {
        self.stations = stations
        self.options = options
        frames = stations.map { LocalFrame(origin: $0.position) }
    }

    /// Adds a station; its index names it in `process`.
    public mutating func add(_ station: NetworkStation) -> Int {
        stations.append(station)
        frames.append(LocalFrame(origin: station.position))
        return stations.count - 1
    }

    /// Moves a station to a new known position (its states are kept: a re-surveyed monument, not a new station).
    public mutating func move(station i: Int, to position: ECEF) {
        guard stations.indices.contains(i) else { return }
        stations[i].position = position
        frames[i] = LocalFrame(origin: position)
    }

    // MARK: - Epoch

    /// Processes one epoch: `observations` by station index (stations without data this epoch left out), with the
    /// broadcast ephemerides known by then.
    public mutating func process(time: GNSSTime, observations: [Int: ObservationEpoch], ephemerides: EphemerisStore) -> NetworkEpoch {
        var summary = NetworkEpoch(time: time)
        var measurements: [Measurement] = []
        let sorted = observations.sorted { $0.key < $1.key }
        for (station, epoch) in sorted where stations.indices.contains(station) {
            let before = measurements.count
            prepare(station: station, epoch: epoch, ephemerides: ephemerides, into: &measurements)
            if measurements.count > before { summary.stations += 1 }
        }
        timeUpdate(time: time, measurements: measurements)
        var used = measurements
        for _ in 0...options.maximumRejections {
            let outcome = measurementUpdate(used, time: time, mayReject: summary.rejected < options.maximumRejections)
            summary.residuals = outcome.residuals
            guard let worst = outcome.reject else { break }
            used.remove(at: worst)
            summary.rejected += 1
        }
        for m in used {
            tracks[TrackKey(station: m.station, satellite: m.satellite)]?.lastSeen = time
            satelliteLastSeen[m.satellite] = time
        }
        summary.measurements = used.count
        summary.satellites = Set(used.map(\.satellite)).count
        return summary
    }

    /// The current corrections of every satellite the filter holds.
    public var estimates: [SatelliteEstimate] {
        references.keys.sorted().compactMap { sat -> SatelliteEstimate? in
            guard let eph = references[sat], let ci = index[.satelliteClock(sat)], let seen = satelliteLastSeen[sat] else { return nil }
            var orbit = RadialAlongCross.zero, orbitSigma = 0.0
            var rangeVariance = p[ci, ci]
            if let r = index[.orbit(sat, 0)] {
                orbit = RadialAlongCross(radial: x[r], along: x[r + 1], cross: x[r + 2])
                orbitSigma = (p[r, r] + p[r + 1, r + 1] + p[r + 2, r + 2]).squareRoot()
                // A user's range moves with the radial correction less the clock's (they are estimated together and
                // strongly correlated), and with a fraction of the along- and cross-track ones (1/49 of their
                // variance, as a GNSS orbit's range error counts them).
                rangeVariance += p[r, r] - 2 * p[r, ci] + (p[r + 1, r + 1] + p[r + 2, r + 2]) / 49
            }
            var estimate = SatelliteEstimate(satellite: sat, time: seen, ephemeris: eph, orbit: orbit, clock: x[ci], orbitSigma: orbitSigma,
                                             clockSigma: p[ci, ci].squareRoot(), rangeSigma: max(rangeVariance, 0).squareRoot())
            if let rates = orbitStates(sat, rate: true) {
                estimate.orbitRate = RadialAlongCross(radial: x[rates[0]], along: x[rates[1]], cross: x[rates[2]])
            }
            return estimate
        }
    }

    /// The number of states the filter carries.
    public var stateCount: Int { x.count }

    // MARK: - Measurements

    private mutating func prepare(station: Int, epoch: ObservationEpoch, ephemerides: EphemerisStore, into out: inout [Measurement]) {
        let c = Constants.speedOfLight
        for obs in epoch.satellites where options.systems.contains(obs.satellite.system) {
            let sat = obs.satellite
            let (firstCodes, secondCodes) = PPPFilter.signalPair(sat.system)
            guard let s1 = PPPFilter.firstWithPhase(obs, firstCodes), let s2 = PPPFilter.firstWithPhase(obs, secondCodes),
                  let f1 = CarrierFrequency.of(system: sat.system, band: s1.signal.band, glonassChannel: obs.glonassChannel),
                  let f2 = CarrierFrequency.of(system: sat.system, band: s2.signal.band, glonassChannel: obs.glonassChannel),
                  let l1 = s1.carrierPhase, let l2 = s2.carrierPhase, let range1 = s1.pseudorange, let range2 = s2.pseudorange,
                  let eph = reference(sat, at: epoch.time, ephemerides: ephemerides)
            else { continue }
            let p1 = PPPFilter.firstCode(obs, firstCodes, band: s1.signal.band)?.0 ?? range1
            let p2 = PPPFilter.firstCode(obs, secondCodes, band: s2.signal.band)?.0 ?? range2
            let lambda1 = c / f1, lambda2 = c / f2
            let g1 = f1 * f1 / (f1 * f1 - f2 * f2), g2 = -f2 * f2 / (f1 * f1 - f2 * f2)
            let code = g1 * p1 + g2 * p2
            let phase = g1 * l1 * lambda1 + g2 * l2 * lambda2
            // Transmission time by the broadcast clock; the state there.
            var tx = epoch.time - code / c
            tx = tx - eph.clockBias(at: tx)
            let state = eph.state(at: tx)
            guard state.position.norm > 1e6, state.position.x.isFinite else { continue }
            let elevation = frames[station].enu(state.position).azimuthElevation.elevation
            guard elevation >= options.elevationMask else { continue }
            // Cycle slips: loss of lock, a gap, Melbourne–Wübbena and geometry-free jumps.
            let key = TrackKey(station: station, satellite: sat)
            let wideLane = ((l1 * lambda1 * f1 - l2 * lambda2 * f2) / (f1 - f2) - (f1 * p1 + f2 * p2) / (f1 + f2)) / (c / (f1 - f2))
            let geometryFree = l1 * lambda1 - l2 * lambda2
            var slip = (s1.lli & 1) != 0 || (s2.lli & 1) != 0
            if let t = tracks[key], epoch.time - t.lastSeen <= options.maximumGap {
                if abs(wideLane - t.wideLane) > options.wideLaneSlip || abs(geometryFree - t.geometryFree) > options.geometryFreeSlip {
                    slip = true
                }
                if slip {
                    tracks[key] = Track(lastSeen: t.lastSeen, wideLane: wideLane, count: 1, geometryFree: geometryFree, windUp: t.windUp)
                } else {
                    let n = min(t.count + 1, 100)
                    tracks[key] = Track(lastSeen: t.lastSeen, wideLane: t.wideLane + (wideLane - t.wideLane) / n, count: n,
                                        geometryFree: geometryFree, windUp: t.windUp)
                }
            } else {
                slip = true
                tracks[key] = Track(lastSeen: epoch.time, wideLane: wideLane, count: 1, geometryFree: geometryFree, windUp: nil)
            }
            out.append(Measurement(station: station, satellite: sat, code: code, phase: phase, wavelength: c / (f1 + f2), slip: slip,
                                   position: state.position, velocity: state.velocity,
                                   clock: c * SSRCorrections.broadcastClock(eph, state: state, at: tx)))
        }
    }

    /// The broadcast ephemeris `sat`'s corrections refer to at `t`: the one a receiver holds (the last broadcast, valid
    /// now). When it changes, the orbit correction moves with it so that the corrected orbit stays where it was.
    private mutating func reference(_ sat: SatelliteID, at t: GNSSTime, ephemerides: EphemerisStore) -> Ephemeris? {
        guard let latest = SSRGenerator.broadcastEphemeris(sat, in: ephemerides, at: t, until: t) else { return references[sat] }
        guard let current = references[sat] else {
            references[sat] = latest
            return latest
        }
        guard current != latest else { return current }
        if let offsets = orbitStates(sat, rate: false) {
            let rates = orbitStates(sat, rate: true)
            // The corrected orbit at t and a little later, taken from the old reference to the new one.
            let h = 10.0
            let offset = RadialAlongCross(radial: x[offsets[0]], along: x[offsets[1]], cross: x[offsets[2]])
            let rate = rates.map { RadialAlongCross(radial: x[$0[0]], along: x[$0[1]], cross: x[$0[2]]) } ?? .zero
            func moved(_ dt: Double) -> RadialAlongCross? {
                let old = current.state(at: t + dt), new = latest.state(at: t + dt)
                guard let trueOffset = offset.moved(by: rate, over: dt).ecef(position: old.position, velocity: old.velocity) else { return nil }
                return RadialAlongCross.of(old.position + trueOffset - new.position, position: new.position, velocity: new.velocity)
            }
            if let now = moved(0) {
                if let rates, let later = moved(h) {
                    x[rates[0]] = (later.radial - now.radial) / h
                    x[rates[1]] = (later.along - now.along) / h
                    x[rates[2]] = (later.cross - now.cross) / h
                }
                x[offsets[0]] = now.radial; x[offsets[1]] = now.along; x[offsets[2]] = now.cross
            }
        }
        references[sat] = latest
        return latest
    }

    /// The indices of a satellite's orbit offsets or their rates (radial, along, cross), if it has them.
    private func orbitStates(_ sat: SatelliteID, rate: Bool) -> [Int]? {
        let found = (0..<3).compactMap { index[rate ? .orbitRate(sat, $0) : .orbit(sat, $0)] }
        return found.count == 3 ? found : nil
    }

    // MARK: - Time update

    private mutating func timeUpdate(time: GNSSTime, measurements: [Measurement]) {
        let dt = lastTime.map { max(0, time - $0) } ?? 0
        lastTime = time
        // Forget tracks and satellites unseen too long.
        var stale: Set<Key> = []
        for (key, track) in tracks where time - track.lastSeen > options.maximumGap {
            tracks[key] = nil
            stale.insert(.ambiguity(key.station, key.satellite))
        }
        for (sat, seen) in satelliteLastSeen where time - seen > options.maximumGap {
            satelliteLastSeen[sat] = nil
            references[sat] = nil
            stale.insert(.satelliteClock(sat))
            for i in 0..<3 { stale.insert(.orbit(sat, i)); stale.insert(.orbitRate(sat, i)) }
        }
        remove(stale)
        // New states.
        var added: [(Key, Double, Double)] = []
        var pending: Set<Key> = []
        func add(_ key: Key, _ value: Double, _ variance: Double) {
            guard index[key] == nil, !pending.contains(key) else { return }
            pending.insert(key)
            added.append((key, value, variance))
        }
        for m in measurements {
            add(.troposphere(m.station), 0.1, 0.3 * 0.3)
            add(.receiverClock(m.station, m.satellite.system), 0, 0)
            add(.satelliteClock(m.satellite), 0, 0)
            if options.estimateOrbits {
                let prior = options.orbitPrior[m.satellite.system] ?? 2
                for i in 0..<3 { add(.orbit(m.satellite, i), 0, prior * prior) }
                if let ratePrior = options.orbitRatePrior[m.satellite.system] {
                    for i in 0..<3 { add(.orbitRate(m.satellite, i), 0, ratePrior * ratePrior) }
                }
            }
            add(.ambiguity(m.station, m.satellite), m.phase - m.code, 30 * 30)
        }
        append(added)
        // Orbit offsets move with their rates.
        if dt > 0 {
            for case .orbitRate(let sat, let i) in keys {
                guard let r = index[.orbitRate(sat, i)], let o = index[.orbit(sat, i)] else { continue }
                propagate(offset: o, rate: r, dt: dt)
            }
        }
        // Random walks.
        let qTroposphere = options.troposphereProcessNoise * options.troposphereProcessNoise * dt
        let qOrbit = options.orbitProcessNoise * options.orbitProcessNoise * dt
        let qRate = options.orbitRateProcessNoise * options.orbitRateProcessNoise * dt
        for (i, key) in keys.enumerated() {
            switch key {
            case .troposphere: p[i, i] += qTroposphere
            case .orbit: p[i, i] += qOrbit
            case .orbitRate: p[i, i] += qRate
            default: break
            }
        }
        // White-noise clocks: a fresh prior every epoch (receiver clocks from the median code residual).
        for (key, value) in receiverClockPriors(measurements) { reset(key, value: value, variance: 300 * 300) }
        for sat in Set(measurements.map(\.satellite)) {
            let key = Key.satelliteClock(sat)
            if let q = options.satelliteClockProcessNoise, !pending.contains(key), let i = index[key] {
                p[i, i] += q * q * dt
            } else {
                reset(key, value: index[key].map { x[$0] } ?? 0, variance: 30 * 30)
            }
        }
        // Ambiguities restart on a slip.
        for m in measurements where m.slip && !pending.contains(.ambiguity(m.station, m.satellite)) {
            reset(.ambiguity(m.station, m.satellite), value: m.phase - m.code, variance: 30 * 30)
            tracks[TrackKey(station: m.station, satellite: m.satellite)]?.windUp = nil
        }
    }

    /// Each station's clock per system: the median of code minus the modelled range and the satellite clock.
    private func receiverClockPriors(_ ms: [Measurement]) -> [Key: Double] {
        var residuals: [Key: [Double]] = [:]
        for m in ms {
            let (range, _) = SinglePointPositioner.geometricRange(satellite: m.position, receiver: stations[m.station].position)
            residuals[.receiverClock(m.station, m.satellite.system), default: []].append(m.code - range + m.clock)
        }
        return residuals.mapValues { list in
            let sorted = list.sorted()
            return sorted[sorted.count / 2]
        }
    }

    /// x[o] += dt · x[r], and P becomes F P Fᵀ for that transition.
    private mutating func propagate(offset o: Int, rate r: Int, dt: Double) {
        x[o] += dt * x[r]
        let n = x.count
        for j in 0..<n { p[o, j] += dt * p[r, j] }
        for i in 0..<n { p[i, o] += dt * p[i, r] }
    }

    private mutating func reset(_ key: Key, value: Double, variance: Double) {
        guard let i = index[key] else { return }
        for j in 0..<x.count { p[i, j] = 0; p[j, i] = 0 }
        p[i, i] = variance
        x[i] = value
    }

    private mutating func append(_ states: [(Key, Double, Double)]) {
        guard !states.isEmpty else { return }
        let n = x.count
        p = p.reindexed(Array(0..<n) + [Int](repeating: -1, count: states.count))
        for (k, (key, value, variance)) in states.enumerated() {
            keys.append(key)
            index[key] = n + k
            x.append(value)
            p[n + k, n + k] = variance
        }
    }

    private mutating func remove(_ gone: Set<Key>) {
        let keep = keys.indices.filter { !gone.contains(keys[$0]) }
        guard keep.count < keys.count else { return }
        p = p.reindexed(keep)
        x = keep.map { x[$0] }
        keys = keep.map { keys[$0] }
        index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, $0.offset) })
    }

    // MARK: - Measurement update

    private struct UpdateOutcome {
        /// The measurement to leave out (the state unchanged), if one is an outlier.
        var reject: Int?
        var residuals: NetworkEpoch.Residuals
    }

    private mutating func measurementUpdate(_ ms: [Measurement], time: GNSSTime, mayReject: Bool) -> UpdateOutcome {
        var rows = Kalman.SparseRows()
        var innovations: [Double] = [], variances: [Double] = [], owners: [Int] = []
        let sun = SunMoon.sun(at: time)
        var datum: [GNSSSystem: Set<SatelliteID>] = [:]
        // Per station: the antenna with the solid Earth tide, the hydrostatic delay and the mapping coefficients.
        var sites: [Int: (ECEF, Double, NiellMapping.Coefficients)] = [:]
        for m in ms where sites[m.station] == nil {
            let marker = stations[m.station].position
            let site = options.solidEarthTide ? marker + SolidEarthTide.displacement(site: marker, time: time) : marker
            let geodetic = frames[m.station].geodetic
            sites[m.station] = (site, Troposphere.saastamoinenZenith(receiver: geodetic, relativeHumidity: 0).hydrostatic,
                                NiellMapping.coefficients(receiver: geodetic, time: time))
        }
        // Rows are written station by station; each station's block is one update (below).
        var groupEnds: [Int] = []
        for (k, m) in ms.enumerated() {
            if k > 0, m.station != ms[k - 1].station, innovations.count > (groupEnds.last ?? 0) { groupEnds.append(innovations.count) }
            guard let zi = index[.troposphere(m.station)], let ri = index[.receiverClock(m.station, m.satellite.system)],
                  let si = index[.satelliteClock(m.satellite)], let ai = index[.ambiguity(m.station, m.satellite)] else { continue }
            guard let (site, zhd, mapping) = sites[m.station] else { continue }
            let frame = frames[m.station]
            var satellite = m.position
            var orbitPartials: (Int, ECEF, ECEF, ECEF)?
            if let oi = index[.orbit(m.satellite, 0)], let axes = RadialAlongCross.axes(position: m.position, velocity: m.velocity) {
                satellite = satellite + x[oi] * axes.radial + x[oi + 1] * axes.along + x[oi + 2] * axes.cross
                orbitPartials = (oi, axes.radial, axes.along, axes.cross)
            }
            let (range, unit) = SinglePointPositioner.geometricRange(satellite: satellite, receiver: site)
            let elevation = frame.enu(satellite).azimuthElevation.elevation
            let (mh, mw) = NiellMapping.factors(mapping, elevation: elevation)
            let key = TrackKey(station: m.station, satellite: m.satellite)
            let wind = PhaseWindUp.cycles(satellite: m.position, receiver: frame, sun: sun, previous: tracks[key]?.windUp)
            tracks[key]?.windUp = wind
            let modelled = range - m.clock - x[si] + x[ri] + mh * zhd + mw * x[zi]
            let s = max(sin(elevation), 0.1)
            let weight = 9.0 * (1 + 1 / (s * s))
            for isPhase in [true, false] {
                rows.append(column: zi, value: mw)
                rows.append(column: ri, value: 1)
                rows.append(column: si, value: -1)
                if let (oi, r, a, c) = orbitPartials {
                    rows.append(column: oi, value: unit.dot(r))
                    rows.append(column: oi + 1, value: unit.dot(a))
                    rows.append(column: oi + 2, value: unit.dot(c))
                }
                if isPhase {
                    rows.append(column: ai, value: 1)
                    innovations.append(m.phase - (modelled + x[ai] + wind * m.wavelength))
                    variances.append(weight * options.phaseSigma * options.phaseSigma)
                } else {
                    innovations.append(m.code - modelled)
                    variances.append(weight * options.codeSigma * options.codeSigma)
                }
                rows.endRow()
                owners.append(k)
            }
            datum[m.satellite.system, default: []].insert(m.satellite)
        }
        var outcome = UpdateOutcome(residuals: NetworkEpoch.Residuals())
        guard !innovations.isEmpty else { return outcome }
        let measured = innovations.count
        if measured > (groupEnds.last ?? 0) { groupEnds.append(measured) }
        // The clock datum: per system, the mean correction of the satellites in view is zero.
        for (_, sats) in datum.sorted(by: { $0.key < $1.key }) {
            let weight = 1 / Double(sats.count)
            var mean = 0.0
            for sat in sats.sorted() {
                guard let si = index[.satelliteClock(sat)] else { continue }
                rows.append(column: si, value: weight)
                mean += weight * x[si]
            }
            rows.endRow()
            innovations.append(-mean)
            variances.append(options.datumSigma * options.datumSigma)
            owners.append(-1)
        }
        if innovations.count > measured { groupEnds.append(innovations.count) }
        // One update per station and one for the datum, in turn: the measurement errors are independent, so this is the
        // update of all rows at once (each block's innovations taken at the state the blocks before it left), at a cost
        // that grows with the rows of a block, not of the whole network.
        let prior = (x, p)
        var start = 0
        for end in groupEnds {
            let block = rows.rows(start..<end)
            let v = (start..<end).map { innovations[$0] - (rows.dot($0, x) - rows.dot($0, prior.0)) }
            guard Kalman.update(x: &x, p: &p, h: block, innovation: v, r: Matrix.diagonal(Array(variances[start..<end]))) else {
                x = prior.0
                p = prior.1
                return outcome
            }
            start = end
        }
        // Post-fit residuals: their RMS, and the worst outlier.
        var worst: (Double, Int)?
        var phaseSum = 0.0, codeSum = 0.0
        for i in 0..<measured {
            let dx = rows.dot(i, x) - rows.dot(i, prior.0)
            let residual = innovations[i] - dx
            if i % 2 == 0 { phaseSum += residual * residual } else { codeSum += residual * residual }
            let normalised = abs(residual) / variances[i].squareRoot()
            if normalised > options.outlierLimit, normalised > (worst?.0 ?? 0) { worst = (normalised, owners[i]) }
        }
        let pairs = Double(measured / 2)
        outcome.residuals = NetworkEpoch.Residuals(phase: (phaseSum / pairs).squareRoot(), code: (codeSum / pairs).squareRoot())
        if mayReject, let (_, k) = worst {
            x = prior.0
            p = prior.1
            outcome.reject = k
        }
        return outcome
    }
}

/// One satellite's corrections as the network estimates them (true minus broadcast).
public struct SatelliteEstimate: Sendable {
    public var satellite: SatelliteID
    /// When a station last observed the satellite.
    public var time: GNSSTime
    /// The broadcast ephemeris the corrections refer to.
    public var ephemeris: Ephemeris
    /// Orbit correction in the broadcast orbit's frame, and clock correction (m).
    public var orbit: RadialAlongCross
    public var clock: Double
    /// The orbit correction's rate (m/s), where the network estimates one.
    public var orbitRate = RadialAlongCross.zero
    /// Formal sigmas (m): the orbit's three components together, the clock's.
    public var orbitSigma: Double
    public var clockSigma: Double
    /// The formal sigma of the range error the corrections leave a user (m), sent as SSR URA: the radial correction
    /// less the clock's, with their correlation, and the along- and cross-track ones at the weight they have in a
    /// range. A satellite just taken in, or whose clock restarted, claims more than one the network has followed long.
    public var rangeSigma: Double

    public init(satellite: SatelliteID, time: GNSSTime, ephemeris: Ephemeris, orbit: RadialAlongCross, clock: Double,
                orbitSigma: Double, clockSigma: Double, rangeSigma: Double) {
        self.satellite = satellite
        self.time = time
        self.ephemeris = ephemeris
        self.orbit = orbit
        self.clock = clock
        self.orbitSigma = orbitSigma
        self.clockSigma = clockSigma
        self.rangeSigma = rangeSigma
    }

    /// The orbit correction as SSR states it: broadcast minus true (the opposite of `orbit`).
    public var ssrOrbitOffset: RadialAlongCross {
        RadialAlongCross(radial: -orbit.radial, along: -orbit.along, cross: -orbit.cross)
    }

    /// The orbit correction's rate as SSR states it (broadcast minus true).
    public var ssrOrbitRate: RadialAlongCross {
        RadialAlongCross(radial: -orbitRate.radial, along: -orbitRate.along, cross: -orbitRate.cross)
    }
}

/// What one epoch of network processing used and how well it fitted.
public struct NetworkEpoch: Sendable {
    public struct Residuals: Sendable {
        /// RMS of the post-fit ionosphere-free phase and code residuals, m.
        public var phase = 0.0
        public var code = 0.0
    }

    public var time: GNSSTime
    public var stations = 0
    public var satellites = 0
    public var measurements = 0
    /// Measurements left out as outliers.
    public var rejected = 0
    public var residuals = Residuals()
}
