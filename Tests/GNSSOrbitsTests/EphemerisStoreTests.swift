import Testing
import GNSSCore
@testable import GNSSOrbits

@Suite struct EphemerisStoreTests {
    static func gps(_ prn: Int, toe: GNSSTime, iode: Int, health: Int = 0) -> Ephemeris {
        .kepler(KeplerEphemeris(
            satellite: SatelliteID(.gps, prn), message: .lnav, toe: toe, toc: toe, week: toe.gpsWeek,
            toeSeconds: toe.secondOfWeek, sqrtA: 5153.6, eccentricity: 0.01, inclination: 0.96,
            rightAscension: 1, argumentOfPerigee: 0.5, meanAnomaly: 0.2, meanMotionDifference: 4e-9,
            inclinationRate: 0, rightAscensionRate: -8e-9, cuc: 0, cus: 0, crc: 0, crs: 0, cic: 0, cis: 0,
            af0: 1e-5, af1: 0, af2: 0, iode: iode, health: health))
    }

    @Test func selectsNearestValidHealthy() {
        var store = EphemerisStore()
        let t0 = GNSSTime(gpsWeek: 2111, secondOfWeek: 345_600)
        store.add(Self.gps(5, toe: t0, iode: 1))
        store.add(Self.gps(5, toe: t0 + 7200, iode: 2))
        store.add(Self.gps(5, toe: t0 + 14_400, iode: 3, health: 1))
        #expect(store.add(Self.gps(5, toe: t0, iode: 1)) == false)
        #expect(store.count == 3)
        let pick = store.select(SatelliteID(.gps, 5), at: t0 + 5000)
        #expect(pick?.toe == t0 + 7200)
        // The unhealthy one is skipped; the 2 h validity of the healthy one still covers t0 + 14 400.
        #expect(store.select(SatelliteID(.gps, 5), at: t0 + 14_400)?.toe == t0 + 7200)
        #expect(store.select(SatelliteID(.gps, 5), at: t0 + 30_000) == nil)
        #expect(store.select(SatelliteID(.gps, 6), at: t0) == nil)
    }

    @Test func orbitRadiusStaysWithinTheEllipse() {
        let t0 = GNSSTime(gpsWeek: 2111, secondOfWeek: 345_600)
        guard case .kepler(let e) = Self.gps(1, toe: t0, iode: 1) else { return }
        // Radius stays within a(1 ± e) for a GPS orbit: A = 5153.6² m.
        let a = 5153.6 * 5153.6
        for dt in stride(from: -7200.0, through: 7200, by: 900) {
            let r = e.position(at: t0 + dt).norm
            #expect(r > a * 0.99 - 1 && r < a * 1.01 + 1)
        }
    }
}
