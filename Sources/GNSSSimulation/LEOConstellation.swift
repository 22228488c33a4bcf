import Foundation
import GNSSCore
import GNSSNetwork

/// One Walker-delta shell: `satellites` in `planes` equally spaced in right
/// ascension over `raanSpread`, equally spaced in each plane, adjacent planes
/// offset in argument of latitude by `phasing`·360°/`satellites`.
public struct WalkerShell: Sendable, Hashable {
    public var satellites: Int
    public var planes: Int
    public var phasing: Int
    public var altitude: Double
    public var inclination: Double
    public var raanSpread: Double

    public init(satellites: Int, planes: Int, phasing: Int, altitude: Double, inclination: Double, raanSpread: Double = 2 * .pi) {
        self.satellites = satellites
        self.planes = planes
        self.phasing = phasing
        self.altitude = altitude
        self.inclination = inclination
        self.raanSpread = raanSpread
    }

    /// Circular orbital elements at the constellation epoch, plane by plane.
    public func elements() -> [OrbitalElements] {
        let perPlane = satellites / planes
        let a = Ellipsoid.wgs84.semiMajorAxis + altitude
        var out: [OrbitalElements] = []
        for p in 0..<planes {
            let raan = raanSpread * Double(p) / Double(planes)
            for s in 0..<perPlane {
                let u = 2 * Double.pi * (Double(s) / Double(perPlane) + Double(phasing * p) / Double(satellites))
                out.append(OrbitalElements(semiMajorAxis: a, inclination: inclination, raan: raan, argumentOfLatitude: u))
            }
        }
        return out
    }
}

/// Circular orbital elements (radians, metres).
public struct OrbitalElements: Sendable, Hashable {
    public var semiMajorAxis: Double
    public var inclination: Double
    public var raan: Double
    public var argumentOfLatitude: Double

    public init(semiMajorAxis: Double, inclination: Double, raan: Double, argumentOfLatitude: Double) {
        self.semiMajorAxis = semiMajorAxis
        self.inclination = inclination
        self.raan = raan
        self.argumentOfLatitude = argumentOfLatitude
    }

    /// Inertial position and velocity of the circular orbit these elements describe.
    public var state: (position: Vector3, velocity: Vector3) {
        let (su, cu) = (sin(argumentOfLatitude), cos(argumentOfLatitude))
        let (so, co) = (sin(raan), cos(raan))
        let (si, ci) = (sin(inclination), cos(inclination))
        let speed = (LEOConstellation.gm / semiMajorAxis).squareRoot()
        let r = Vector3(semiMajorAxis * (cu * co - su * ci * so), semiMajorAxis * (cu * so + su * ci * co), semiMajorAxis * su * si)
        let v = Vector3(speed * (-su * co - cu * ci * so), speed * (-su * so + cu * ci * co), speed * cu * si)
        return (r, v)
    }
}

/// The LEO augmentation constellation: Walker shells numbered L001… in shell and plane order.
public struct LEOConstellation: Sendable, Hashable {
    public static let gm = 3.986_004_418e14
    public static let j2 = 1.082_626_68e-3

    public var shells: [WalkerShell]

    public init(shells: [WalkerShell]) {
        self.shells = shells
    }

    /// 288 satellites at 1000 km: 96 at 55°, 96 at 70° and 96 near-polar at 87.5°, each 12 planes of 8.
    public static let standard = LEOConstellation(shells: [55.0, 70.0, 87.5].map {
        WalkerShell(satellites: 96, planes: 12, phasing: 1, altitude: 1_000_000, inclination: $0 * Constants.degreesToRadians)
    })

    public var elements: [(SatelliteID, OrbitalElements)] {
        shells.flatMap { $0.elements() }.enumerated().map { (SatelliteID(.leo, $0.offset + 1), $0.element) }
    }
}

/// A small 3-vector for the orbit integration (inertial frame).
public struct Vector3: Sendable, Hashable {
    public var x: Double, y: Double, z: Double

