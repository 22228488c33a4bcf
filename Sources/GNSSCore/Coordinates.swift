import Foundation

/// A reference ellipsoid.
public struct Ellipsoid: Sendable, Hashable {
    public var semiMajorAxis: Double
    public var flattening: Double

    public init(semiMajorAxis: Double, inverseFlattening: Double) {
        self.semiMajorAxis = semiMajorAxis
        self.flattening = 1 / inverseFlattening
    }

    public static let wgs84 = Ellipsoid(semiMajorAxis: 6_378_137.0, inverseFlattening: 298.257_223_563)
    public static let grs80 = Ellipsoid(semiMajorAxis: 6_378_137.0, inverseFlattening: 298.257_222_101)
    /// PZ-90.11 (GLONASS).
    public static let pz90 = Ellipsoid(semiMajorAxis: 6_378_136.0, inverseFlattening: 298.257_84)
    /// CGCS2000 (BeiDou); same shape as GRS80.
    public static let cgcs2000 = Ellipsoid(semiMajorAxis: 6_378_137.0, inverseFlattening: 298.257_222_101)
    /// GTRF (Galileo) is realised on GRS80 parameters.
    public static let gtrf = grs80

    /// The ellipsoid a system's broadcast frame uses.
    public static func of(_ system: GNSSSystem) -> Ellipsoid {
        switch system {
        case .glonass: .pz90
        case .beidou: .cgcs2000
        case .galileo: .gtrf
        default: .wgs84
        }
    }

    public var eccentricitySquared: Double { flattening * (2 - flattening) }
}

/// Earth-centred, Earth-fixed Cartesian coordinates in metres.
public struct ECEF: Sendable, Hashable, CustomStringConvertible {
    public var x: Double
    public var y: Double
    public var z: Double

    public init(_ x: Double, _ y: Double, _ z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static let zero = ECEF(0, 0, 0)

    public var norm: Double { (x * x + y * y + z * z).squareRoot() }

    public static func + (a: ECEF, b: ECEF) -> ECEF { ECEF(a.x + b.x, a.y + b.y, a.z + b.z) }
    public static func - (a: ECEF, b: ECEF) -> ECEF { ECEF(a.x - b.x, a.y - b.y, a.z - b.z) }
    public static func * (s: Double, a: ECEF) -> ECEF { ECEF(s * a.x, s * a.y, s * a.z) }
    public func dot(_ o: ECEF) -> Double { x * o.x + y * o.y + z * o.z }
    public func cross(_ o: ECEF) -> ECEF { ECEF(y * o.z - z * o.y, z * o.x - x * o.z, x * o.y - y * o.x) }
    public func distance(to o: ECEF) -> Double { (self - o).norm }

    public var description: String { "(\(x), \(y), \(z))" }

    /// Geodetic latitude, longitude (radians) and ellipsoidal height (m).
    public func geodetic(on e: Ellipsoid = .wgs84) -> Geodetic {
        let a = e.semiMajorAxis, e2 = e.eccentricitySquared
        let p2 = x * x + y * y
        let p = p2.squareRoot()
        guard p2 + z * z > 0 else { return Geodetic(latitude: 0, longitude: 0, height: -a) }
        // Iterate on the latitude; converges to < 1e-12 rad in a few steps.
        var zk = z, v = a, lat = 0.0
        var previous = Double.infinity
        var iterations = 0
        while abs(zk - previous) >= 1e-4 && iterations < 20 {
            previous = zk
            let sinp = zk / (p2 + zk * zk).squareRoot()
            v = a / (1 - e2 * sinp * sinp).squareRoot()
            zk = z + v * e2 * sinp
            iterations += 1
        }
        lat = p2 > 1e-12 ? atan(zk / p) : (z > 0 ? Double.pi / 2 : -Double.pi / 2)
        let lon = p2 > 1e-12 ? atan2(y, x) : 0
        let h = (p2 + zk * zk).squareRoot() - v
        return Geodetic(latitude: lat, longitude: lon, height: h)
    }

    /// Rotation taking ECEF differences into local east/north/up at `origin`.
    public func enu(relativeTo origin: ECEF, on e: Ellipsoid = .wgs84) -> ENU {
        LocalFrame(origin: origin, on: e).enu(self)
    }
}

/// East-north-up axes at a point, worked out once for the many directions an epoch looks in.
public struct LocalFrame: Sendable {
    public let origin: ECEF
    public let geodetic: Geodetic
    /// Unit vectors of the axes, ECEF.
    public let east: ECEF, north: ECEF, up: ECEF

    public init(origin: ECEF, on e: Ellipsoid = .wgs84) {
        self.origin = origin
        geodetic = origin.geodetic(on: e)
        let sl = sin(geodetic.latitude), cl = cos(geodetic.latitude), so = sin(geodetic.longitude), co = cos(geodetic.longitude)
        east = ECEF(-so, co, 0)
        north = ECEF(-sl * co, -sl * so, cl)
        up = ECEF(cl * co, cl * so, sl)
    }

    /// `point` relative to the origin, in the origin's east-north-up axes.
    public func enu(_ point: ECEF) -> ENU {
        let d = point - origin
        return ENU(east: east.dot(d), north: north.dot(d), up: up.dot(d))
    }
}

/// Geodetic coordinates: latitude and longitude in radians, height in metres.
public struct Geodetic: Sendable, Hashable {
    public var latitude: Double
    public var longitude: Double
    public var height: Double

    public init(latitude: Double, longitude: Double, height: Double) {
        self.latitude = latitude
        self.longitude = longitude
        self.height = height
    }

    public init(latitudeDegrees: Double, longitudeDegrees: Double, height: Double) {
        self.init(latitude: latitudeDegrees * Constants.degreesToRadians,
                  longitude: longitudeDegrees * Constants.degreesToRadians, height: height)
    }

    public var latitudeDegrees: Double { latitude * Constants.radiansToDegrees }
    public var longitudeDegrees: Double { longitude * Constants.radiansToDegrees }

    public func ecef(on e: Ellipsoid = .wgs84) -> ECEF {
        let sl = sin(latitude), cl = cos(latitude)
        let n = e.semiMajorAxis / (1 - e.eccentricitySquared * sl * sl).squareRoot()
        return ECEF((n + height) * cl * cos(longitude),
                    (n + height) * cl * sin(longitude),
                    (n * (1 - e.eccentricitySquared) + height) * sl)
    }
}

/// Local east/north/up coordinates in metres.
public struct ENU: Sendable, Hashable {
    public var east: Double
    public var north: Double
    public var up: Double

    public init(east: Double, north: Double, up: Double) {
        self.east = east
        self.north = north
        self.up = up
    }

    public var horizontal: Double { (east * east + north * north).squareRoot() }
    public var norm: Double { (east * east + north * north + up * up).squareRoot() }

    /// Back to ECEF at `origin`.
    public func ecef(origin: ECEF, on e: Ellipsoid = .wgs84) -> ECEF {
        let g = origin.geodetic(on: e)
        let sl = sin(g.latitude), cl = cos(g.latitude), so = sin(g.longitude), co = cos(g.longitude)
        let dx = -so * east - sl * co * north + cl * co * up
        let dy = co * east - sl * so * north + cl * so * up
        let dz = cl * north + sl * up
        return origin + ECEF(dx, dy, dz)
    }

    /// Azimuth (from north, clockwise) and elevation in radians of this direction.
    public var azimuthElevation: (azimuth: Double, elevation: Double) {
        let h = horizontal
        var az = atan2(east, north)
        if az < 0 { az += 2 * Double.pi }
        return (az, atan2(up, h))
    }
}
