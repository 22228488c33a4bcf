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
/// LEO satellites' onboard receivers, when given, observe in the same update as
/// the ground stations (joint processing): each is a moving receiver whose
/// Earth-fixed position and velocity are states propagated under `LEOForceModel`
/// (the zonal field to J4) with a random walk of the velocity for the forces the
/// model lacks; a clock per system that is a random walk about a common drift (the
/// satellite's oscillator); float ambiguities, and no troposphere. The GNSS orbits
/// are then seen from orbit as well as from the ground.
///
/// A correction is "true minus broadcast": the satellite is at the broadcast
/// position plus the orbit correction (in the frame of the broadcast orbit the
/// satellite's reference ephemeris gives), and its clock, with the relativistic
/// term, is the broadcast clock plus the clock correction (metres). SSR states
/// orbit corrections with the opposite sign (`NetworkCorrections`).
public struct NetworkFilter: Sendable {
    public private(set) var stations: [NetworkStation]
    public var options: NetworkOptions

    /// Who observes: a reference station (by index) or a LEO satellite's onboard receiver. Stations come first.
    enum Receiver: Hashable, Comparable {
        case station(Int)
        case leo(SatelliteID)
    }

    enum Key: Hashable {
        case troposphere(Int)
        case receiverClock(Receiver, GNSSSystem)
        case satelliteClock(SatelliteID)
        case orbit(SatelliteID, Int)
        case orbitRate(SatelliteID, Int)
        case ambiguity(Receiver, SatelliteID)
        /// A LEO satellite's Earth-fixed position (0–2, m) and velocity (3–5, m/s) at the filter's epoch.
        case leoOrbit(SatelliteID, Int)
        /// A LEO satellite's clock drift (m/s), shared by its clocks per system.
        case leoClockDrift(SatelliteID)
    }

    struct TrackKey: Hashable {
        var receiver: Receiver
        var satellite: SatelliteID
    }

    /// What a station-satellite pair carries from epoch to epoch: the slip monitors and the wind-up.
    struct Track {
        var lastSeen: GNSSTime
        /// The Melbourne–Wübbena combination's running mean (wide-lane cycles) and the mean square of its deviations,
        /// over `count` epochs (a moving mean beyond 100).
        var wideLane: Double
        var wideLaneSpread = 0.0
        var count: Double
        var geometryFree: Double
        var windUp: Double?
        /// The two carrier frequencies of the ionosphere-free combination, Hz.
        var frequencies: (Double, Double)
    }

    private struct Measurement {
        var receiver: Receiver
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