    public init(_ x: Double, _ y: Double, _ z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static func + (a: Vector3, b: Vector3) -> Vector3 { Vector3(a.x + b.x, a.y + b.y, a.z + b.z) }
    public static func * (s: Double, a: Vector3) -> Vector3 { Vector3(s * a.x, s * a.y, s * a.z) }
    public var norm: Double { (x * x + y * y + z * z).squareRoot() }
}

/// Numerical orbit propagation under the Earth's central field and J2 (RK4, fixed step), inertial frame.
public enum J2Propagator {
    static func acceleration(_ r: Vector3) -> Vector3 {
        let r2 = r.x * r.x + r.y * r.y + r.z * r.z
        let rn = r2.squareRoot()
        let re = Ellipsoid.wgs84.semiMajorAxis
        let k = -LEOConstellation.gm / (r2 * rn)
        let j = 1.5 * LEOConstellation.j2 * re * re / r2
        let z2 = r.z * r.z / r2
        return Vector3(k * r.x * (1 + j * (1 - 5 * z2)), k * r.y * (1 + j * (1 - 5 * z2)), k * r.z * (1 + j * (3 - 5 * z2)))
    }

    /// One RK4 step of `h` seconds.
    public static func step(_ s: (position: Vector3, velocity: Vector3), _ h: Double) -> (position: Vector3, velocity: Vector3) {
        LEOOrbitForces.rungeKutta(s, h) { r, _ in acceleration(r) }
    }
}

/// The forces the true LEO orbits fly under: the central field with the zonal harmonics J2 to J4 (as `LEOForceModel`
/// has them), and what orbit models leave out or get wrong: radiation pressure (about 50 nm/s² for 0.01 m²/kg, its
/// direction fixed over the hours simulated, no eclipses) and air drag (about 10 nm/s² at 1000 km, along track).
public struct LEOOrbitForces: Sendable, Hashable {
    /// Whether J3 and J4 act.
    public var zonal = true
    /// Along the velocity, m/s² (negative: a drag).
    public var alongTrack = -1e-8
    /// Radiation pressure in the inertial frame, m/s².
    public var radiationPressure = Vector3(4e-8, 2.5e-8, 1.5e-8)

    public init(zonal: Bool = true, alongTrack: Double = -1e-8, radiationPressure: Vector3 = Vector3(4e-8, 2.5e-8, 1.5e-8)) {
        self.zonal = zonal
        self.alongTrack = alongTrack
        self.radiationPressure = radiationPressure
    }

    /// The central field and J2 alone.
    public static let j2Only = LEOOrbitForces(zonal: false, alongTrack: 0, radiationPressure: Vector3(0, 0, 0))

    /// The acceleration at `r` moving at `v`, m/s².
    public func acceleration(_ r: Vector3, _ v: Vector3) -> Vector3 {
        var a = J2Propagator.acceleration(r) + radiationPressure
        if zonal {
            let e = ECEF(r.x, r.y, r.z)
            let extra = LEOForceModel.zonal(3, LEOForceModel.j3, e) + LEOForceModel.zonal(4, LEOForceModel.j4, e)
            a = a + Vector3(extra.x, extra.y, extra.z)
        }
        if alongTrack != 0 {
            let speed = v.norm
            if speed > 0 { a = a + (alongTrack / speed) * v }
        }
        return a
    }

    /// One RK4 step of `h` seconds.
    public func step(_ s: (position: Vector3, velocity: Vector3), _ h: Double) -> (position: Vector3, velocity: Vector3) {
        Self.rungeKutta(s, h) { r, v in acceleration(r, v) }
    }

    static func rungeKutta(_ s: (position: Vector3, velocity: Vector3), _ h: Double,
                           _ acceleration: (Vector3, Vector3) -> Vector3) -> (position: Vector3, velocity: Vector3) {
        let (r, v) = s
        let a1 = acceleration(r, v)
        let r2 = r + (h / 2) * v, v2 = v + (h / 2) * a1
        let a2 = acceleration(r2, v2)
        let r3 = r + (h / 2) * v2, v3 = v + (h / 2) * a2
        let a3 = acceleration(r3, v3)
        let r4 = r + h * v3, v4 = v + h * a3
        let a4 = acceleration(r4, v4)
        return (r + (h / 6) * (v + 2 * v2 + 2 * v3 + v4), v + (h / 6) * (a1 + 2 * a2 + 2 * a3 + a4))
    }
}
