import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts

/// The LEO satellites' precise orbits and clocks, from their onboard GNSS receivers: each satellite's observation epochs
/// are positioned by kinematic PPP (`LEOKinematicFilter`) against the GNSS orbits and clocks the caller gives (the
/// broadcast ephemerides with the network's own corrections); every `fitInterval` an orbit under the force model is
/// fitted to the last `arcLength` seconds of kinematic positions (`LEOOrbitFit`), which gives the orbit now and predicts
/// it over the next update interval. The clock is the onboard receiver's (the navigation signal and the receiver share
/// the satellite's oscillator), solved at the fitted orbit's position so that orbit and clock go together, with a rate
/// fitted over the last `clockSpan` seconds. The ground stations' observations of the LEO signals are not used.
///
/// Out: combined orbit and clock corrections (4058/2) against the LEO broadcast ephemerides, made by `LEOSSRGenerator`
/// with this orbit and clock as its truth. A satellite whose onboard data stop keeps its orbit for `maximumPrediction`
/// seconds; after that it gets no corrections, and those its users hold go stale.
public struct LEOOrbitDetermination: Sendable {
    public struct Options: Sendable {
        public var kinematic = LEOKinematicFilter.Options()
        public var model = LEOForceModel()
        /// Seconds of kinematic positions an orbit is fitted to, and the fewest seconds and positions of a first fit.
        public var arcLength = 1200.0
        public var minimumArc = 300.0
        public var minimumSamples = 20
        /// Kinematic positions whose formal sigma is larger (ambiguities still converging) are left out of the fit, m;
        /// the others are weighed by it.
        public var maximumSampleSigma = 2.0
        /// Seconds between fits.
        public var fitInterval = 30.0
        /// How long after a satellite's last onboard epoch its orbit and clock still serve, seconds.
        public var maximumPrediction = 60.0
        /// Seconds of clocks the clock's rate is fitted over.
        public var clockSpan = 60.0
        /// Fit a constant along-track acceleration besides the state (drag and what else the model lacks).
        public var estimateAlong = false
        /// The user range accuracy stated with each satellite's corrections (SSR URA, 1σ), m, which a user's PPP weighs
        /// the satellite's ranges by; nil states none.
        public var accuracy: Double?

        public init() {}
    }

    /// A satellite's determined orbit and clock as they serve between onboard epochs.
    public struct Determined: Sendable {
        public var orbit: LEOFittedOrbit
        /// Clock (s) at `clockEpoch` and its rate (s/s).
        public var clock: Double
        public var clockRate: Double
        public var clockEpoch: GNSSTime
        /// The last onboard epoch.
        public var lastData: GNSSTime

        /// Position (Earth-fixed, m) and clock (s) at `t`.
        public func state(at t: GNSSTime) -> (position: ECEF, clock: Double) {
            (orbit.state(at: t).position, clock + clockRate * (t - clockEpoch))
        }
    }

    private struct Satellite {
        var filter: LEOKinematicFilter
        var arc: [LEOOrbitFit.Sample] = []
        var clocks: [(time: GNSSTime, clock: Double)] = []
        var orbit: LEOFittedOrbit?
        var lastFit: GNSSTime?
        var determined: Determined?
    }

    public var options: Options
    private var satellites: [SatelliteID: Satellite] = [:]

    public init(options: Options = Options()) {
        self.options = options
    }

    /// Processes one onboard observation epoch of LEO satellite `sat`; returns its kinematic solution.
    @discardableResult
    public mutating func process(_ sat: SatelliteID, epoch: ObservationEpoch, gnss: LEOKinematicFilter.GNSSStates) -> LEOKinematicFilter.Solution? {
        var s = satellites[sat] ?? Satellite(filter: LEOKinematicFilter(options: options.kinematic))
        defer { satellites[sat] = s }
        guard let solution = s.filter.process(epoch, gnss: gnss) else { return nil }
        let t = solution.time
        if solution.sigma <= options.maximumSampleSigma {
            // The position is where the satellite was at reception: the epoch less the receiver's clock offset.
            let arrival = t - solution.clock / Constants.speedOfLight
            s.arc.append(LEOOrbitFit.Sample(time: arrival, position: solution.position, sigma: max(solution.sigma, 0.01)))
        }
        s.arc.removeAll { t - $0.time > options.arcLength }
        if s.lastFit.map({ t - $0 >= options.fitInterval - 1e-6 }) ?? true, let first = s.arc.first,
           t - first.time >= options.minimumArc, s.arc.count >= options.minimumSamples {
            let initial = s.orbit.flatMap { o -> LEOForceModel.State? in
                // The previous fit carried to this epoch, in the frame of this epoch.
                guard t - o.epoch < options.arcLength else { return nil }
                let e = o.state(at: t)
                return LEOForceModel.inertial(position: e.position, velocity: e.velocity, at: 0)
            }
            if let orbit = LEOOrbitFit.fit(s.arc, model: options.model, estimateAlong: options.estimateAlong, initial: initial,
                                          iterations: initial == nil ? 6 : 3) {
                s.orbit = orbit
            }
            s.lastFit = t
        }
        // The clock at the orbit's position, else the kinematic one.
        let position = s.orbit.map { $0.state(at: t).position }
        let clock = position.flatMap { s.filter.clock(at: $0) } ?? solution.clock
        s.clocks.append((t, clock))
        s.clocks.removeAll { t - $0.time > options.clockSpan }
        if let orbit = s.orbit, t - orbit.epoch <= options.maximumPrediction {
            let c = Constants.speedOfLight
            s.determined = Determined(orbit: orbit, clock: clock / c, clockRate: Self.rate(s.clocks) / c, clockEpoch: t, lastData: t)
        }
        return solution
    }

