import GNSSCore
import GNSSOrbits
import GNSSPositioning

/// One start time of the convergence benchmark: a static station simulated under
/// the real GNSS sky of a day plus the LEO constellation, processed in kinematic
/// mode by the same PPP engine twice, GNSS only (GPS+Galileo) and GNSS+LEO.
public struct ConvergenceExperiment: Sendable {
    public var precise: PreciseEphemeris
    /// Broadcast ephemerides for the engine's first single-point fix.
    public var broadcast: EphemerisStore
    public var station: ECEF
    public var duration: Double = 2700
    public var interval: Double = 2
    public var constellation = LEOConstellation.standard
    public var segment = SatelliteSegment()
    /// Range errors of imperfect corrections, per system, put into the user's observations (none: perfect products).
    public var rangeError: [GNSSSystem: CorrectionResidual.Process] = [:]

    public init(precise: PreciseEphemeris, broadcast: EphemerisStore, station: ECEF) {
        self.precise = precise
        self.broadcast = broadcast
        self.station = station
    }

    public struct Outcome: Sendable {
        /// Seconds until the error stays below 10 cm horizontally and 20 cm vertically; nil if it never does.
        public var convergence: Double?
        /// RMS horizontal and vertical error after convergence.
        public var rms: (horizontal: Double, vertical: Double)?
    }

    /// Kinematic PPP of a static station with a 10° mask, as the experiment processes every start.
    static func profile(_ systems: Set<GNSSSystem>) -> PositioningProfile {
        PositioningProfile(mode: .ppp, dynamics: .kinematic, elevationMask: 10 * Constants.degreesToRadians, systems: systems)
    }

    /// GNSS-only kinematic PPP on given epochs (real or simulated), against a fixed reference position.
    public func gnssOnly(_ epochs: [ObservationEpoch], start: GNSSTime, reference: ECEF) -> Outcome {
        var engine = PositioningEngine(profile: Self.profile([.gps, .galileo]))
        let products = PositioningProducts(ephemerides: broadcast, precise: precise)
        var samples: [Convergence.Sample] = []
        for epoch in epochs where epoch.time >= start && epoch.time - start < duration {
            let s = engine.solve(epoch, products: products)
            if s.quality != .none { samples.append(.init(time: epoch.time, error: s.position.enu(relativeTo: reference))) }
        }
        let time = Convergence.time(samples, from: start)
        return Outcome(convergence: time, rms: time.flatMap { Convergence.rms(samples, after: start + $0) })
    }

    /// Simulated GNSS-only epochs at `interval` seconds, for the calibration against real observations.
    public func simulatedGNSS(start: GNSSTime, interval: Double, seed: UInt64) -> [ObservationEpoch] {
        var simulator = ObservationSynthesizer(sky: PreciseSky(ephemeris: precise, systems: [.gps, .galileo]), station: station, seed: seed)
        return stride(from: 0.0, to: duration, by: interval).map { simulator.epoch(at: start + $0).0 }
    }

    public func run(start: GNSSTime, seed: UInt64) -> (gnss: Outcome, augmented: Outcome) {
        let leo = LEOSky(constellation: constellation, start: start - 300, span: duration + 600, seed: seed)
        var store = LEOEphemerisStore()
        for e in segment.ephemerides(sky: leo, from: start - 120, to: start + duration + 120, seed: seed &+ 1) { store.add(e) }
        let gnssSystems: Set<GNSSSystem> = [.gps, .galileo]
        let sky = CombinedSky([PreciseSky(ephemeris: precise, systems: gnssSystems), leo])
        var simulator = ObservationSynthesizer(sky: sky, station: station, seed: seed &+ 2)
        var residual = CorrectionResidual(processes: rangeError, seed: seed &+ 3)
        var epochs: [(ObservationEpoch, EpochTruth)] = []
        var t = start
        while t - start < duration {
            let (epoch, truth) = simulator.epoch(at: t)
            epochs.append((residual.apply(to: epoch), truth))
            t = t + interval
        }
        func process(_ systems: Set<GNSSSystem>) -> Outcome {
            var engine = PositioningEngine(profile: Self.profile(systems))
            let products = PositioningProducts(ephemerides: broadcast, precise: precise, leo: store)
            var samples: [Convergence.Sample] = []
            for (epoch, truth) in epochs {
                let s = engine.solve(epoch, products: products)
                if s.quality != .none { samples.append(.init(time: epoch.time, error: s.position.enu(relativeTo: truth.marker))) }
            }
            let time = Convergence.time(samples, from: start)
            return Outcome(convergence: time, rms: time.flatMap { Convergence.rms(samples, after: start + $0) })
        }
        return (process(gnssSystems), process(gnssSystems.union([.leo])))
    }
}
