import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSPositioning

/// The positioning engine on real data against the reference values in ../shared/data/README.md (RTKLIB 2.4.3
/// solutions and the stations' reference positions), its files read as `gatewayd replay --mode` reads them.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct ReferenceAccuracyTests {
    static let rtkRover = ECEF(-3_976_219.6636, 3_382_372.5411, 3_652_513.0541)

    static func mean(_ solutions: [Solution]) -> ECEF {
        let n = Double(solutions.count)
        return ECEF(solutions.map(\.position.x).reduce(0, +) / n, solutions.map(\.position.y).reduce(0, +) / n,
                    solutions.map(\.position.z).reduce(0, +) / n)
    }

    // README: RTKLIB `rnx2rtkp -p 2 -f 2 -m 15` fixes all 115 epochs (the other 5 of the 120 have GDOP above 30);
    // mean fixed rover ECEF (−3976219.6636, 3382372.5411, 3652513.0541).
    @Test func rtkFixesEveryEpochAndMatchesTheReference() throws {
        let receiver = RecordedReceiver(PositioningProfile(mode: .rtk, systems: [.gps]), rover: SharedData.path("rtk-0759-3040/07590920.05o"),
                                        base: SharedData.path("rtk-0759-3040/30400920.05o"),
                                        navigation: [SharedData.path("rtk-0759-3040/07590920.05n")])
        let fixed = try receiver.solutions().filter { $0.quality == .fixed }
        #expect(fixed.count == 115)
        let mean = Self.mean(fixed)
        #expect(mean.distance(to: Self.rtkRover) < 0.01, "mean fixed position \(mean)")
    }

    /// SPP of 0759's hour, GPS, with its navigation file.
    static func spp0759() -> RecordedReceiver {
        RecordedReceiver(PositioningProfile(mode: .spp, systems: [.gps]), rover: SharedData.path("rtk-0759-3040/07590920.05o"),
                         navigation: [SharedData.path("rtk-0759-3040/07590920.05n")])
    }

    @Test func sppIsWithinMetresOfTheReference() throws {
        let errors = try Self.spp0759().solutions().filter { $0.quality == .single }.map { $0.position.distance(to: Self.rtkRover) }.sorted()
        // The default 7° mask solves all 120 epochs (at 15°, five have a GDOP above 30); median 1.7 m.
        #expect(errors.count == 120)
        #expect(errors[errors.count / 2] < 2.5, "median \(errors[errors.count / 2])")
    }

    /// SPP from a real RTCM 3 stream alone (GMSD, MSM7 and 1019/1020), default options, against the station's IGS20
    /// position (README; the site moved decimetres since 2012). Every epoch is solved but the first 15, where only
    /// four satellites of two systems have their ephemeris yet (five unknowns; 18 to 22 others await theirs);
    /// median 4.8 m (14.3 m with a 15° mask).
    @Test func sppFromTheGMSDStreamIsWithinFiveMetres() throws {
        let outcome = try RecordedReceiver(PositioningProfile(mode: .spp), rover: SharedData.path("rtcm3/GMSD7_20121014.rtcm3")).solve()
        #expect(outcome.epochs == 256 && outcome.solutions.count == 241)
        #expect(outcome.unsolved == ["4 satellites above the mask for 5 unknowns, 2 receiver clocks; the others have no ephemeris yet": 15],
                "\(outcome.unsolved)")
        let igs = ECEF(-3_607_665.5445, 4_147_867.8813, 3_223_716.9188)
        let errors = outcome.solutions.map { $0.position.distance(to: igs) }.sorted()
        #expect(errors[errors.count / 2] < 5, "median \(errors[errors.count / 2]) m")
    }

    /// Excluded satellites are left out of every epoch. 0759's file has G19 in all its epochs: without it every epoch
    /// that was solved with 5–7 satellites is solved with one fewer (median error 6 m instead of 2).
    @Test func excludedSatellitesAreLeftOut() throws {
        var receiver = Self.spp0759()
        receiver.profile.elevationMask = 15 * Constants.degreesToRadians
        let all = try receiver.solutions().filter { $0.quality == .single }
        receiver.profile.excludedSatellites = [SatelliteID(.gps, 19)]
        let fewer = try receiver.solutions().filter { $0.quality == .single }
        #expect(all.count == 115 && fewer.count == 115)
        let used = all.map(\.satellites), usedWithout = fewer.map(\.satellites)
        #expect(used.max() == 7 && usedWithout.max() == 6)
        let removed = used.reduce(0, +) - usedWithout.reduce(0, +)
        #expect(removed >= 114)
        let errors = fewer.map { $0.position.distance(to: Self.rtkRover) }.sorted()
        #expect(errors[errors.count / 2] < 10, "median \(errors[errors.count / 2]) m")
    }

    // README: RTKLIB static ionosphere-free PPP (GPS+Galileo, no ANTEX, no antenna height) gives
    // (3582104.9185, 532590.1945, 5232755.3150); RTKLIB's kinematic PPP has a median 3D error of 8.6 cm over the
    // last 12 hours against its own static solution. This engine applies solid Earth tides and phase wind-up and estimates
    // troposphere gradients; no antenna model.
    static let esbcRTKLIB = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)

    /// PPP of ESBC's day with the GRG products, GPS and Galileo, 10° mask (the README reference's setup).
    static func esbcPPP() -> RecordedReceiver {
        let d = ESBCDay.directory
        var r = RecordedReceiver(PositioningProfile(mode: .ppp, elevationMask: 10 * Constants.degreesToRadians, systems: [.gps, .galileo]),
                                 rover: SharedData.path(d + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"),
                                 navigation: [SharedData.path(d + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")])
        r.sp3 = [SharedData.path(d + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")]
        r.clock = [SharedData.path(d + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")]
        return r
    }

    /// The share of single solutions whose reported 3D sigma covers the error against `reference`, and their number.
    static func sigmaCoverage(_ receiver: RecordedReceiver, reference: ECEF) throws -> (covered: Double, epochs: Int, ppp: Int) {
        let solutions = try receiver.solutions()
        let single = solutions.filter { $0.quality == .single }
        let covered = single.filter { s in
            let sigma = s.sigma
            return s.position.distance(to: reference) <= (sigma.x * sigma.x + sigma.y * sigma.y + sigma.z * sigma.z).squareRoot()
        }.count
        return (single.isEmpty ? 0 : Double(covered) / Double(single.count), single.count, solutions.filter { $0.quality == .ppp }.count)
    }

    /// PPP on broadcast ephemerides alone is metre-level (2.4 m on 0759, half a metre on ESBC's day): it is labelled
    /// single, not PPP, and its sigmas carry the broadcast accuracy and cover the real error (against the data README's
    /// references) in at least 90 % of epochs.
    @Test func broadcastOnlyPPPSaysWhatItIs() throws {
        let short = try Self.sigmaCoverage(RecordedReceiver(PositioningProfile(mode: .ppp, systems: [.gps]),
                                                            rover: SharedData.path("rtk-0759-3040/07590920.05o"),
                                                            navigation: [SharedData.path("rtk-0759-3040/07590920.05n")]),
                                           reference: Self.rtkRover)
        #expect(short.epochs == 120 && short.covered >= 0.9, "\(short.covered) of \(short.epochs)")
        #expect(short.ppp == 0)

        var day = Self.esbcPPP()
        day.sp3 = []
        day.clock = []
        let long = try Self.sigmaCoverage(day, reference: Self.esbcRTKLIB)
        #expect(long.epochs > 2800 && long.covered >= 0.9, "\(long.covered) of \(long.epochs)")
    }

    @Test func pppStaticWithinFiveCentimetresAndKinematicBelowRTKLIB() throws {
        var receiver = Self.esbcPPP()
        receiver.profile.dynamics = .static
        let staticSolutions = try receiver.solutions()
        let reference = try #require(staticSolutions.last).position
        #expect(staticSolutions.count >= 2840)
        #expect(reference.distance(to: Self.esbcRTKLIB) < 0.05, "\(reference)")

        receiver.profile.dynamics = .kinematic
        let kinematic = try receiver.solutions()
        #expect(kinematic.count >= 2840)
        let lastHalf = kinematic.suffix(1440).map { $0.position.distance(to: reference) }.sorted()
        let median = lastHalf[lastHalf.count / 2]
        // 7.7 cm today (8.9 cm without the gradients). What keeps it from staying below 10 cm all day is mostly the
        // satellites' horizontal antenna offsets, which no ANTEX file brings here (next test).
        #expect(median < 0.086, "median 3D error over the last 12 h: \(median) m")
        // The day's SP3 ends at 23:45: no epoch is positioned by extrapolating the orbits beyond a thirtieth of
        // their 15-minute step (2851 epochs from 00:00:30 to 23:45:30, whose signals left at 23:45:29.93).
        #expect(kinematic.count <= 2851)
    }

    /// With the satellites' horizontal antenna offsets (no ANTEX file is in ../shared/data: the GPS IIF and Galileo
    /// offsets of `ANTEXText.satelliteHorizontalOffsets`, as an IGS ANTEX file gives them) and a 7° mask, the
    /// kinematic solution stays within 10 cm of the static one (same models) from the first half hour on.
    @Test func kinematicPPPWithSatelliteAntennasStaysBelowTenCentimetres() throws {
        let antex = try ANTEXText.satelliteHorizontalOffsets(galileoFOC: 120).temporaryFile("esbc-kinematic")
        defer { try? FileManager.default.removeItem(atPath: antex) }
        var receiver = Self.esbcPPP()
        receiver.antex = antex
        receiver.profile.elevationMask = 7 * Constants.degreesToRadians
        receiver.profile.dynamics = .static
        let reference = try #require(receiver.solutions().last).position
        receiver.profile.dynamics = .kinematic
        let kinematic = try receiver.solutions()
        #expect(kinematic.count >= 2840)
        let errors = kinematic.map { $0.position.distance(to: reference) }
        // 00:00:30 is the first epoch: from index 59 on, 30 minutes have passed. Measured: every epoch from 28 min
        // on below 10 cm (9.6 cm at most), a median of 2.4 cm over the last 12 hours (8.0 cm without the offsets).
        let worst = errors.dropFirst(59).max() ?? .infinity
        #expect(worst < 0.10, "largest 3D error after 30 min: \(worst) m")
        let lastHalf = errors.suffix(1440).sorted()
        #expect(lastHalf[lastHalf.count / 2] < 0.03, "median 3D error over the last 12 h: \(lastHalf[lastHalf.count / 2]) m")
    }
}
