import Testing
import TestSupport
import GNSSCore
import GNSSFormats
@testable import GNSSOrbits

/// Broadcast orbits against the precise (SP3, centre of mass) orbits of the same day.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct BroadcastVersusPreciseTests {
    @Test func broadcastOrbitsAgreeWithSP3() throws {
        let d = "ppp-esbc-2020177/"
        let (_, ephs, _) = try RINEXNavigationReader.readAll(path: SharedData.path(d + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
        var store = EphemerisStore()
        for e in ephs { store.add(e) }
        let (_, epochs, _) = try SP3Reader.readAll(path: SharedData.path(d + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"))
        var errors: [GNSSSystem: [Double]] = [:]
        for epoch in epochs where Int(epoch.time.secondOfWeek) % 3600 == 0 {
            for r in epoch.records {
                guard let p = r.position, [.gps, .galileo].contains(r.satellite.system) else { continue }
                // Compare where a receiver tracking the satellite would use the ephemeris: GPS within two hours
                // of toe (its fit interval), Galileo within one (a tracked Galileo satellite sends a new one every 10 minutes).
                let limit = r.satellite.system == .galileo ? 3600.0 : 7200
                guard let eph = store.select(r.satellite, at: epoch.time), abs(epoch.time - eph.toe) <= limit else { continue }
                errors[r.satellite.system, default: []].append(eph.state(at: epoch.time).position.distance(to: p))
            }
        }
        func percentile(_ v: [Double], _ q: Double) -> Double {
            let s = v.sorted()
            return s.isEmpty ? .infinity : s[min(s.count - 1, Int(Double(s.count) * q))]
        }
        // Broadcast antenna-phase-centre orbits against centre-of-mass orbits: GPS and Galileo within 2 m
        // for 90 % of the comparisons, medians below 1.5 m.
        let gps = errors[.gps] ?? [], galileo = errors[.galileo] ?? []
        #expect(gps.count > 300 && percentile(gps, 0.9) < 2, "GPS 90 % \(percentile(gps, 0.9)) m")
        #expect(galileo.count > 150 && percentile(galileo, 0.9) < 2, "Galileo 90 % \(percentile(galileo, 0.9)) m")
        #expect(percentile(gps, 0.5) < 1.5 && percentile(galileo, 0.5) < 1.5, "medians \(percentile(gps, 0.5)) \(percentile(galileo, 0.5)) 75 \(percentile(galileo, 0.75))")
        // (The GRG product of this day has no BeiDou orbits.)
    }

    /// Broadcast velocities (the derivative of the Keplerian formulas; GLONASS's integrated state) against the
    /// velocity of the interpolated SP3 orbit: within 3 mm/s for every GPS, Galileo and GLONASS satellite at noon
    /// within the ephemerides' use (most agree to 0.3 mm/s; GLONASS's, 15 minutes from its reference time, to 2 mm/s).
    @Test func broadcastVelocitiesAgreeWithSP3() throws {
        let d = "ppp-esbc-2020177/"
        let (_, ephs, _) = try RINEXNavigationReader.readAll(path: SharedData.path(d + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
        var store = EphemerisStore()
        for e in ephs { store.add(e) }
        var precise = PreciseEphemeris()
        for epoch in try SP3Reader.readAll(path: SharedData.path(d + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")).1 {
            for r in epoch.records { if let p = r.position { precise.addPosition(r.satellite, time: epoch.time, position: p) } }
        }
        precise.finalise()
        let t = GNSSTime(gpsWeek: 2111, secondOfWeek: 388_800 + 123.4)
        var compared: [GNSSSystem: Int] = [:]
        for satellite in store.satellites where [.gps, .galileo, .glonass].contains(satellite.system) {
            let limit = satellite.system == .galileo ? 3600.0 : 7200   // as above; GLONASS's is 15 minutes
            guard let eph = store.select(satellite, at: t), abs(t - eph.toe) <= limit,
                  let v = precise.velocity(satellite, at: t) else { continue }
            let error = (eph.state(at: t).velocity - v).norm
            #expect(error < 0.003, "\(satellite): \(error) m/s")
            compared[satellite.system, default: 0] += 1
        }
        #expect(compared[.gps, default: 0] >= 20 && compared[.galileo, default: 0] >= 10
                    && compared[.glonass, default: 0] >= 8, "\(compared)")
    }
}
