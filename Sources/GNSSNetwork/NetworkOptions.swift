import GNSSCore

/// A reference station of the network: its name and the known position of its antenna (ECEF, m).
public struct NetworkStation: Sendable, Hashable {
    public var name: String
    public var position: ECEF

    public init(name: String, position: ECEF) {
        self.name = name
        self.position = position
    }
}

/// How the network filter models and weighs what it estimates.
public struct NetworkOptions: Sendable {
    public var systems: Set<GNSSSystem> = [.gps, .galileo]
    public var elevationMask = 10 * Constants.degreesToRadians
    /// Undifferenced code and phase error at zenith (m), before the ionosphere-free amplification.
    public var codeSigma = 0.3
    public var phaseSigma = 0.003
    /// Random walk of each station's zenith wet delay, m/√s.
    public var troposphereProcessNoise = 1e-4
    /// Estimate each satellite's orbit correction (radial, along, cross); without it the clock absorbs the part of the
    /// orbit error along the network's lines of sight, which serves users inside a regional network only.
    public var estimateOrbits = true
    /// The broadcast orbit's error a priori (m, each component) per system, and its random walk (m/√s). Galileo's
    /// broadcast orbits are several times better than GPS's (decimetres against a metre); a prior that says so keeps the
    /// weak directions of a regional network's orbit estimates from wandering (regional SISRE 11 → 7 cm, from 2 m).
    public var orbitPrior: [GNSSSystem: Double] = [.gps: 2, .galileo: 0.5]
    public var orbitProcessNoise = 2e-3
    /// The rate of each orbit correction a priori (m/s, each component) per system; a system not listed has none (its
    /// orbit corrections are random walks only). A broadcast orbit's error drifts over the hours its ephemeris is
    /// fitted for, at up to a few tenths of a millimetre a second.
    public var orbitRatePrior: [GNSSSystem: Double] = [.gps: 3e-4, .galileo: 1e-4]
    /// Random walk of the orbit corrections' rates, m/s/√s.
    public var orbitRateProcessNoise = 1e-5
    /// Random walk of each satellite's clock correction (m/√s); nil: white noise, a fresh estimate every epoch.
    public var satelliteClockProcessNoise: Double? = nil
    /// The clock datum: per system, the mean of the satellites' clock corrections is held at zero with this weight (m),
    /// so the corrections stay those of the broadcast clocks' ensemble.
    public var datumSigma = 0.001
    /// A measurement whose post-fit residual exceeds this many sigmas is left out of the epoch (the worst first).
    public var outlierLimit = 5.0
    /// At most this many measurements are left out an epoch before the update stands as it is.
    public var maximumRejections = 8
    /// A track (station and satellite) or a satellite unseen this long is forgotten, seconds.
    public var maximumGap = 300.0
    /// Melbourne–Wübbena (wide-lane cycles) and geometry-free (m) jumps that declare a cycle slip.
    public var wideLaneSlip = 4.0
    public var geometryFreeSlip = 0.05
    /// Move the stations' known positions by the solid Earth tide.
    public var solidEarthTide = true
    /// LEO satellites' onboard receivers: GNSS satellites below this elevation from the LEO satellite's local horizon are
    /// left out (rays skimming the atmosphere).
    public var leoElevationMask = -10 * Constants.degreesToRadians
    /// A LEO orbit's prior about its broadcast, each component: position (m) and velocity (m/s).
    public var leoPositionPrior = 2.0
    public var leoVelocityPrior = 2e-3
    /// The forces a LEO orbit moves under between epochs, and the white noise of the acceleration it lacks (m/s² per
    /// √Hz, each axis: higher harmonics of the Earth's field, drag, radiation pressure).
    public var leoForceModel = LEOForceModel()
    public var leoAccelerationNoise = 1e-6
    /// A LEO satellite's clock: the random walk of each system's clock (m/√s; an oscillator of 1e−12 over a second walks
    /// 0.3 mm/√s), the drift's prior (m/s) and its random walk (m/s/√s).
    public var leoClockNoise = 1e-3
    public var leoClockDriftPrior = 0.1
    public var leoClockDriftNoise = 1e-5
    /// The most LEO satellites the filter follows at once (each adds some 40 states, and the update's cost grows with
    /// the square of the states).
    public var maximumLEOReceivers = 12
    /// Fix the ambiguities' double differences between neighbouring stations to integers (wide lane from the
    /// Melbourne–Wübbena combination, then narrow lane from the float ionosphere-free ambiguities) and hold them.
    public var resolveAmbiguities = false
    /// A track takes part once followed this many epochs without a slip.
    public var ambiguityMinimumEpochs = 20.0
    /// Each station pairs with this many of its nearest stations.
    public var ambiguityNeighbours = 4
    /// A double difference is fixed when its wide lane is within this many cycles of an integer, and its narrow lane
    /// within `narrowLaneFraction` cycles with a formal sigma below `narrowLaneSigma` cycles.
    public var wideLaneFraction = 0.2
    public var narrowLaneFraction = 0.15
    public var narrowLaneSigma = 0.1

    public init() {}
}
