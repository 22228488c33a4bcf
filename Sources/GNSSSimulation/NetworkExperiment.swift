import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSPositioning

/// The augmentation loop under a known truth: a network of reference stations
/// observes the real GNSS sky of a day (its precise orbits and clocks) while
/// its streams carry that day's real broadcast ephemerides, so the broadcast
/// errors the network must correct are the real ones. The network filter
/// estimates corrections; they are judged against the truth (signal-in-space
/// range error) and used by a user station outside the network for kinematic PPP
/// with the broadcast ephemerides and nothing else.
public struct NetworkExperiment: Sendable {
    public var precise: PreciseEphemeris
    public var broadcast: EphemerisStore
    public var network: [NetworkStation]
    public var user: ECEF
    public var options = NetworkOptions()
    /// The reference stations' error and signal model (geodetic receivers and antennas: less code noise and
    /// multipath than a user's), and the user's.
    public var model = NetworkExperiment.referenceStationModel
    public var userModel = SimulationModel()

    /// A reference station: code noise 0.1 m at zenith and 0.1 m multipath at the horizon.
    public static let referenceStationModel: SimulationModel = {
        var m = SimulationModel()
        m.codeNoise = 0.1
        m.codeMultipath = 0.1
        return m
    }()
    /// Network processing before the user starts, and the user's span, seconds.
    public var warmUp: Double = 1800
    public var userDuration: Double = 1800
    /// Network and user observation intervals, seconds (the network's is the corrections' update interval).
    public var networkInterval: Double = 30
    public var userInterval: Double = 5

    /// The LEO part. When a satellite segment is given, the LEO constellation flies with broadcast ephemerides of that
    /// segment's errors; the DPC determines the orbits and clocks of the LEO satellites near the user from their onboard
    /// GNSS observations on its own GNSS corrections (`LEOOrbitDetermination`) and sends 4058/2 corrections, judged
    /// against the truth; and the user runs GNSS+LEO PPP beside GNSS-only. Nil: GNSS alone.
    public var leoSegment: SatelliteSegment?
    public var leoConstellation = LEOConstellation.standard
    /// The LEO processing's settings: those of `LEOOrbitDetermination`, with a stated accuracy of 10 cm.
    public var leoOptions: LEOOrbitDetermination.Options = {
        var o = LEOOrbitDetermination.Options()
        o.accuracy = 0.1
        return o
    }()
    /// The LEO satellites' onboard receivers, on their satellites' clocks.
    public var onboardModel: SimulationModel = {
        var m = SimulationScenario.onboardModel
        m.satelliteClock = true
        return m
    }()
    /// Onboard observation interval and LEO correction update interval, seconds.
    public var onboardInterval: Double = 10
    public var leoCorrectionInterval: Double = 10
    /// LEO satellites within this angle of the user (at the Earth's centre) have their onboard data processed: those
    /// the user sees (22° at a 10° mask) and those coming into view in the next quarter hour.
    public var leoRegion = 70 * Constants.degreesToRadians
    /// The GNSS orbits and clocks the LEO processing positions on, and the errors it assumes of them (as dpcd's).
    public var leoGNSS = LEOGNSSReference()
    /// A diagnosis, not the experiment: the LEO processing positions on the true GNSS orbits and clocks instead of the
    /// network's corrections, which shows how much of the LEO error the GNSS corrections leave.
    public var leoOnTrueGNSS = false
    /// How the LEO onboard data are processed; in the network filter (joint, hybrid), those of the LEO satellites
    /// within `leoJointRegion` of the user (each adds some 40 states).
    public var leoProcessing = LEOProcessing.kinematic
    public var leoJointRegion = NetworkExperiment.jointRegionDegrees * Constants.degreesToRadians
    public static let jointRegionDegrees = 45.0

    /// A LEO broadcast as a real onboard orbit determination makes it: 0.5 m orbit and 0.3 m clock error RMS.
    public static let realisticSegment: SatelliteSegment = {
        var s = SatelliteSegment()
        s.orbitError = 0.5
        s.clockError = 0.3
        return s
    }()

