import Testing
import TestSupport
import GNSSCore
import GNSSFormats
@testable import GNSSOrbits

/// SP3 interpolation checked against the file's own samples: a sample left out and interpolated from the others.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct PreciseInterpolationTests {
    static func epochs() throws -> [SP3Epoch] {
        try SP3Reader.readAll(path: SharedData.path("ppp-esbc-2020177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")).1
    }

    @Test func leftOutSamplesInterpolateToMillimetres() throws {
        let epochs = try Self.epochs()
        // One epoch left out at a time, interpolated from its neighbours across the 30-minute hole.
        var worst = 0.0
        for left in [20, 40, 60, 80] {
            var precise = PreciseEphemeris()
            for (i, epoch) in epochs.enumerated() where i != left {
                for r in epoch.records { if let p = r.position { precise.addPosition(r.satellite, time: epoch.time, position: p) } }
            }
            precise.finalise()
            // E14 and E18, left in eccentric orbits, move too fast near perigee for a 30-minute hole (up to 0.5 m).
            let eccentric: Set = [SatelliteID(.galileo, 14), SatelliteID(.galileo, 18)]
            for r in epochs[left].records where [.gps, .galileo].contains(r.satellite.system) && !eccentric.contains(r.satellite) {
                guard let truth = r.position else { continue }
                let p = try #require(precise.position(r.satellite, at: epochs[left].time))
                worst = max(worst, p.distance(to: truth))
            }
        }
        #expect(worst < 0.01, "worst GPS/Galileo interpolation error: \(worst) m")
    }

    /// The velocity is the interpolating polynomial's derivative: it agrees with the central difference of the
    /// interpolated positions over ±0.5 s (to 0.1 mm/s), between samples and on a sample time alike.
    @Test func velocityIsThePolynomialsDerivative() throws {
        var precise = PreciseEphemeris()
        for epoch in try Self.epochs() {
            for r in epoch.records { if let p = r.position { precise.addPosition(r.satellite, time: epoch.time, position: p) } }
        }
        precise.finalise()
        let noon = GNSSTime(gpsWeek: 2111, secondOfWeek: 388_800)   // 2020-06-25 12:00, an SP3 sample time
        for offset in [0.0, 0.07, 437.3] {
            let t = noon + offset
            for prn in [1, 5, 13, 25] {
                let g = SatelliteID(.gps, prn)
                guard let v = precise.velocity(g, at: t), let ahead = precise.position(g, at: t + 0.5),
                      let behind = precise.position(g, at: t - 0.5) else { continue }
                #expect((v - (ahead - behind)).norm < 1e-4, "\(g) at +\(offset) s")
            }
        }
    }

    @Test func noExtrapolationPastTheEndOfTheFile() throws {
        let epochs = try Self.epochs()
        var precise = PreciseEphemeris()
        for epoch in epochs {
            for r in epoch.records { if let p = r.position { precise.addPosition(r.satellite, time: epoch.time, position: p) } }
        }
        precise.finalise()
        let last = try #require(epochs.last).time   // 23:45:00
        let g01 = SatelliteID(.gps, 1)
        #expect(precise.position(g01, at: last) != nil)
        #expect(precise.position(g01, at: last + 20) != nil)
        // A polynomial extrapolated a quarter of an hour errs by metres: beyond a thirtieth of the 15-minute step, nothing.
        #expect(precise.position(g01, at: last + 60) == nil)
        #expect(precise.position(g01, at: last + 600) == nil)
        #expect(precise.position(g01, at: epochs[0].time - 60) == nil)
    }
}
