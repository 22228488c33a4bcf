import GNSSCore
import GNSSOrbits

/// What the LEO satellites broadcast about themselves, as the satellite
/// segment's stream carries it to the gateway: for each satellite, a
/// `LEOEphemeris` every `window − overlap` seconds, fitted to its true orbit
/// and clock over `window` seconds, then given the errors a real onboard
/// orbit determination would have: a constant radial, along-track and
/// cross-track offset per ephemeris (`orbitError` each, metres) and a clock
/// offset (`clockError` metres).
public struct SatelliteSegment: Sendable {
    public var window: Double = 120
    public var overlap: Double = 20
    public var orbitError: Double = 0.02
    public var clockError: Double = 0.02

    public init() {}

    public func ephemerides(sky: LEOSky, from start: GNSSTime, to end: GNSSTime, seed: UInt64) -> [LEOEphemeris] {
        var random = SimulationRandom(seed: seed)
        var out: [LEOEphemeris] = []
        for sat in sky.satellites {
            var t0 = start
            while t0 < end {
                let samples = stride(from: 0.0, through: window, by: 10).compactMap { dt -> (time: GNSSTime, position: ECEF, clock: Double)? in
                    sky.state(sat, at: t0 + dt).map { (t0 + dt, $0.position, $0.clock) }
                }
                if samples.count == Int(window / 10) + 1, var e = LEOEphemeris.fit(satellite: sat, samples: samples),
                   let mid = sky.state(sat, at: e.reference), let ahead = sky.state(sat, at: e.reference + 1) {
                    let radial = (1 / mid.position.norm) * mid.position
                    let v = ahead.position - mid.position
                    let crossRaw = Self.cross(radial, v)
                    let cross = (1 / crossRaw.norm) * crossRaw
                    let along = Self.cross(cross, radial)
                    let offset = random.gaussian(orbitError) * radial + random.gaussian(orbitError) * along + random.gaussian(orbitError) * cross
                    e.x[0] += offset.x
                    e.y[0] += offset.y
                    e.z[0] += offset.z
                    e.clock[0] += random.gaussian(clockError) / Constants.speedOfLight
                    out.append(e)
                }
                t0 = t0 + (window - overlap)
            }
        }
        return out
    }

    static func cross(_ a: ECEF, _ b: ECEF) -> ECEF {
        ECEF(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
    }
}
