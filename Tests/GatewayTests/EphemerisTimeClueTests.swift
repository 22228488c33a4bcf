import GNSSCore
import Testing
@testable import Gateway

/// The time every station's epochs are read at follows the broadcast ephemerides, but one satellite's ephemerides
/// with a reference time far from the others' (a receiver's week roll-over fault, a forged stream) must neither move
/// it nor push the real ephemerides out; several satellites agreeing on another day must.
struct EphemerisTimeClueTests {
    static let day = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400)

    static func ephemeris(_ prn: Int, toe: GNSSTime, iode: Int = 1) -> Ephemeris {
        .kepler(KeplerEphemeris(satellite: SatelliteID(.gps, prn), message: .lnav, toe: toe, toc: toe, week: toe.gpsWeek,
                                toeSeconds: toe.secondOfWeek, sqrtA: 5153.6, eccentricity: 0.01, inclination: 0.96,
                                rightAscension: 1, argumentOfPerigee: 1, meanAnomaly: 1, meanMotionDifference: 0,
                                inclinationRate: 0, rightAscensionRate: 0, cuc: 0, cus: 0, crc: 0, crs: 0, cic: 0, cis: 0,
                                af0: 0, af1: 0, af2: 0, iode: iode))
    }

    @Test func theClueFollowsAgreeingEphemerides() {
        let shared = SharedEphemerides()
        #expect(shared.add([Self.ephemeris(1, toe: Self.day)]).new.count == 1)
        #expect(shared.add([Self.ephemeris(2, toe: Self.day + 7200)]).new.count == 1)
        #expect(shared.latestTime == Self.day + 7200)
    }

    @Test func oneSatelliteFarInTheFutureMovesNothingAndEvictsNothing() {
        let shared = SharedEphemerides()
        _ = shared.add((1...8).map { Self.ephemeris($0, toe: Self.day) })
        var setAside = 0
        for k in 0..<1000 {
            setAside += shared.add([Self.ephemeris(3, toe: Self.day + 365 * 86_400 + Double(16 * k), iode: k % 256)]).setAside
        }
        #expect(setAside == 1000)
        #expect(shared.latestTime == Self.day)
        #expect(shared.snapshot().all(for: SatelliteID(.gps, 3)).map(\.toe) == [Self.day])
    }

    @Test func fourSatellitesOnAnotherDayMoveTheClueAndAreHeld() {
        let shared = SharedEphemerides()
        _ = shared.add((1...8).map { Self.ephemeris($0, toe: Self.day) })
        let later = Self.day + 30 * 86_400
        #expect(shared.add([Self.ephemeris(1, toe: later)]).setAside == 1)
        #expect(shared.add([Self.ephemeris(2, toe: later + 900)]).setAside == 1)
        #expect(shared.add([Self.ephemeris(3, toe: later + 1800)]).setAside == 1)
        #expect(shared.latestTime == Self.day)
        let fourth = shared.add([Self.ephemeris(4, toe: later + 3600)])
        #expect(fourth.setAside == 0 && fourth.new.count == 4)
        #expect(shared.latestTime == later + 3600)
        #expect(shared.add([Self.ephemeris(5, toe: later + 7200)]).new.count == 1)
    }

    @Test func productFilesAreTrustedWhateverTheirSpan() {
        let shared = SharedEphemerides()
        // Three days of one satellite, then another's first day: all held.
        shared.add(products: (0..<36).map { Self.ephemeris(1, toe: Self.day + Double($0) * 7200) }
                   + (0..<12).map { Self.ephemeris(2, toe: Self.day + Double($0) * 7200) })
        #expect(shared.count == 48)
        #expect(shared.latestTime == Self.day + 35 * 7200)
    }
}
