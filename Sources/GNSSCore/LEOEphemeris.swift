/// A LEO augmentation satellite's broadcast orbit and clock: over a short
/// validity window (minutes: a LEO satellite moves ~7 km/s, so the model is
/// refreshed often) each Earth-fixed coordinate is a polynomial in the
/// normalised time τ = (t − reference)/halfWidth ∈ [−1, 1], and the clock is
/// a0 + a1·dt + a2·dt² (seconds, relativistic effects included: the clock as
/// the signal carries it).
///
/// The data lives here so that formats (RTCM 3 message 4058/1) and orbits can
/// both use it; evaluation and fitting are in GNSSOrbits.
public struct LEOEphemeris: Sendable, Hashable {
    public var satellite: SatelliteID
    public var reference: GNSSTime
    public var halfWidth: Double
    /// Polynomial coefficients in τ for x, y and z (metres), lowest degree first.
    public var x: [Double], y: [Double], z: [Double]
    public var clock: [Double]
    /// Issue of data, 0–255: the satellite segment changes it with every new fit it uploads, so a
    /// receiver can tell a repeated broadcast from a new one (0 where unknown).
    public var issue: Int
    /// False when the satellite segment says the satellite must not be used.
    public var healthy: Bool

    public init(satellite: SatelliteID, reference: GNSSTime, halfWidth: Double, x: [Double], y: [Double], z: [Double], clock: [Double],
                issue: Int = 0, healthy: Bool = true) {
        self.satellite = satellite
        self.reference = reference
        self.halfWidth = halfWidth
        self.x = x
        self.y = y
        self.z = z
        self.clock = clock
        self.issue = issue
        self.healthy = healthy
    }

    public func covers(_ t: GNSSTime) -> Bool { abs(t - reference) <= halfWidth * 1.0001 }
}
