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
        /// The user's convergence (seconds to stay below 10 cm horizontal, 20 cm vertical) and RMS afterwards.
        public var convergence: Double?
        public var userRMS: (horizontal: Double, vertical: Double)?
        /// Mean network processing time per epoch, seconds, and the filter's state count at the end.
        public var secondsPerEpoch: Double
        public var states: Int
        public var lastEpoch: NetworkEpoch?
    }

    public func run(start: GNSSTime, seed: UInt64) -> Outcome {
        let systems: Set<GNSSSystem> = [.gps, .galileo]
        let sky = PreciseSky(ephemeris: precise, systems: systems)
        var receivers = network.enumerated().map { i, s in
            ObservationSynthesizer(sky: sky, station: s.position, model: model, seed: seed &+ 100 &+ UInt64(i) &* 7919)
        }
        var userReceiver = ObservationSynthesizer(sky: sky, station: user, model: userModel, seed: seed &+ 1)
        var filter = NetworkFilter(stations: network, options: options)
        var corrections = SSRCorrections()
        var engine = PositioningEngine(profile: PositioningProfile(mode: .ppp, dynamics: .kinematic,
                                                                   elevationMask: 10 * Constants.degreesToRadians, systems: systems))
        var broadcastError = SignalInSpaceError(), correctedError = SignalInSpaceError()
        var samples: [Convergence.Sample] = []
        var processing = 0.0, epochs = 0
        var last: NetworkEpoch?
        let first = start - warmUp, end = start + userDuration
        var t = first
        while t < end {
            if (t - first).truncatingRemainder(dividingBy: networkInterval) < 1e-6 {
                var observations: [Int: ObservationEpoch] = [:]
                for i in receivers.indices { observations[i] = receivers[i].epoch(at: t).0 }
                let clock = ContinuousClock.now
                last = filter.process(time: t, observations: observations, ephemerides: broadcast)
                let elapsed = ContinuousClock.now - clock
                processing += Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                epochs += 1
                NetworkCorrections.add(filter.estimates, epoch: t, updateInterval: networkInterval, into: &corrections)
                if t >= start {
                    broadcastError.add(epoch: errors(at: t, of: corrections.satellites, corrections: nil))
                    correctedError.add(epoch: errors(at: t, of: corrections.satellites, corrections: corrections))
                }
            }
            if t >= start {
                let (epoch, truth) = userReceiver.epoch(at: t)
                let products = PositioningProducts(ephemerides: broadcast, ssr: corrections)
                let s = engine.solve(epoch, products: products)
                if s.quality != .none { samples.append(.init(time: t, error: s.position.enu(relativeTo: truth.marker))) }
            }
            t = t + min(userInterval, networkInterval)
        }
        let convergence = Convergence.time(samples, from: start)
        return Outcome(broadcastSISRE: broadcastError.rms, correctedSISRE: correctedError.rms, correctedParts: correctedError.parts, convergence: convergence,
                       userRMS: convergence.flatMap { Convergence.rms(samples, after: start + $0) },
                       secondsPerEpoch: processing / Double(max(epochs, 1)), states: filter.stateCount, lastEpoch: last)
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