    public init(precise: PreciseEphemeris, broadcast: EphemerisStore, network: [NetworkStation], user: ECEF) {
        self.precise = precise
        self.broadcast = broadcast
        self.network = network
        self.user = user
    }

    public struct Outcome: Sendable {
        /// Signal-in-space range error per system over the user's span: broadcast alone, and with the corrections.
        public var broadcastSISRE: [GNSSSystem: Double]
        public var correctedSISRE: [GNSSSystem: Double]
        /// The corrected error's radial-and-clock and along-and-cross parts per system.
        public var correctedParts: [GNSSSystem: (radialClock: Double, alongCross: Double)]
        /// The range error users over the network's area see (`ServiceAreaRangeError`), broadcast alone and corrected.
        public var serviceAreaBroadcast: [GNSSSystem: Double] = [:]
        public var serviceAreaCorrected: [GNSSSystem: Double] = [:]
        /// The corrected GNSS range error along the lines of sight of the LEO satellites' onboard receivers (those the
        /// kinematic processing positions; each receiver's common part per system removed).
        public var gnssFromLEO: [GNSSSystem: Double] = [:]
        /// RMS error of the LEO satellites' kinematic positions (radial, along, cross), m, with `leoProcessing` kinematic.
        public var leoKinematicRMS: RadialAlongCross?
        /// The user's convergence (seconds to stay below 10 cm horizontal, 20 cm vertical) and RMS afterwards.
        public var convergence: Double?
        public var userRMS: (horizontal: Double, vertical: Double)?
        /// Mean network processing time per epoch, seconds, and the filter's state count at the end.
        public var secondsPerEpoch: Double
        public var states: Int
        public var lastEpoch: NetworkEpoch?
        /// The LEO satellites above the user's 10° mask over the user's span: signal-in-space range error of their
        /// broadcast alone and with the DPC's corrections (over the same satellites and epochs), the corrected error's
        /// parts, and the share of them that had corrections (nil, 0 without the LEO part).
        public var leoBroadcastSISRE: Double?
        public var leoCorrectedSISRE: Double?
        public var leoCorrectedParts: (radialClock: Double, alongCross: Double)?
        public var leoAvailability = 0.0
        /// The user's GNSS+LEO convergence and RMS afterwards.
        public var augmentedConvergence: Double?
        public var augmentedRMS: (horizontal: Double, vertical: Double)?
        /// Mean LEO processing time per onboard epoch of all satellites, seconds.
        public var leoSecondsPerEpoch = 0.0
    }

