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
        orbit(at: time, velocity: false).position
    }

    /// Position, velocity (ECEF, the time derivative of the position formulas; by central difference for BeiDou
    /// GEO satellites; zero when not asked for) and eccentric anomaly at `time`.
    func orbit(at time: GNSSTime, velocity wanted: Bool = true) -> (position: ECEF, velocity: ECEF, eccentricAnomaly: Double) {
        let omegaE = orbitConstants.omegaEarth
        let a = sqrtA * sqrtA
        let tk = time - toe
        let n = correctedMeanMotion
        let ek = eccentricAnomaly(meanAnomaly: meanAnomaly + n * tk)
        let sinE = sin(ek), cosE = cos(ek)
        let rootOneMinusE2 = (1 - eccentricity * eccentricity).squareRoot()
        let nu = atan2(rootOneMinusE2 * sinE, cosE - eccentricity)
        let phi = nu + argumentOfPerigee
        let sin2p = sin(2 * phi), cos2p = cos(2 * phi)
        let u = phi + cus * sin2p + cuc * cos2p
        let r = a * (1 - eccentricity * cosE) + crs * sin2p + crc * cos2p
        let i = inclination + inclinationRate * tk + cis * sin2p + cic * cos2p
        let cosU = cos(u), sinU = sin(u)
        let xp = r * cosU, yp = r * sinU
        let cosI = cos(i), sinI = sin(i)
        if isBeiDouGEO {
            let h = 5e-4
            let p = geoPosition(xp, yp, cosI, sinI, tk)
            guard wanted else { return (p, .zero, ek) }
            return (p, (1 / (2 * h)) * (position(at: time + h) - position(at: time - h)), ek)
        }
        let omegaDot = rightAscensionRate - omegaE
        let omega = rightAscension + omegaDot * tk - omegaE * toeSeconds
        let co = cos(omega), so = sin(omega)
        let position = ECEF(xp * co - yp * cosI * so, xp * so + yp * cosI * co, yp * sinI)
        guard wanted else { return (position, .zero, ek) }
        // Rates of the anomalies, of the corrected argument of latitude, radius and inclination.
        let eDot = n / (1 - eccentricity * cosE)
        let phiDot = rootOneMinusE2 * eDot / (1 - eccentricity * cosE)
        let uDot = phiDot * (1 + 2 * (cus * cos2p - cuc * sin2p))
        let rDot = a * eccentricity * sinE * eDot + 2 * phiDot * (crs * cos2p - crc * sin2p)
        let iDot = inclinationRate + 2 * phiDot * (cis * cos2p - cic * sin2p)
        let xpDot = rDot * cosU - yp * uDot, ypDot = rDot * sinU + xp * uDot
        let velocity = ECEF(xpDot * co - ypDot * cosI * so + yp * sinI * so * iDot - omegaDot * position.y,
                            xpDot * so + ypDot * cosI * co - yp * sinI * co * iDot + omegaDot * position.x,
                            ypDot * sinI + yp * cosI * iDot)
        return (position, velocity, ek)
    }

    /// BeiDou GEO: the orbital-plane position to an inertial-like frame, then rotated by −5° about X and by the
    /// Earth's rotation about Z.
    private func geoPosition(_ xp: Double, _ yp: Double, _ cosI: Double, _ sinI: Double, _ tk: Double) -> ECEF {
        let omegaE = orbitConstants.omegaEarth
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

    /// Relativistic clock correction F·e·√A·sin E, seconds.
    func relativisticCorrection(eccentricAnomaly ek: Double) -> Double {
        let f = -2 * orbitConstants.gm.squareRoot() / (Constants.speedOfLight * Constants.speedOfLight)
        return f * eccentricity * sqrtA * sin(ek)
    }

    /// The clock polynomial alone, seconds: af0 + af1·dt + af2·dt².
    public func polynomialClockBias(at time: GNSSTime) -> Double {
        let dt = time - toc
        return af0 + af1 * dt + af2 * dt * dt
    }

    /// Clock polynomial plus relativistic correction, seconds (no group delay).
    public func clockBias(at time: GNSSTime) -> Double {
        clockBias(at: time, eccentricAnomaly: eccentricAnomaly(meanAnomaly: meanAnomaly + correctedMeanMotion * (time - toe)))
    }

    /// Mean motion from the semi-major axis, with the broadcast correction (rad/s).
    private var correctedMeanMotion: Double {
        let a = sqrtA * sqrtA
        return (orbitConstants.gm / (a * a * a)).squareRoot() + meanMotionDifference
    }

    private func clockBias(at time: GNSSTime, eccentricAnomaly ek: Double) -> Double {
        let dt = time - toc
        return af0 + af1 * dt + af2 * dt * dt + relativisticCorrection(eccentricAnomaly: ek)
    }

    /// Position, velocity and clock at `time`.
    public func state(at time: GNSSTime) -> SatelliteState {
        let (p, v, ek) = orbit(at: time)
        return SatelliteState(position: p, velocity: v, clockBias: clockBias(at: time, eccentricAnomaly: ek),
                              clockDrift: af1 + 2 * af2 * (time - toc))
    }
}
