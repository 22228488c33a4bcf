import GNSSCore

/// GLONASS broadcast orbit: the PZ-90 state at tb integrated with 4th-order
/// Runge–Kutta under the central field, J2 and Earth rotation, plus the
/// broadcast lunisolar acceleration held constant (GLONASS ICD 5.1, appendix A.3.1.2).
extension GlonassEphemeris {
    private static func derivative(_ s: [Double], _ acc: ECEF) -> [Double] {
        let x = s[0], y = s[1], z = s[2], vx = s[3], vy = s[4], vz = s[5]
        let r2 = x * x + y * y + z * z
        let r = r2.squareRoot()
        guard r > 0 else { return [0, 0, 0, 0, 0, 0] }
        let r3 = r2 * r
        let mu = Constants.gmGLONASS, j2 = Constants.j2GLONASS, ae = Constants.radiusGLONASS
        let omega = Constants.earthRotationGLONASS
        let c = 1.5 * j2 * mu * ae * ae / (r2 * r3)
        let z2r = 5 * z * z / r2
        let ax = -mu / r3 * x - c * x * (1 - z2r) + omega * omega * x + 2 * omega * vy + acc.x
        let ay = -mu / r3 * y - c * y * (1 - z2r) + omega * omega * y - 2 * omega * vx + acc.y
        let az = -mu / r3 * z - c * z * (3 - z2r) + acc.z
        return [vx, vy, vz, ax, ay, az]
    }

    private static func rungeKutta(_ s: [Double], step h: Double, _ acc: ECEF) -> [Double] {
        func add(_ a: [Double], _ b: [Double], _ k: Double) -> [Double] { (0..<6).map { a[$0] + k * b[$0] } }
        let k1 = derivative(s, acc)
        let k2 = derivative(add(s, k1, h / 2), acc)
        let k3 = derivative(add(s, k2, h / 2), acc)
        let k4 = derivative(add(s, k3, h), acc)
        return (0..<6).map { s[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
    }

    /// State at `time` (GPS time); integrates from tb in steps of at most 60 s.
    public func state(at time: GNSSTime) -> SatelliteState {
        var s = [position.x, position.y, position.z, velocity.x, velocity.y, velocity.z]
        var remaining = time - toe
        // Guard against absurd spans (a wrong ephemeris): integrate at most one day.
        remaining = max(-86_400, min(86_400, remaining))
        while abs(remaining) > 1e-9 {
            let h = remaining > 0 ? min(60, remaining) : max(-60, remaining)
            s = GlonassEphemeris.rungeKutta(s, step: h, acceleration)
            remaining -= h
        }
        let dt = time - toe
        return SatelliteState(position: ECEF(s[0], s[1], s[2]), velocity: ECEF(s[3], s[4], s[5]),
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

    /// Health as broadcast: true when the satellite is flagged usable.
    public var isHealthy: Bool {
        switch self {
        case .kepler(let e): e.health == 0
        case .glonass(let e): e.health == 0
        case .sbas(let e): e.health == 0
        }
    }

    /// How far from toe the ephemeris may be used, seconds (the validity the systems' ICDs imply).
    public var validity: Double {
        switch satellite.system {
        case .gps, .qzss, .navic: 7_200
        case .galileo: 14_400
        case .beidou: 21_600
        case .glonass: 1_800
        case .sbas: 360
        case .leo: 1_800
        }
    }
}
