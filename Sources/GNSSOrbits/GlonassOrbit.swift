import GNSSCore

/// GLONASS broadcast orbit: the PZ-90 state at tb integrated with 4th-order
/// Runge–Kutta under the central field, J2 and Earth rotation, plus the
/// broadcast lunisolar acceleration held constant (GLONASS ICD 5.1, appendix A.3.1.2).
extension GlonassEphemeris {
    /// Position and velocity, and their time derivative (velocity and acceleration).
    private struct Motion {
        var position: ECEF
        var velocity: ECEF
        func advanced(by k: Motion, _ h: Double) -> Motion {
            Motion(position: position + h * k.position, velocity: velocity + h * k.velocity)
        }
    }

    private static func derivative(_ s: Motion, _ lunisolar: ECEF) -> Motion {
        let p = s.position, v = s.velocity
        let r2 = p.x * p.x + p.y * p.y + p.z * p.z
        let r = r2.squareRoot()
        guard r > 0 else { return Motion(position: .zero, velocity: .zero) }
        let r3 = r2 * r
        let mu = Constants.gmGLONASS, j2 = Constants.j2GLONASS, ae = Constants.radiusGLONASS
        let omega = Constants.earthRotationGLONASS
        let c = 1.5 * j2 * mu * ae * ae / (r2 * r3)
        let z2r = 5 * p.z * p.z / r2
        let ax = -mu / r3 * p.x - c * p.x * (1 - z2r) + omega * omega * p.x + 2 * omega * v.y + lunisolar.x
        let ay = -mu / r3 * p.y - c * p.y * (1 - z2r) + omega * omega * p.y - 2 * omega * v.x + lunisolar.y
        let az = -mu / r3 * p.z - c * p.z * (3 - z2r) + lunisolar.z
        return Motion(position: v, velocity: ECEF(ax, ay, az))
    }

    private static func rungeKutta(_ s: Motion, step h: Double, _ lunisolar: ECEF) -> Motion {
        let k1 = derivative(s, lunisolar)
        let k2 = derivative(s.advanced(by: k1, h / 2), lunisolar)
        let k3 = derivative(s.advanced(by: k2, h / 2), lunisolar)
        let k4 = derivative(s.advanced(by: k3, h), lunisolar)
        let sum = Motion(position: k1.position + 2 * k2.position + 2 * k3.position + k4.position,
                         velocity: k1.velocity + 2 * k2.velocity + 2 * k3.velocity + k4.velocity)
        return s.advanced(by: sum, h / 6)
    }

    /// State at `time` (GPS time); integrates from tb in steps of at most 60 s.
    public func state(at time: GNSSTime) -> SatelliteState {
        var s = Motion(position: position, velocity: velocity)
        var remaining = time - toe
        // Guard against absurd spans (a wrong ephemeris): integrate at most one day.
        remaining = max(-86_400, min(86_400, remaining))
        while abs(remaining) > 1e-9 {
            let h = remaining > 0 ? min(60, remaining) : max(-60, remaining)
            s = GlonassEphemeris.rungeKutta(s, step: h, acceleration)
            remaining -= h
        }
        let dt = time - toe
        return SatelliteState(position: s.position, velocity: s.velocity,
                              clockBias: clockBias + relativeFrequencyBias * dt,
                              clockDrift: relativeFrequencyBias)
    }
}

extension SBASEphemeris {
    /// SBAS GEO state by second-order extrapolation from t0.
    public func state(at time: GNSSTime) -> SatelliteState {
        let dt = time - toe
        let p = position + dt * velocity + (dt * dt / 2) * acceleration
        let v = velocity + dt * acceleration
        return SatelliteState(position: p, velocity: v, clockBias: af0 + af1 * dt, clockDrift: af1)
    }
}

extension Ephemeris {
    /// Satellite state at `time` (GPS time) from whichever broadcast model this is.
    public func state(at time: GNSSTime) -> SatelliteState {
        switch self {
        case .kepler(let e): e.state(at: time)
        case .glonass(let e): e.state(at: time)
        case .sbas(let e): e.state(at: time)
        }
    }

    /// Satellite clock offset at `time` (GPS time), seconds, without computing the orbit.
    public func clockBias(at time: GNSSTime) -> Double {
        switch self {
        case .kepler(let e): e.clockBias(at: time)
        case .glonass(let e): e.clockBias + e.relativeFrequencyBias * (time - e.toe)
        case .sbas(let e): e.af0 + e.af1 * (time - e.toe)
        }
    }

    /// Health as broadcast: true when the satellite is flagged usable.
    public var isHealthy: Bool {
        switch self {
        case .kepler(let e): e.health == 0
        case .glonass(let e): e.health == 0
        case .sbas(let e): e.health == 0
        }
    }

    /// How far from toe the ephemeris may be used, seconds (the validity the systems' ICDs imply).
    public var validity: Double { Self.validity(satellite.system) }

    /// A system's ephemeris validity, seconds.
    public static func validity(_ system: GNSSSystem) -> Double {
        switch system {
        case .gps, .qzss, .navic: 7_200
        case .galileo: 14_400
        case .beidou: 21_600
        case .glonass: 1_800
        case .sbas: 360
        case .leo: 1_800
        }
    }
}