    public func run(start: GNSSTime, seed: UInt64) -> Outcome {
        let systems: Set<GNSSSystem> = [.gps, .galileo]
        let sky = PreciseSky(ephemeris: precise, systems: systems)
        let first = start - warmUp, end = start + userDuration
        var receivers = network.enumerated().map { i, s in
            ObservationSynthesizer(sky: sky, station: s.position, model: model, seed: seed &+ 100 &+ UInt64(i) &* 7919)
        }
        // The LEO constellation, its broadcast, and the onboard receivers of the satellites near the user.
        let leoSky = leoSegment.map { _ in LEOSky(constellation: leoConstellation, start: first - 300, span: end - first + 600, seed: seed &+ 7) }
        var leoStore = LEOEphemerisStore()
        if let leoSegment, let leoSky {
            for e in leoSegment.ephemerides(sky: leoSky, from: first - 120, to: end + 120, seed: seed &+ 8) { leoStore.add(e) }
        }
        var onboard: [SatelliteID: ObservationSynthesizer] = [:], jointOnboard: [SatelliteID: ObservationSynthesizer] = [:]
        var determination = LEOOrbitDetermination(options: leoOptions)
        let userSky: any SatelliteSky = leoSky.map { CombinedSky([sky, $0]) } ?? sky
        var userReceiver = ObservationSynthesizer(sky: userSky, station: user, model: userModel, seed: seed &+ 1)
        var filter = NetworkFilter(stations: network, options: options)
        var corrections = SSRCorrections()
        func engine(_ systems: Set<GNSSSystem>) -> PositioningEngine {
            PositioningEngine(profile: PositioningProfile(mode: .ppp, dynamics: .kinematic, elevationMask: 10 * Constants.degreesToRadians,
                                                          systems: systems))
        }
        var gnssEngine = engine(systems), augmentedEngine = engine(systems.union([.leo]))
        var broadcastError = SignalInSpaceError(), correctedError = SignalInSpaceError()
        let area = ServiceAreaRangeError.grid(over: network)
        var areaBroadcast = ServiceAreaRangeError(sites: area), areaCorrected = ServiceAreaRangeError(sites: area)
        var leoBroadcastError = SignalInSpaceError(), leoCorrectedError = SignalInSpaceError()
        var leoVisible = 0, leoCorrected = 0
        var leoViewCorrected = ServiceAreaRangeError(sites: [])
        var kinematicSquares = RadialAlongCross.zero, kinematicCount = 0
        var samples: [Convergence.Sample] = [], augmentedSamples: [Convergence.Sample] = []
        var processing = 0.0, epochs = 0, leoSeconds = 0.0, leoEpochs = 0
        var last: NetworkEpoch?
        var orbitSigmas: [SatelliteID: Double] = [:]
        // The GNSS orbits and clocks the LEO processing positions on: the network's corrections where it has them, else
        // the broadcast.
        func gnssState(_ sat: SatelliteID, _ t: GNSSTime) -> (state: SatelliteState, sigma: Double)? {
            if leoOnTrueGNSS { return precise.signalState(sat, at: t).map { ($0, 0.01) } }
            return leoGNSS.state(sat, at: t, corrections: corrections, broadcast: broadcast, orbitSigmas: orbitSigmas)
        }
        func isDue(_ t: GNSSTime, every interval: Double) -> Bool { (t - first).truncatingRemainder(dividingBy: interval) < 1e-6 }
        var step = min(userInterval, networkInterval)
        if leoSky != nil { step = min(step, onboardInterval, leoCorrectionInterval) }
        var t = first
        while t < end {
            if isDue(t, every: networkInterval) {
                var observations: [Int: ObservationEpoch] = [:]
                for i in receivers.indices { observations[i] = receivers[i].epoch(at: t).0 }
                var onboardEpochs: [SatelliteID: ObservationEpoch] = [:]
                if leoProcessing.entersNetworkFilter, let leoSky {
                    for sat in nearUser(leoSky, at: t, within: leoJointRegion, synthesizers: &jointOnboard, sky: sky, model: onboardModel, seed: seed) {
                        onboardEpochs[sat] = jointOnboard[sat]!.epoch(at: t).0
                    }
                }
                let clock = ContinuousClock.now
                last = filter.process(time: t, observations: observations, ephemerides: broadcast, onboard: onboardEpochs,
                                      leoEphemerides: leoStore)
                if leoProcessing == .joint {
                    for estimate in filter.leoEstimates { determination.take(estimate, model: options.leoForceModel) }
                }
                processing += Self.seconds(since: clock)
                epochs += 1
                let estimates = filter.estimates
                NetworkCorrections.add(estimates, epoch: t, updateInterval: networkInterval, into: &corrections)
                orbitSigmas = Dictionary(uniqueKeysWithValues: estimates.map { ($0.satellite, $0.orbitSigma) })
                if t >= start {
                    let broadcastErrors = errors(at: t, of: corrections.satellites, corrections: nil)
                    let correctedErrors = errors(at: t, of: corrections.satellites, corrections: corrections)
                    broadcastError.add(epoch: broadcastErrors)
                    correctedError.add(epoch: correctedErrors)
                    areaBroadcast.add(epoch: broadcastErrors)
                    areaCorrected.add(epoch: correctedErrors)
                }
            }
            if let leoSky {
                if leoProcessing.positionsKinematically, isDue(t, every: onboardInterval) {
                    let clock = ContinuousClock.now
                    for sat in nearUser(leoSky, at: t, within: leoRegion, synthesizers: &onboard, sky: sky, model: onboardModel, seed: seed) {
                        let (observations, truth) = onboard[sat]!.epoch(at: t)
                        if let solution = determination.process(sat, epoch: observations, gnss: gnssState), t >= start,
                           let velocity = Self.leoTruth(leoSky, sat, at: t)?.velocity,
                           let error = RadialAlongCross.of(solution.position - truth.position, position: truth.position, velocity: velocity) {
                            kinematicSquares.radial += error.radial * error.radial
                            kinematicSquares.along += error.along * error.along
                            kinematicSquares.cross += error.cross * error.cross
                            kinematicCount += 1
                        }
                    }
                    if t >= start {
                        let onboardSites = onboard.keys.compactMap { leoSky.state($0, at: t)?.position }
                        leoViewCorrected.add(epoch: errors(at: t, of: corrections.satellites, corrections: corrections), from: onboardSites, orbit: true)
                    }
                    determination.forget(olderThan: 600, at: t)
                    leoSeconds += Self.seconds(since: clock)
                    leoEpochs += 1
                }
                if isDue(t, every: leoCorrectionInterval) {
                    determination.add(at: t, broadcast: leoStore, interval: leoCorrectionInterval, into: &corrections)
                }
                if t >= start, isDue(t, every: networkInterval) {
                    let (broadcastEpoch, correctedEpoch, visible) = leoErrors(at: t, sky: leoSky, broadcast: leoStore, corrections: corrections)
                    leoBroadcastError.add(epoch: broadcastEpoch)
                    leoCorrectedError.add(epoch: correctedEpoch)
                    leoVisible += visible
                    leoCorrected += correctedEpoch.count
                }
            }
            if t >= start, isDue(t, every: userInterval) {
                let (epoch, truth) = userReceiver.epoch(at: t)
                let products = PositioningProducts(ephemerides: broadcast, leo: leoSky == nil ? nil : leoStore, ssr: corrections)
                let s = gnssEngine.solve(epoch, products: products)
                if s.quality != .none { samples.append(.init(time: t, error: s.position.enu(relativeTo: truth.marker))) }
                if leoSky != nil {
                    let a = augmentedEngine.solve(epoch, products: products)
                    if a.quality != .none { augmentedSamples.append(.init(time: t, error: a.position.enu(relativeTo: truth.marker))) }
                }
            }
            t = t + step
        }
        let convergence = Convergence.time(samples, from: start)
        var outcome = Outcome(broadcastSISRE: broadcastError.rms, correctedSISRE: correctedError.rms, correctedParts: correctedError.parts,
                              convergence: convergence, userRMS: convergence.flatMap { Convergence.rms(samples, after: start + $0) },
                              secondsPerEpoch: processing / Double(max(epochs, 1)), states: filter.stateCount, lastEpoch: last)
        outcome.serviceAreaBroadcast = areaBroadcast.rms
        outcome.serviceAreaCorrected = areaCorrected.rms
        if leoSky != nil {
            outcome.leoBroadcastSISRE = leoBroadcastError.rms[.leo]
            outcome.leoCorrectedSISRE = leoCorrectedError.rms[.leo]
            outcome.leoCorrectedParts = leoCorrectedError.parts[.leo]
            outcome.gnssFromLEO = leoViewCorrected.rms
            if kinematicCount > 0 {
                let n = Double(kinematicCount)
                outcome.leoKinematicRMS = RadialAlongCross(radial: (kinematicSquares.radial / n).squareRoot(),
                                                           along: (kinematicSquares.along / n).squareRoot(),
                                                           cross: (kinematicSquares.cross / n).squareRoot())
            }
            outcome.leoAvailability = Double(leoCorrected) / Double(max(leoVisible, 1))
            let augmented = Convergence.time(augmentedSamples, from: start)
            outcome.augmentedConvergence = augmented
            outcome.augmentedRMS = augmented.flatMap { Convergence.rms(augmentedSamples, after: start + $0) }
            outcome.leoSecondsPerEpoch = leoSeconds / Double(max(leoEpochs, 1))
        }
        return outcome
    }

