import Testing
import GNSSCore
import GNSSOrbits
@testable import GNSSPositioning

/// PPP's LEO satellites with and without SSR corrections (4058/2) among the products.
@Suite struct LEOOrbitSourceTests {
    static let corrected = SatelliteID(.leo, 42), uncorrected = SatelliteID(.leo, 43)
    static let t0 = GNSSTime(gpsWeek: 2345, secondOfWeek: 302_400)

    static func leoStore() -> LEOEphemerisStore {
        var store = LEOEphemerisStore()
        for sat in [corrected, uncorrected] {
            store.add(LEOEphemeris(satellite: sat, reference: t0, halfWidth: 60, x: [7_000_000], y: [0, 7_350 * 60], z: [Double(sat.prn)],
                                   clock: [1e-6, 1e-11, 0], issue: 4))
        }
        return store
    }

    static func corrections() -> SSRCorrections {
        var c = SSRCorrections()
        c.add(orbit: SSROrbitCorrection(epoch: t0, updateInterval: 5, issueOfData: 4, issue: SSRIssue(),
                                        offset: RadialAlongCross(radial: 0.1, along: 0, cross: 0), rate: .zero,
                                        referencePoint: .antennaPhaseCentre), for: corrected)
        c.add(clock: SSRClockCorrection(epoch: t0, updateInterval: 5, issue: SSRIssue(), polynomial: [0.2]), for: corrected)
        return c
    }

    @Test func leoCorrectionsApplyOnlyToTheSatellitesTheyHold() throws {
        let leo = Self.leoStore()
        let t = Self.t0 + 3
        let plain = PositioningProducts(ephemerides: EphemerisStore(), leo: leo).orbits(systems: [.gps, .leo])
        let with = PositioningProducts(ephemerides: EphemerisStore(), leo: leo, ssr: Self.corrections()).orbits(systems: [.gps, .leo])
        guard case .withLEO(.broadcast, _, .none) = plain else { Issue.record("\(plain)"); return }
        // LEO corrections alone leave the GNSS satellites to their broadcast ephemerides.
        guard case .withLEO(.broadcast, _, .some) = with else { Issue.record("\(with)"); return }
        let broadcast = try #require(plain.state(Self.corrected, at: t))
        let state = try #require(with.state(Self.corrected, at: t))
        #expect(abs(broadcast.position.x - state.position.x - 0.1) < 1e-9)
        #expect(abs((state.clockBias - broadcast.clockBias) * Constants.speedOfLight - 0.2) < 1e-9)
        #expect(with.state(Self.uncorrected, at: t) == plain.state(Self.uncorrected, at: t))
        #expect(plain.uncorrected(Self.corrected, at: t) == nil && with.uncorrected(Self.corrected, at: t) == nil)
        #expect(!with.isCentreOfMass(Self.corrected))
        // A satellite the corrections hold is not used once its correction is stale.
        #expect(with.state(Self.corrected, at: Self.t0 + 40) == nil)
        #expect(with.uncorrected(Self.corrected, at: Self.t0 + 40) == "stale")
        #expect(plain.state(Self.corrected, at: Self.t0 + 40) != nil)
    }
}
