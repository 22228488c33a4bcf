import Foundation
import Testing
import GNSSCore
import GNSSFormats
import GNSSOrbits

/// A LEO ephemeris fitted to a realistic orbit survives RTCM 3 message 4058/1: evaluated across its
/// window, the decoded ephemeris agrees with the original to well under a millimetre and a picosecond.
@Suite struct LEOEphemerisRTCMTests {
    /// Earth-fixed position of a circular orbit at 1000 km altitude (7.35 km/s), inclined 87°.
    static func orbit(_ dt: Double) -> ECEF {
        let r = 6_378_137.0 + 1_000_000
        let n = (Constants.gmGPS / r).squareRoot() / r
        let u = 0.7 + n * dt, inclination = 87 * Constants.degreesToRadians
        let xi = r * cos(u), yi = r * sin(u) * cos(inclination), zi = r * sin(u) * sin(inclination)
        let theta = 1.9 + Constants.earthRotationGPS * dt
        return ECEF(cos(theta) * xi + sin(theta) * yi, -sin(theta) * xi + cos(theta) * yi, zi)
    }

    static func clock(_ dt: Double) -> Double { 4.2e-5 + 3.3e-11 * dt - 2.0e-17 * dt * dt + 1e-12 * sin(dt / 50) }

    @Test(arguments: [60.0, 300.0])
    func evaluatedEphemerisSurvivesTheMessage(halfWidth: Double) throws {
        let start = GNSSTime(gpsWeek: 2380, secondOfWeek: 431_990)
        let samples = stride(from: 0.0, through: 2 * halfWidth, by: 10).map { dt in
            (time: start + dt, position: Self.orbit(dt), clock: Self.clock(dt))
        }
        var original = try #require(LEOEphemeris.fit(satellite: SatelliteID(.leo, 342), samples: samples))
        original.issue = 201
        #expect(original.halfWidth == halfWidth && original.reference == start + halfWidth)
        // The orbit is realistic: 7.35 km/s, and the fit follows it to a few millimetres.
        let mid = try #require(original.state(at: original.reference))
        #expect(abs(mid.velocity.norm - 7_350) < 40)
        #expect(mid.position.distance(to: Self.orbit(halfWidth)) < 0.01)

        let frame = RTCM3Encoder.frame(try RTCM3LEO.encode(original))
        #expect(frame.count < 1023)
        var framer = RTCM3Framer()
        framer.append(frame)
        let item = framer.next()
        guard case .frame(let f)? = item else { Issue.record("no frame"); return }
        var decoder = RTCM3Decoder()
        guard case .leoEphemeris(let decoded) = try decoder.decode(f) else { Issue.record("not a LEO ephemeris"); return }
        #expect(decoded.satellite == original.satellite && decoded.reference == original.reference)
        #expect(decoded.halfWidth == original.halfWidth && decoded.issue == 201 && decoded.healthy)

        var worstPosition = 0.0, worstVelocity = 0.0, worstClock = 0.0
        for dt in stride(from: -halfWidth, through: halfWidth, by: halfWidth / 240) {
            let t = original.reference + dt
            let a = try #require(original.state(at: t)), b = try #require(decoded.state(at: t))
            worstPosition = max(worstPosition, a.position.distance(to: b.position))
            worstVelocity = max(worstVelocity, a.velocity.distance(to: b.velocity))
            worstClock = max(worstClock, abs(a.clockBias - b.clockBias))
        }
        #expect(worstPosition < 1e-3, "position differs by \(worstPosition) m")
        #expect(worstVelocity < 1e-4, "velocity differs by \(worstVelocity) m/s")
        #expect(worstClock < 1e-12, "clock differs by \(worstClock) s")
        // Outside the window neither answers.
        #expect(decoded.state(at: original.reference + halfWidth * 1.01) == nil)
    }
}