    /// The LEO satellites within `region` (an angle at the Earth's centre) of the user at `t`, each with its onboard
    /// receiver's synthesizer (made on first sight, dropped when the satellite leaves).
    func nearUser(_ leoSky: LEOSky, at t: GNSSTime, within region: Double, synthesizers: inout [SatelliteID: ObservationSynthesizer],
                  sky: any SatelliteSky, model: SimulationModel, seed: UInt64) -> [SatelliteID] {
        var near: [SatelliteID] = []
        for sat in leoSky.satellites {
            guard let p = leoSky.state(sat, at: t)?.position, p.dot(user) / (p.norm * user.norm) >= cos(region) else {
                synthesizers[sat] = nil
                continue
            }
            if synthesizers[sat] == nil {
                synthesizers[sat] = ObservationSynthesizer(sky: sky, trajectory: .onboard(sky: leoSky, satellite: sat), model: model,
                                                           seed: seed &+ 0x0B0A &+ UInt64(sat.prn) &* 31)
            }
            near.append(sat)
        }
        return near
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).inSeconds
    }

    /// The LEO satellites above the user's 10° mask at `t`: computed minus true states, broadcast alone and with the
    /// corrections, of those the corrections serve; and how many were in view.
    func leoErrors(at t: GNSSTime, sky: LEOSky, broadcast: LEOEphemerisStore, corrections: SSRCorrections)
        -> ([(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)],
            [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)], Int) {
        let c = Constants.speedOfLight
        var alone: [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)] = []
        var corrected = alone
        var visible = 0
        for sat in sky.satellites {
            guard let truth = Self.leoTruth(sky, sat, at: t),
                  truth.position.enu(relativeTo: user).azimuthElevation.elevation >= 10 * Constants.degreesToRadians,
                  let b = broadcast.state(sat, at: t) else { continue }
            visible += 1
            guard case .success(let s) = corrections.state(sat, at: t, leo: broadcast) else { continue }
            alone.append((sat, b.position - truth.position, c * (b.clockBias - truth.clockBias), truth))
            corrected.append((sat, s.position - truth.position, c * (s.clockBias - truth.clockBias), truth))
        }
        return (alone, corrected, visible)
    }

    /// A LEO satellite's true state, its velocity by differences over a second.
    static func leoTruth(_ sky: LEOSky, _ sat: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        guard let now = sky.state(sat, at: t), let ahead = sky.state(sat, at: t + 0.5), let behind = sky.state(sat, at: t - 0.5) else { return nil }
        return SatelliteState(position: now.position, velocity: ahead.position - behind.position, clockBias: now.clock, clockDrift: 0)
    }

    /// Computed minus true states at `t` of the satellites the corrections serve, broadcast alone or corrected.
    func errors(at t: GNSSTime, of satellites: [SatelliteID], corrections: SSRCorrections?)
        -> [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)] {
        let c = Constants.speedOfLight
        return satellites.compactMap { sat in
            guard let truth = precise.signalState(sat, at: t) else { return nil }
            let computed: SatelliteState
            if let corrections {
                guard case .success(let s) = corrections.state(sat, at: t, ephemerides: broadcast) else { return nil }
                computed = s
            } else {
                guard let eph = broadcast.select(sat, at: t) else { return nil }
                var s = eph.state(at: t)
                s.clockBias = SSRCorrections.broadcastClock(eph, state: s, at: t)
                computed = s
            }
            return (sat, computed.position - truth.position, c * (computed.clockBias - truth.clockBias), truth)
        }
    }
}
