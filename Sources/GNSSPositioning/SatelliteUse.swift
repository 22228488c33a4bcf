import GNSSCore

/// Why the engine left a satellite of an epoch out of its solution, as the estimator decided it.
public enum SatelliteUnusedReason: String, Sendable, Hashable, CaseIterable {
    /// The profile does not process the satellite's system.
    case systemNotSelected = "system_not_selected"
    /// The profile's `exclude` list names it.
    case excludedByConfiguration = "excluded_by_configuration"
    /// None of the signals the estimator needs (SPP: a primary code; PPP: code and phase on two frequencies; RTK: a
    /// signal both receivers tracked) was observed.
    case missingSignal = "missing_signal"
    /// No broadcast ephemeris in force at the epoch's time.
    case noEphemeris = "no_ephemeris"
    /// The broadcast ephemeris in force marks it unhealthy.
    case unhealthy
    /// PPP: the precise orbits and clocks hold no state for it at the epoch's time.
    case noPreciseOrbit = "no_precise_orbit"
    /// SSR corrections were given and could not serve it (none, too old, another issue of the ephemeris).
    case noSSR = "no_ssr"
    /// Below the elevation mask (for RTK, at the rover or at the base).
    case belowMask = "below_mask"
    /// RTK: the base's epoch does not hold it.
    case noBaseObservation = "no_base_observation"
    /// Rejected by the estimator's residual test: SPP's fault exclusion (RAIM), PPP's post-fit test, RTK's
    /// innovation gate.
    case outlier
    /// RTK: paired, but no double difference could be formed with it (the only satellite of its system and band).
    case noDoubleDifference = "no_double_difference"
    /// It was usable, but the epoch has no solution at all (too few satellites, a failed fix).
    case noSolution = "no_solution"
}

/// One satellite of a solved epoch as the engine used it: used or the reason it was not and, for used ones, the
/// post-fit residuals of the latest update (observed minus computed at the solution, m).
///
/// - SPP: `codeResidual` is the satellite's pseudorange residual (ionosphere-free where the combination was formed),
///   `codeSigma` the standard deviation it was weighted with; there is no phase.
/// - PPP: the undifferenced ionosphere-free code and phase residuals after the filter's last measurement update.
/// - RTK: double-difference residuals against the reference satellite of the satellite's system and band (the
///   highest), on the first frequency that has one, after the float filter's update (before ambiguities are fixed);
///   the reference satellite itself has none (nil).
public struct SatelliteUse: Sendable, Hashable {
    public var satellite: SatelliteID
    /// Nil when the satellite was used.
    public var reason: SatelliteUnusedReason?
    public var codeResidual: Double?
    public var phaseResidual: Double?
    /// The code's a priori standard deviation in the estimator's weighting, m (SPP, PPP).
    public var codeSigma: Double?
    /// The engine's own phase checks found a cycle slip on it at this epoch (PPP: Melbourne–Wübbena or geometry-free
    /// jump; RTK: geometry-free or Doppler jump), beyond what the receiver flagged.
    public var cycleSlip = false

    public var used: Bool { reason == nil }

    public init(satellite: SatelliteID, reason: SatelliteUnusedReason? = nil, codeResidual: Double? = nil,
                phaseResidual: Double? = nil, codeSigma: Double? = nil) {
        self.satellite = satellite
        self.reason = reason
        self.codeResidual = codeResidual
        self.phaseResidual = phaseResidual
        self.codeSigma = codeSigma
    }

    /// A satellite the estimator did not use, for `reason`.
    public static func unused(_ satellite: SatelliteID, _ reason: SatelliteUnusedReason) -> SatelliteUse {
        SatelliteUse(satellite: satellite, reason: reason)
    }
}

extension Array where Element == SatelliteUse {
    /// The entry of a satellite (a linear search: an epoch holds a few dozen).
    public func first(of satellite: SatelliteID) -> SatelliteUse? {
        first { $0.satellite == satellite }
    }
}
