import GNSSCore

/// Options of relative (RTK) positioning. Defaults follow common practice
/// for geodetic receivers on baselines of a few kilometres.
public struct RTKOptions: Sendable, Hashable {
    public enum Dynamics: String, Sendable, Hashable {
        /// Position re-estimated every epoch (the receiver may move).
        case kinematic
        /// One position for the whole session.
        case `static`
    }

    public var dynamics: Dynamics
    public var elevationMask: Double
    public var systems: Set<GNSSSystem>
    /// Number of frequencies to use (1 or 2).
    public var frequencies: Int
    /// Phase error model a + b/sin(el), metres (per receiver, undifferenced).
    public var phaseErrorA: Double
    public var phaseErrorB: Double
    /// Code-to-phase error ratio.
    public var codePhaseRatio: Double
    /// Ambiguity random walk, cycles/√s.
    public var ambiguityProcessNoise: Double
    /// Initial ambiguity standard deviation, cycles.
    public var ambiguityInitialSigma: Double
    /// Minimum ratio of second-best to best residual for a fix.
    public var ratioThreshold: Double
    /// Innovations larger than this (m) reject the measurement.
    public var maxInnovation: Double
    /// Geometry-free phase jump (m) between epochs that declares a cycle slip.
    public var geometryFreeSlipThreshold: Double
    /// Phase change (cycles) unexplained by the Doppler between epochs that declares a cycle slip, after the
    /// change common to a receiver's satellites (a clock jump) is removed; catches the slips of single-frequency
    /// signals, which have no geometry-free combination.
    public var dopplerSlipThreshold: Double
    /// Epochs a satellite may be missing before its ambiguity is reset.
    public var maxOutage: Int
    /// Hold fixed ambiguities as pseudo-measurements in the next epochs.
    public var fixAndHold: Bool
    /// Resolve GLONASS ambiguities (inter-channel biases make this receiver-dependent).
    public var glonassAmbiguityResolution: Bool

    public static let defaultElevationMask = 15 * Constants.degreesToRadians

    /// A base epoch up to this long after the rover's is the rover's epoch (seconds): receivers whose clocks are
    /// not steered to GPS time stamp their epochs milliseconds off the whole second, each its own way.
    public static let epochTolerance = 0.025

    public init(dynamics: Dynamics = .kinematic, elevationMask: Double = RTKOptions.defaultElevationMask,
                systems: Set<GNSSSystem> = [.gps, .glonass, .galileo, .beidou, .qzss], frequencies: Int = 2,
                phaseErrorA: Double = 0.003, phaseErrorB: Double = 0.003, codePhaseRatio: Double = 100,
                ambiguityProcessNoise: Double = 1e-4, ambiguityInitialSigma: Double = 30,
                ratioThreshold: Double = 3, maxInnovation: Double = 30, geometryFreeSlipThreshold: Double = 0.05,
                dopplerSlipThreshold: Double = 5, maxOutage: Int = 5, fixAndHold: Bool = false, glonassAmbiguityResolution: Bool = false) {
        self.dynamics = dynamics
        self.elevationMask = elevationMask
        self.systems = systems
        self.frequencies = frequencies
        self.phaseErrorA = phaseErrorA
        self.phaseErrorB = phaseErrorB
        self.codePhaseRatio = codePhaseRatio
        self.ambiguityProcessNoise = ambiguityProcessNoise
        self.ambiguityInitialSigma = ambiguityInitialSigma
        self.ratioThreshold = ratioThreshold
        self.maxInnovation = maxInnovation
        self.geometryFreeSlipThreshold = geometryFreeSlipThreshold
        self.dopplerSlipThreshold = dopplerSlipThreshold
        self.maxOutage = maxOutage
        self.fixAndHold = fixAndHold
        self.glonassAmbiguityResolution = glonassAmbiguityResolution
    }
}
