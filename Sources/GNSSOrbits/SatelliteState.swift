import GNSSCore

/// A satellite's position, velocity and clock at one instant, in the ECEF
/// frame of its system's broadcast (WGS-84, PZ-90, CGCS2000, GTRF: all within
/// centimetres of ITRF for this purpose).
public struct SatelliteState: Sendable, Hashable {
    public var position: ECEF
    public var velocity: ECEF
    /// Satellite clock offset from system time, seconds (relativistic correction included, group delay not).
    public var clockBias: Double
    /// Clock drift, s/s.
    public var clockDrift: Double

    public init(position: ECEF, velocity: ECEF, clockBias: Double, clockDrift: Double) {
        self.position = position
        self.velocity = velocity
        self.clockBias = clockBias
        self.clockDrift = clockDrift
    }
}