    // Shared with the ambiguity resolution (NetworkAmbiguities.swift).
    private(set) var keys: [Key] = []
    private(set) var index: [Key: Int] = [:]
    var x: [Double] = []
    var p = Matrix(rows: 0, columns: 0)
    private(set) var tracks: [TrackKey: Track] = [:]
    /// The double differences of ambiguities fixed to integers and held.
    var fixed: [FixedDoubleDifference] = []
    private var satelliteLastSeen: [SatelliteID: GNSSTime] = [:]
    /// The broadcast ephemeris each satellite's corrections refer to.
    private var references: [SatelliteID: Ephemeris] = [:]
    private var lastTime: GNSSTime?
    /// The stations' local frames.
    private var frames: [LocalFrame]
    /// When each LEO satellite's onboard receiver was last used.
    private var leoLastSeen: [SatelliteID: GNSSTime] = [:]

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
    /// broadcast ephemerides known by then; and the LEO satellites' `onboard` epochs of the same time, a satellite first
    /// taken in at its broadcast orbit (`leoEphemerides`; one without is left out until it has one).
    public mutating func process(time: GNSSTime, observations: [Int: ObservationEpoch], ephemerides: EphemerisStore,
                                 onboard: [SatelliteID: ObservationEpoch] = [:], leoEphemerides: LEOEphemerisStore? = nil) -> NetworkEpoch {
        var summary = NetworkEpoch(time: time)
        var measurements: [Measurement] = []
        let sorted = observations.sorted { $0.key < $1.key }
        for (station, epoch) in sorted where stations.indices.contains(station) {
            let before = measurements.count
            let frame = frames[station]
            prepare(.station(station), epoch: epoch, time: time, ephemerides: ephemerides, mask: options.elevationMask,
                    elevation: { frame.enu($0).azimuthElevation.elevation }, into: &measurements)
            if measurements.count > before { summary.stations += 1 }
        }
        // LEO satellites: where each is now (its orbit carried forward, or its broadcast).
        var leoOrbits: [SatelliteID: LEOTransition] = [:]
        var leoPriors: [SatelliteID: LEOForceModel.State] = [:]
        // Bounded: satellites the filter follows, then new ones while there is room.
        var room = options.maximumLEOReceivers - keys.filter { key in
            if case .leoOrbit(let sat, 0) = key { return leoLastSeen[sat].map { time - $0 <= options.maximumGap } ?? false }
            return false
        }.count
        for (sat, epoch) in onboard.sorted(by: { $0.key < $1.key }) {
            let here: ECEF
            if let transition = leoTransition(sat, to: time) {
                leoOrbits[sat] = transition
                here = transition.state.position
            } else if room <= 0 {
                summary.leoLeftOut += 1
                continue
            } else if let broadcast = leoEphemerides.flatMap({ Self.broadcastState(sat, at: time, in: $0) }) {
                leoPriors[sat] = broadcast
                here = broadcast.position
                room -= 1
            } else {
                continue
            }
            let before = measurements.count
            prepare(.leo(sat), epoch: epoch, time: time, ephemerides: ephemerides, mask: options.leoElevationMask,
                    elevation: { here.elevationAboveHorizon(of: $0) }, into: &measurements)
            if measurements.count > before { summary.leoSatellites += 1 }
        }
        // LEO satellites not observed this epoch are carried forward too.
        for case .leoOrbit(let sat, 0) in keys where leoOrbits[sat] == nil {
            if let transition = leoTransition(sat, to: time) { leoOrbits[sat] = transition }
        }
        timeUpdate(time: time, measurements: measurements, leoOrbits: leoOrbits, leoPriors: leoPriors)
        var used = measurements
        for _ in 0...options.maximumRejections {
            let outcome = measurementUpdate(used, time: time, mayReject: summary.rejected < options.maximumRejections)
            summary.residuals = outcome.residuals
            guard let worst = outcome.reject else { break }
            used.remove(at: worst)
            summary.rejected += 1
        }
        for m in used {
            tracks[TrackKey(receiver: m.receiver, satellite: m.satellite)]?.lastSeen = time
            satelliteLastSeen[m.satellite] = time
            if case .leo(let sat) = m.receiver { leoLastSeen[sat] = time }
        }
        summary.measurements = used.count
        summary.satellites = Set(used.map(\.satellite)).count
        if options.resolveAmbiguities {
            summary.newlyFixed = resolveAmbiguities(observed: Set(used.map { TrackKey(receiver: $0.receiver, satellite: $0.satellite) }))
            summary.fixedAmbiguities = fixed.count
        }
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

    /// The LEO satellites' orbits and clocks as the filter holds them at its last epoch, of those observed then.
    public var leoEstimates: [LEOEstimate] {
        guard let time = lastTime else { return [] }
        return leoLastSeen.keys.sorted().compactMap { sat -> LEOEstimate? in
            guard leoLastSeen[sat] == time, let o = index[.leoOrbit(sat, 0)],
                  let ci = index[.receiverClock(.leo(sat), .gps)] ?? index[.receiverClock(.leo(sat), .galileo)] else { return nil }
            return LEOEstimate(satellite: sat, time: time, position: ECEF(x[o], x[o + 1], x[o + 2]), velocity: ECEF(x[o + 3], x[o + 4], x[o + 5]),
                               clock: x[ci], clockDrift: index[.leoClockDrift(sat)].map { x[$0] } ?? 0, positionSigma: (p[o, o] + p[o + 1, o + 1] + p[o + 2, o + 2]).squareRoot(),
                               clockSigma: p[ci, ci].squareRoot())
        }
    }

    /// The number of states the filter carries.
    public var stateCount: Int { x.count }

    // MARK: - Measurements

    /// `receiver`'s ionosphere-free code and phase of epoch `time`, of satellites whose `elevation` (from the receiver's
    /// position) is above `mask`.
    private mutating func prepare(_ receiver: Receiver, epoch: ObservationEpoch, time: GNSSTime, ephemerides: EphemerisStore, mask: Double,
                                  elevation: (ECEF) -> Double, into out: inout [Measurement]) {
        let c = Constants.speedOfLight
        for obs in epoch.satellites where options.systems.contains(obs.satellite.system) {
            let sat = obs.satellite
            let (firstCodes, secondCodes) = PPPFilter.signalPair(sat.system)
            guard let s1 = PPPFilter.firstWithPhase(obs, firstCodes), let s2 = PPPFilter.firstWithPhase(obs, secondCodes),
                  let f1 = CarrierFrequency.of(system: sat.system, band: s1.signal.band, glonassChannel: obs.glonassChannel),
                  let f2 = CarrierFrequency.of(system: sat.system, band: s2.signal.band, glonassChannel: obs.glonassChannel),
                  let l1 = s1.carrierPhase, let l2 = s2.carrierPhase, let range1 = s1.pseudorange, let range2 = s2.pseudorange,
                  let eph = reference(sat, at: time, ephemerides: ephemerides)
            else { continue }
            let p1 = PPPFilter.firstCode(obs, firstCodes, band: s1.signal.band)?.0 ?? range1
            let p2 = PPPFilter.firstCode(obs, secondCodes, band: s2.signal.band)?.0 ?? range2
            let lambda1 = c / f1, lambda2 = c / f2
            let g1 = f1 * f1 / (f1 * f1 - f2 * f2), g2 = -f2 * f2 / (f1 * f1 - f2 * f2)
            let code = g1 * p1 + g2 * p2
            let phase = g1 * l1 * lambda1 + g2 * l2 * lambda2
            // Transmission time by the broadcast clock; the state there.
            var tx = time - code / c
            tx = tx - eph.clockBias(at: tx)
            let state = eph.state(at: tx)
            guard state.position.norm > 1e6, state.position.x.isFinite, elevation(state.position) >= mask else { continue }
            // Cycle slips: loss of lock, a gap, Melbourne–Wübbena and geometry-free jumps.
            let key = TrackKey(receiver: receiver, satellite: sat)
            let wideLane = ((l1 * lambda1 * f1 - l2 * lambda2 * f2) / (f1 - f2) - (f1 * p1 + f2 * p2) / (f1 + f2)) / (c / (f1 - f2))
            let geometryFree = l1 * lambda1 - l2 * lambda2
            var slip = (s1.lli & 1) != 0 || (s2.lli & 1) != 0
            if let t = tracks[key], time - t.lastSeen <= options.maximumGap {
                if abs(wideLane - t.wideLane) > options.wideLaneSlip || abs(geometryFree - t.geometryFree) > options.geometryFreeSlip {
                    slip = true
                }
                if slip {
                    tracks[key] = Track(lastSeen: t.lastSeen, wideLane: wideLane, count: 1, geometryFree: geometryFree, windUp: t.windUp,
                                        frequencies: (f1, f2))
                } else {
                    let n = min(t.count + 1, 100)
                    let mean = t.wideLane + (wideLane - t.wideLane) / n
                    let spread = t.wideLaneSpread + ((wideLane - t.wideLane) * (wideLane - mean) - t.wideLaneSpread) / n
                    tracks[key] = Track(lastSeen: t.lastSeen, wideLane: mean, wideLaneSpread: spread, count: n, geometryFree: geometryFree,
                                        windUp: t.windUp, frequencies: (f1, f2))
                }
            } else {
                slip = true
                tracks[key] = Track(lastSeen: time, wideLane: wideLane, count: 1, geometryFree: geometryFree, windUp: nil, frequencies: (f1, f2))
            }
            out.append(Measurement(receiver: receiver, satellite: sat, code: code, phase: phase, wavelength: c / (f1 + f2), slip: slip,
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

    private mutating func timeUpdate(time: GNSSTime, measurements: [Measurement], leoOrbits: [SatelliteID: LEOTransition],
                                     leoPriors: [SatelliteID: LEOForceModel.State]) {
        let dt = lastTime.map { max(0, time - $0) } ?? 0
        lastTime = time
        // Forget tracks and satellites unseen too long.
        var stale: Set<Key> = []
        for (key, track) in tracks where time - track.lastSeen > options.maximumGap {
            tracks[key] = nil
            stale.insert(.ambiguity(key.receiver, key.satellite))
        }
        for (sat, seen) in satelliteLastSeen where time - seen > options.maximumGap {
            satelliteLastSeen[sat] = nil
            references[sat] = nil
            stale.insert(.satelliteClock(sat))
            for i in 0..<3 { stale.insert(.orbit(sat, i)); stale.insert(.orbitRate(sat, i)) }
        }
        for (sat, seen) in leoLastSeen where time - seen > options.maximumGap {
            leoLastSeen[sat] = nil
            for i in 0..<6 { stale.insert(.leoOrbit(sat, i)) }
            stale.insert(.leoClockDrift(sat))
            for system in GNSSSystem.allCases { stale.insert(.receiverClock(.leo(sat), system)) }
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
            switch m.receiver {
            case .station(let i):
                add(.troposphere(i), 0.1, 0.3 * 0.3)
            case .leo(let sat):
                if let prior = leoPriors[sat] {
                    let values = [prior.position.x, prior.position.y, prior.position.z, prior.velocity.x, prior.velocity.y, prior.velocity.z]
                    for i in 0..<6 {
                        let sigma = i < 3 ? options.leoPositionPrior : options.leoVelocityPrior
                        add(.leoOrbit(sat, i), values[i], sigma * sigma)
                    }
                }
                add(.leoClockDrift(sat), 0, options.leoClockDriftPrior * options.leoClockDriftPrior)
            }
            add(.receiverClock(m.receiver, m.satellite.system), 0, 0)
            add(.satelliteClock(m.satellite), 0, 0)
            if options.estimateOrbits {
                let prior = options.orbitPrior[m.satellite.system] ?? 2
                for i in 0..<3 { add(.orbit(m.satellite, i), 0, prior * prior) }
                if let ratePrior = options.orbitRatePrior[m.satellite.system] {
                    for i in 0..<3 { add(.orbitRate(m.satellite, i), 0, ratePrior * ratePrior) }
                }
            }
            add(.ambiguity(m.receiver, m.satellite), m.phase - m.code, 30 * 30)
        }
        append(added)
        // A LEO satellite taken in is forgotten as any other once unseen too long.
        for sat in leoPriors.keys where leoLastSeen[sat] == nil && index[.leoOrbit(sat, 0)] != nil { leoLastSeen[sat] = time }
        // Orbit offsets move with their rates; LEO orbits move under their forces.
        if dt > 0 {
            for case .orbitRate(let sat, let i) in keys {
                guard let r = index[.orbitRate(sat, i)], let o = index[.orbit(sat, i)] else { continue }
                propagate(offset: o, rate: r, dt: dt)
            }
            // LEO clocks move with their drift, and walk.
            let qClock = options.leoClockNoise * options.leoClockNoise * dt
            let qDrift = options.leoClockDriftNoise * options.leoClockDriftNoise * dt
            for case .leoClockDrift(let sat) in keys {
                guard let d = index[.leoClockDrift(sat)] else { continue }
                p[d, d] += qDrift
                for system in GNSSSystem.allCases {
                    guard let c = index[.receiverClock(.leo(sat), system)], !pending.contains(.receiverClock(.leo(sat), system)) else { continue }
                    propagate(offset: c, rate: d, dt: dt)
                    p[c, c] += qClock
                }
            }
            let q = options.leoAccelerationNoise * options.leoAccelerationNoise
            for (sat, transition) in leoOrbits {
                guard let o = index[.leoOrbit(sat, 0)] else { continue }
                transform(Array(o..<(o + 6)), by: transition.matrix)
                let values = [transition.state.position.x, transition.state.position.y, transition.state.position.z,
                              transition.state.velocity.x, transition.state.velocity.y, transition.state.velocity.z]
                for i in 0..<6 { x[o + i] = values[i] }
                // White noise of the acceleration: a random walk of the velocity and its integral in the position.
                for axis in 0..<3 {
                    p[o + axis, o + axis] += q * dt * dt * dt / 3
                    p[o + axis, o + 3 + axis] += q * dt * dt / 2
                    p[o + 3 + axis, o + axis] += q * dt * dt / 2
                    p[o + 3 + axis, o + 3 + axis] += q * dt
                }
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
        // White-noise clocks: a fresh prior every epoch (receiver clocks from the median code residual). A LEO satellite's
        // clocks only when they are new: they are followed from epoch to epoch.
        for (key, value) in receiverClockPriors(measurements) {
            if case .receiverClock(.leo, _) = key, !pending.contains(key) { continue }
            reset(key, value: value, variance: 300 * 300)
        }
        for sat in Set(measurements.map(\.satellite)) {
            let key = Key.satelliteClock(sat)
            if let q = options.satelliteClockProcessNoise, !pending.contains(key), let i = index[key] {
                p[i, i] += q * q * dt
            } else {
                reset(key, value: index[key].map { x[$0] } ?? 0, variance: 30 * 30)
            }
        }
        // Ambiguities restart on a slip.
        for m in measurements where m.slip && !pending.contains(.ambiguity(m.receiver, m.satellite)) {
            reset(.ambiguity(m.receiver, m.satellite), value: m.phase - m.code, variance: 30 * 30)
            tracks[TrackKey(receiver: m.receiver, satellite: m.satellite)]?.windUp = nil
        }
    }

    /// Where a receiver is: a station's known marker, a LEO satellite's orbit state.
    private func position(of receiver: Receiver) -> ECEF? {
        switch receiver {
        case .station(let i): return stations[i].position
        case .leo(let sat): return index[.leoOrbit(sat, 0)].map { ECEF(x[$0], x[$0 + 1], x[$0 + 2]) }
        }
    }

    /// Each receiver's clock per system: the median of code minus the modelled range and the satellite clock.
    private func receiverClockPriors(_ ms: [Measurement]) -> [Key: Double] {
        var residuals: [Key: [Double]] = [:]
        for m in ms {
            guard let position = position(of: m.receiver) else { continue }
            let (range, _) = SinglePointPositioner.geometricRange(satellite: m.position, receiver: position)
            residuals[.receiverClock(m.receiver, m.satellite.system), default: []].append(m.code - range + m.clock)
        }
        return residuals.mapValues { list in
            let sorted = list.sorted()
            return sorted[sorted.count / 2]
        }
    }

    // MARK: - LEO orbits

    /// A LEO satellite's orbit carried from the filter's last epoch to the next: the state there and the transition
    /// matrix (the partials of the new state by the old, position and velocity, Earth-fixed).
    private struct LEOTransition {
        var state: LEOForceModel.State
        var matrix: [[Double]]
    }

    /// `sat`'s orbit state (Earth-fixed) carried to `time` under the force model; nil when the filter has none.
    private func leoTransition(_ sat: SatelliteID, to time: GNSSTime) -> LEOTransition? {
        guard let o = index[.leoOrbit(sat, 0)], let last = lastTime, let seen = leoLastSeen[sat], time - seen <= options.maximumGap else {
            return nil
        }
        let dt = time - last
        let start = (0..<6).map { x[o + $0] }
        let model = options.leoForceModel
        func carried(_ v: [Double]) -> [Double] {
            let inertial = LEOForceModel.inertial(position: ECEF(v[0], v[1], v[2]), velocity: ECEF(v[3], v[4], v[5]), at: 0)
            let (p, w) = LEOForceModel.earthFixed(model.propagate(inertial, by: dt), at: dt)
            return [p.x, p.y, p.z, w.x, w.y, w.z]
        }
        let nominal = carried(start)
        var matrix = [[Double]](repeating: [Double](repeating: 0, count: 6), count: 6)
        for j in 0..<6 {
            var perturbed = start
            let delta = j < 3 ? 1.0 : 1e-3
            perturbed[j] += delta
            let moved = carried(perturbed)
            for i in 0..<6 { matrix[i][j] = (moved[i] - nominal[i]) / delta }
        }
        return LEOTransition(state: LEOForceModel.State(position: ECEF(nominal[0], nominal[1], nominal[2]),
                                                        velocity: ECEF(nominal[3], nominal[4], nominal[5])), matrix: matrix)
    }

    /// A LEO satellite's broadcast position and velocity (Earth-fixed; the velocity by differences over a second).
    private static func broadcastState(_ sat: SatelliteID, at t: GNSSTime, in store: LEOEphemerisStore) -> LEOForceModel.State? {
        guard let now = store.state(sat, at: t), let ahead = store.state(sat, at: t + 0.5), let behind = store.state(sat, at: t - 0.5),
              now.position.norm > 6.4e6 else { return nil }
        return LEOForceModel.State(position: now.position, velocity: ahead.position - behind.position)
    }

    /// P becomes Φ P Φᵀ for a transition Φ of the states at `indices`.
    private mutating func transform(_ indices: [Int], by phi: [[Double]]) {
        let n = x.count
        for j in 0..<n {
            let column = indices.map { p[$0, j] }
            for (a, i) in indices.enumerated() { p[i, j] = zip(phi[a], column).reduce(0) { $0 + $1.0 * $1.1 } }
        }
        for j in 0..<n {
            let row = indices.map { p[j, $0] }
            for (a, i) in indices.enumerated() { p[j, i] = zip(phi[a], row).reduce(0) { $0 + $1.0 * $1.1 } }
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

    /// The fewest rows of a block of the measurement update (whole receivers are gathered until they reach it).
    static let blockRows = 120

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
        // Per receiver: where its antenna is and how it is oriented (for the wind-up); a station's with the solid Earth
        // tide, its hydrostatic delay and mapping coefficients; a LEO satellite's orbit states, at the time of reception.
        struct Site {
            var antenna: ECEF
            var frame: LocalFrame
            var troposphere: (zenith: Double, mapping: NiellMapping.Coefficients)?
            var orbit: Int?
        }
        var sites: [Receiver: Site] = [:]
        for m in ms where sites[m.receiver] == nil {
            switch m.receiver {
            case .station(let i):
                let marker = stations[i].position
                let antenna = options.solidEarthTide ? marker + SolidEarthTide.displacement(site: marker, time: time) : marker
                let geodetic = frames[i].geodetic
                sites[m.receiver] = Site(antenna: antenna, frame: frames[i],
                                         troposphere: (Troposphere.saastamoinenZenith(receiver: geodetic, relativeHumidity: 0).hydrostatic,
                                                       NiellMapping.coefficients(receiver: geodetic, time: time)))
            case .leo(let sat):
                guard let o = index[.leoOrbit(sat, 0)], let ci = index[.receiverClock(m.receiver, m.satellite.system)] else { continue }
                // The epoch is in the receiver's time: it received when its clock read that, its clock offset earlier.
                let offset = x[ci] / Constants.speedOfLight
                let antenna = ECEF(x[o] - offset * x[o + 3], x[o + 1] - offset * x[o + 4], x[o + 2] - offset * x[o + 5])
                sites[m.receiver] = Site(antenna: antenna, frame: LocalFrame(origin: antenna), troposphere: nil, orbit: o)
            }
        }
        // Rows are written receiver by receiver; the receivers' blocks, gathered to at least `blockRows` rows, are one
        // update each (below).
        var groupEnds: [Int] = []
        for (k, m) in ms.enumerated() {
            if k > 0, m.receiver != ms[k - 1].receiver, innovations.count >= (groupEnds.last ?? 0) + Self.blockRows {
                groupEnds.append(innovations.count)
            }
            guard let ri = index[.receiverClock(m.receiver, m.satellite.system)], let si = index[.satelliteClock(m.satellite)],
                  let ai = index[.ambiguity(m.receiver, m.satellite)], let site = sites[m.receiver] else { continue }
            var satellite = m.position
            var orbitPartials: (Int, ECEF, ECEF, ECEF)?
            if let oi = index[.orbit(m.satellite, 0)], let axes = RadialAlongCross.axes(position: m.position, velocity: m.velocity) {
                satellite = satellite + x[oi] * axes.radial + x[oi + 1] * axes.along + x[oi + 2] * axes.cross
                orbitPartials = (oi, axes.radial, axes.along, axes.cross)
            }
            let (range, unit) = SinglePointPositioner.geometricRange(satellite: satellite, receiver: site.antenna)
            let elevation: Double
            var modelled = range - m.clock - x[si] + x[ri]
            var troposphere: (Int, Double)?
            if let (zhd, coefficients) = site.troposphere, case .station(let i) = m.receiver, let zi = index[.troposphere(i)] {
                elevation = site.frame.enu(satellite).azimuthElevation.elevation
                let (mh, mw) = NiellMapping.factors(coefficients, elevation: elevation)
                modelled += mh * zhd + mw * x[zi]
                troposphere = (zi, mw)
            } else {
                elevation = site.antenna.elevationAboveHorizon(of: satellite)
            }
            let key = TrackKey(receiver: m.receiver, satellite: m.satellite)
            let wind = PhaseWindUp.cycles(satellite: m.position, receiver: site.frame, sun: sun, previous: tracks[key]?.windUp)
            tracks[key]?.windUp = wind
            let s = max(sin(elevation), 0.1)
            let weight = 9.0 * (1 + 1 / (s * s))
            for isPhase in [true, false] {
                if let (zi, mw) = troposphere { rows.append(column: zi, value: mw) }
                if let o = site.orbit {
                    rows.append(column: o, value: -unit.x)
                    rows.append(column: o + 1, value: -unit.y)
                    rows.append(column: o + 2, value: -unit.z)
                }
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
        // One update per block of receivers and one for the datum, in turn: the measurement errors are independent, so
        // this is the update of all rows at once (each block's innovations taken at the state the blocks before it left).
        // Blocks of a few receivers keep each update's matrices small; not much smaller, as every update passes once
        // over the whole covariance.
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
    /// LEO satellites whose onboard receivers observed, and those left out (the filter follows as many as it may).
    public var leoSatellites = 0
    public var leoLeftOut = 0
    public var satellites = 0
    public var measurements = 0
    /// Measurements left out as outliers.
    public var rejected = 0
    public var residuals = Residuals()
    /// Double differences of ambiguities (between two stations and two satellites) fixed to integers this epoch, and
    /// all those held.
    public var newlyFixed = 0
    public var fixedAmbiguities = 0
}

/// A LEO satellite's orbit and clock as the network filter holds them at an epoch.
public struct LEOEstimate: Sendable {
    public var satellite: SatelliteID
    public var time: GNSSTime
    /// Earth-fixed position and velocity of the onboard receiver's antenna (the satellite's reference point), m and m/s.
    public var position: ECEF
    public var velocity: ECEF
    /// The onboard receiver's clock (the satellite's), GPS's where it tracks GPS, m, and its drift, m/s.
    public var clock: Double
    public var clockDrift: Double
    /// Formal sigmas: the position's three components together, the clock's, m.
    public var positionSigma: Double
    public var clockSigma: Double
}
