import Foundation
import GNSSCore

/// Satellite position and clock from a Keplerian broadcast ephemeris
/// (IS-GPS-200 table 20-IV; Galileo OS SIS ICD §5.1.1; BDS-SIS-ICD §5.2.4,
/// including the rotation for BeiDou GEO satellites).
extension KeplerEphemeris {
    /// Gravitational constant and Earth rotation rate the system's ICD prescribes.
    var orbitConstants: (gm: Double, omegaEarth: Double) {
        switch satellite.system {
        case .galileo: (Constants.gmGalileo, Constants.earthRotationGPS)
        case .beidou: (Constants.gmBeiDou, Constants.earthRotationBeiDou)
        default: (Constants.gmGPS, Constants.earthRotationGPS)
        }
    }

    /// BeiDou GEO satellites use a different frame rotation.
    public var isBeiDouGEO: Bool {
        satellite.system == .beidou && (satellite.prn <= 5 || satellite.prn >= 59)
    }

    /// Eccentric anomaly by Newton iteration on Kepler's equation.
    func eccentricAnomaly(meanAnomaly m: Double) -> Double {
        var e = m
        for _ in 0..<30 {
            let f = e - eccentricity * sin(e) - m
            let step = f / (1 - eccentricity * cos(e))
            e -= step
            if abs(step) < 1e-14 { break }
        }
        return e
    }

    /// Position (ECEF) at `time` (GPS time), without the clock.
    public func position(at time: GNSSTime) -> ECEF {
        let (gm, omegaE) = orbitConstants
        let a = sqrtA * sqrtA
        let tk = time - toe
        let n = (gm / (a * a * a)).squareRoot() + meanMotionDifference
        let ek = eccentricAnomaly(meanAnomaly: meanAnomaly + n * tk)
        let sinE = sin(ek), cosE = cos(ek)
        let nu = atan2((1 - eccentricity * eccentricity).squareRoot() * sinE, cosE - eccentricity)
        let phi = nu + argumentOfPerigee
        let sin2p = sin(2 * phi), cos2p = cos(2 * phi)
        let u = phi + cus * sin2p + cuc * cos2p
        let r = a * (1 - eccentricity * cosE) + crs * sin2p + crc * cos2p
        let i = inclination + inclinationRate * tk + cis * sin2p + cic * cos2p
        let xp = r * cos(u), yp = r * sin(u)
        let cosI = cos(i), sinI = sin(i)
        if isBeiDouGEO {
            // Inertial-like frame first, then rotate by −5° about X and by Earth rotation about Z.
            let omega = rightAscension + rightAscensionRate * tk - omegaE * toeSeconds
            let co = cos(omega), so = sin(omega)
            let xg = xp * co - yp * cosI * so
            let yg = xp * so + yp * cosI * co
            let zg = yp * sinI
            let rx = -5.0 * Constants.degreesToRadians
            let cx = cos(rx), sx = sin(rx)
            let rz = omegaE * tk
            let cz = cos(rz), sz = sin(rz)
            let y1 = cx * yg + sx * zg
            let z1 = -sx * yg + cx * zg
            return ECEF(cz * xg + sz * y1, -sz * xg + cz * y1, z1)
        }
        let omega = rightAscension + (rightAscensionRate - omegaE) * tk - omegaE * toeSeconds
        let co = cos(omega), so = sin(omega)
        return ECEF(xp * co - yp * cosI * so, xp * so + yp * cosI * co, yp * sinI)
    }

    /// Relativistic clock correction F·e·√A·sin E, seconds.
    func relativisticCorrection(at time: GNSSTime) -> Double {
        let (gm, _) = orbitConstants
        let a = sqrtA * sqrtA
        let n = (gm / (a * a * a)).squareRoot() + meanMotionDifference
        let ek = eccentricAnomaly(meanAnomaly: meanAnomaly + n * (time - toe))
        let f = -2 * gm.squareRoot() / (Constants.speedOfLight * Constants.speedOfLight)
        return f * eccentricity * sqrtA * sin(ek)
    }

    /// Clock polynomial plus relativistic correction, seconds (no group delay).
    public func clockBias(at time: GNSSTime) -> Double {
        let dt = time - toc
        return af0 + af1 * dt + af2 * dt * dt + relativisticCorrection(at: time)
    }

    /// Full state; velocity by central difference over ±0.5 ms (orbit is smooth at that scale).
    public func state(at time: GNSSTime) -> SatelliteState {
        let h = 5e-4
        let p = position(at: time)
        let p1 = position(at: time + h), p0 = position(at: time - h)
        let v = (1 / (2 * h)) * (p1 - p0)
        let dt = time - toc
        return SatelliteState(position: p, velocity: v, clockBias: clockBias(at: time), clockDrift: af1 + 2 * af2 * dt)
    }
}
