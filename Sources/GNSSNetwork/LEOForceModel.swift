import Foundation
import GNSSCore

/// The forces a LEO satellite's short-arc orbit is integrated under: the Earth's central field, its oblateness (J2) and
/// the zonal harmonics J3 and J4 (tens of µm/s² at 1000 km, kilometres of orbit over a revolution), optionally a constant
/// along-track acceleration (what drag and the unmodelled forces leave over a short arc), in a
/// quasi-inertial frame: the Earth-fixed axes frozen at a reference epoch. Over an arc of minutes the frame's precession
/// and nutation are negligible, and J2's field, symmetric about the rotation axis, is the same in any frame turned about
/// it. Integration is fourth-order Runge–Kutta with a fixed step.
public struct LEOForceModel: Sendable {
    public static let gm = 3.986_004_418e14
    public static let j2 = 1.082_626_68e-3
    public static let earthRadius = 6_378_137.0
    /// Unnormalised zonal coefficients of degree 3 and 4 (EGM96).
    public static let j3 = -2.532_153e-6
    public static let j4 = -1.619_621e-6

    /// Whether J2 acts (without it, a Kepler orbit), and J3 and J4.
    public var j2 = true
    public var j3j4 = true
    /// Largest integration step, seconds.
    public var step = 10.0

    public init() {}

    /// Position and velocity in the quasi-inertial frame, m and m/s.
    public struct State: Sendable, Hashable {
        public var position: ECEF
        public var velocity: ECEF

        public init(position: ECEF, velocity: ECEF) {
            self.position = position
            self.velocity = velocity
        }
    }

    /// The acceleration at `r`, with an along-track part `along` (m/s², along the velocity `v`).
    public func acceleration(_ r: ECEF, velocity v: ECEF, along: Double = 0) -> ECEF {
        let r2 = r.dot(r)
        let rn = r2.squareRoot()
        let k = -Self.gm / (r2 * rn)
        var a = k * r
        if j2 {
            let q = 1.5 * Self.j2 * Self.earthRadius * Self.earthRadius / r2
            let z2 = r.z * r.z / r2
            a = a + ECEF(k * r.x * q * (1 - 5 * z2), k * r.y * q * (1 - 5 * z2), k * r.z * q * (3 - 5 * z2))
        }
        if j3j4 { a = a + Self.zonal(3, Self.j3, r) + Self.zonal(4, Self.j4, r) }
        if along != 0 {
            let speed = v.norm
            if speed > 0 { a = a + (along / speed) * v }
        }
        return a
    }

    /// The acceleration of the zonal term of degree `n`: the gradient of −(GM/r) Jn (Re/r)ⁿ Pn(z/r), which with s = z/r is
    /// −GM Jn Reⁿ r^−(n+1) [−(n+1) Pn(s) r/r² + Pn′(s) (ẑ/r − s r/r²)].
    public static func zonal(_ n: Int, _ jn: Double, _ r: ECEF) -> ECEF {
        let r2 = r.dot(r)
        let rn = r2.squareRoot()
        let s = r.z / rn
        let (pn, derivative) = legendre(n, s)
        let scale = -gm * jn * pow(earthRadius / rn, Double(n)) / rn
        let radial = (-(Double(n) + 1) * pn - derivative * s) / r2
        return scale * ECEF(radial * r.x, radial * r.y, radial * r.z + derivative / rn)
    }

    /// The Legendre polynomial Pn(s) and its derivative, by the three-term recurrence.
    static func legendre(_ n: Int, _ s: Double) -> (Double, Double) {
        guard n > 0 else { return (1, 0) }
        var previous = 1.0, current = s
        for k in 1..<n {
            let next = (Double(2 * k + 1) * s * current - Double(k) * previous) / Double(k + 1)
            previous = current
            current = next
        }
        // (1 − s²) Pn′ = n (Pn−1 − s Pn).
        let derivative = abs(1 - s * s) > 1e-12 ? Double(n) * (previous - s * current) / (1 - s * s) : 0
        return (current, derivative)
    }

    /// One Runge–Kutta step of `h` seconds (negative: backwards).
    public func step(_ s: State, _ h: Double, along: Double = 0) -> State {
        let r = s.position, v = s.velocity
        let a1 = acceleration(r, velocity: v, along: along)
        let r2 = r + (h / 2) * v, v2 = v + (h / 2) * a1
        let a2 = acceleration(r2, velocity: v2, along: along)
        let r3 = r + (h / 2) * v2, v3 = v + (h / 2) * a2
        let a3 = acceleration(r3, velocity: v3, along: along)
        let r4 = r + h * v3, v4 = v + h * a3
        let a4 = acceleration(r4, velocity: v4, along: along)
        return State(position: r + (h / 6) * (v + 2 * v2 + 2 * v3 + v4), velocity: v + (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4))
    }

    /// The state `dt` seconds on (or back), in equal steps no longer than `step`.
    public func propagate(_ s: State, by dt: Double, along: Double = 0) -> State {
        guard dt != 0 else { return s }
        let n = max(1, Int((abs(dt) / step).rounded(.up)))
        let h = dt / Double(n)
        var out = s
        for _ in 0..<n { out = step(out, h, along: along) }
        return out
    }

    // MARK: - Frames

    /// An Earth-fixed position at `dt` seconds from the frame's epoch, in the quasi-inertial frame.
    public static func inertial(_ p: ECEF, at dt: Double) -> ECEF {
        let theta = Constants.earthRotationGPS * dt
        let (c, s) = (cos(theta), sin(theta))
        return ECEF(c * p.x - s * p.y, s * p.x + c * p.y, p.z)
    }

    /// A quasi-inertial position at `dt` seconds from the frame's epoch, Earth-fixed.
    public static func earthFixed(_ p: ECEF, at dt: Double) -> ECEF {
        let theta = Constants.earthRotationGPS * dt
        let (c, s) = (cos(theta), sin(theta))
        return ECEF(c * p.x + s * p.y, -s * p.x + c * p.y, p.z)
    }

    /// A quasi-inertial state at `dt` seconds from the frame's epoch as Earth-fixed position and velocity.
    public static func earthFixed(_ s: State, at dt: Double) -> (position: ECEF, velocity: ECEF) {
        let p = earthFixed(s.position, at: dt)
        let w = Constants.earthRotationGPS
        let v = earthFixed(s.velocity, at: dt) - ECEF(-w * p.y, w * p.x, 0)
        return (p, v)
    }

    /// Earth-fixed position and velocity at `dt` seconds from the frame's epoch as a quasi-inertial state.
    public static func inertial(position p: ECEF, velocity v: ECEF, at dt: Double) -> State {
        let w = Constants.earthRotationGPS
        return State(position: inertial(p, at: dt), velocity: inertial(v + ECEF(-w * p.y, w * p.x, 0), at: dt))
    }
}