    /// Takes `sat`'s orbit and clock as the network filter estimated them jointly with the GNSS corrections (instead of
    /// positioning its onboard epochs here): they serve as a fitted orbit would, predicted under `model`, the clock with a
    /// drift the filter's.
    public mutating func take(_ estimate: LEOEstimate, model: LEOForceModel) {
        let sat = estimate.satellite, t = estimate.time
        var s = satellites[sat] ?? Satellite(filter: LEOKinematicFilter(options: options.kinematic))
        defer { satellites[sat] = s }
        let state = LEOForceModel.inertial(position: estimate.position, velocity: estimate.velocity, at: 0)
        let orbit = LEOFittedOrbit(epoch: t, state: state, along: 0, model: model, rms: estimate.positionSigma, samples: 1,
                                   arcStart: t - options.maximumPrediction)
        s.orbit = orbit
        s.lastFit = t
        let c = Constants.speedOfLight
        s.determined = Determined(orbit: orbit, clock: estimate.clock / c, clockRate: estimate.clockDrift / c, clockEpoch: t, lastData: t)
    }

    /// The least-squares rate of a short series of clocks, m/s (zero with fewer than two).
    static func rate(_ clocks: [(time: GNSSTime, clock: Double)]) -> Double {
        guard clocks.count >= 2, let t0 = clocks.first?.time else { return 0 }
        let n = Double(clocks.count)
        let ts = clocks.map { $0.time - t0 }
        let mt = ts.reduce(0, +) / n, mc = clocks.reduce(0) { $0 + $1.clock } / n
        var sxy = 0.0, sxx = 0.0
        for (t, c) in zip(ts, clocks) {
            sxy += (t - mt) * (c.clock - mc)
            sxx += (t - mt) * (t - mt)
        }
        return sxx > 0 ? sxy / sxx : 0
    }

    /// The satellites with an orbit and clock serving `t`.
    public func determined(at t: GNSSTime) -> [SatelliteID: Determined] {
        satellites.compactMapValues { s in
            guard let d = s.determined, t - d.lastData <= options.maximumPrediction, !(t < d.orbit.arcStart) else { return nil }
            return d
        }
    }

    /// The latest kinematic solution and fitted orbit of `sat`.
    public func kinematic(_ sat: SatelliteID) -> LEOKinematicFilter.Solution? { satellites[sat]?.filter.solution }
    public func orbit(_ sat: SatelliteID) -> LEOFittedOrbit? { satellites[sat]?.orbit }

    /// Forgets satellites whose last onboard epoch is older than `age` seconds at `t` (their filters restart).
    public mutating func forget(olderThan age: Double, at t: GNSSTime) {
        satellites = satellites.filter { _, s in (s.determined?.lastData ?? s.filter.solution?.time).map { t - $0 <= age } ?? false }
    }

    /// The 4058/2 messages of epoch `t` against the broadcast ephemerides `broadcast`, every `interval` seconds (an SSR
    /// update interval).
    public func messages(at t: GNSSTime, broadcast: LEOEphemerisStore, interval: Double, issue: SSRIssue = SSRIssue()) -> [SSRMessage] {
        let serving = determined(at: t)
        var options = LEOSSRGenerator.Options()
        options.interval = interval
        options.providerID = issue.provider
        options.solutionID = issue.solution
        options.iodSSR = issue.iodSSR
        let horizon = self.options.maximumPrediction + interval
        guard var generator = try? LEOSSRGenerator(broadcast: broadcast, truth: { sat, time in
            guard let d = serving[sat], time - d.lastData <= horizon else { return nil }
            return d.state(at: time)
        }, options: options) else { return [] }
        return generator.messages(at: t)
    }

    /// The corrections of epoch `t` added to `corrections`, as a user's SSR feed takes them.
    public func add(at t: GNSSTime, broadcast: LEOEphemerisStore, interval: Double, issue: SSRIssue = SSRIssue(),
                    into corrections: inout SSRCorrections) {
        var feed = SSRFeed(near: t)
        let index = options.accuracy.map(SSRGenerator.accuracyIndex)
        for m in messages(at: t, broadcast: broadcast, interval: interval, issue: issue) {
            feed.add(m, at: t, into: &corrections)
            if let index { for s in m.satellites { corrections.add(accuracy: index, for: s.satellite) } }
        }
    }
}
