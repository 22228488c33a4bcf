import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct NavigationAndProductTests {
    // Values read off the file's own text: 07590920.05n holds 162 GPS records; the first is PRN 1,
    // toc 2005-04-02 02:00:00, af0 3.966595977540D-04, sqrtA 5.153636478420D+03, toe 5.256D+05, IODE 140;
    // its header has ION ALPHA 1.1180D-08 … and LEAP SECONDS 13.
    @Test func rinex2GPSNavigation() throws {
        let (header, ephs, errors) = try RINEXNavigationReader.readAll(path: SharedData.path("rtk-0759-3040/07590920.05n"))
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(ephs.count == 162)
        #expect(header.leapSeconds == 13)
        #expect(header.klobuchar[.gps]?.alpha.first == 1.1180e-08)
        #expect(header.klobuchar[.gps]?.beta.last == -1.3110e+05)
        guard case .kepler(let e) = try #require(ephs.first) else { Issue.record("not Keplerian"); return }
        #expect(e.satellite == SatelliteID(.gps, 1))
        #expect(e.toc.gpsCalendar == CalendarDate(year: 2005, month: 4, day: 2, hour: 2))
        #expect(e.af0 == 3.966595977540e-04)
        #expect(e.sqrtA == 5.153636478420e+03)
        #expect(e.toeSeconds == 525_600 && e.toe.secondOfWeek == 525_600)
        #expect(e.iode == 140)
        #expect(e.iodc == 396)
        #expect(e.groupDelays == [-3.259629011150e-09])
    }

    // ESBC00DNK_R_20201770000_01D_MN.rnx.gz: records by system counted with grep on the record
    // start lines (C 357, E 1602, G 257, J 15, R 510, S 2130).
    @Test func rinex3MixedNavigation() throws {
        let (header, ephs, errors) = try RINEXNavigationReader.readAll(path: SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        var counts: [GNSSSystem: Int] = [:]
        for e in ephs { counts[e.satellite.system, default: 0] += 1 }
        #expect(counts == [.beidou: 357, .galileo: 1602, .gps: 257, .qzss: 15, .glonass: 510, .sbas: 2130])
        #expect(header.klobuchar[.gps]?.alpha == [4.6566e-09, 1.4901e-08, -5.9605e-08, -1.1921e-07])
        #expect(header.nequick?.ai == [2.8250e+01, 7.8125e-03, 1.0071e-02])
        // R01 2020-06-24 23:15:00 UTC: −τn 6.355904042721e-05, X 1.090894238281e+04 km, channel 1.
        let r01 = ephs.compactMap { if case .glonass(let g) = $0, g.satellite.prn == 1 { return g } else { return nil } }.first
        let g = try #require(r01)
        #expect(g.clockBias == 6.355904042721e-05)
        #expect(g.position.x == 1.090894238281e+04 * 1000)
        #expect(g.frequencyChannel == 1)
        #expect(g.toe.utcCalendar == CalendarDate(year: 2020, month: 6, day: 24, hour: 23, minute: 15))
        let galileo = ephs.compactMap { if case .kepler(let k) = $0, k.satellite.system == .galileo { return k } else { return nil } }
        #expect(galileo.contains { $0.message == .inav } && galileo.contains { $0.message == .fnav })
    }

    @Test func navigationEdgeFiles() throws {
        for f in ["BRDC00IGS_R_20201360000_01D_MN.rnx", "BRDM00DLR_R_20130010000_01D_MN.rnx", "ab422100.18n", "blank.10n",
                  "demo.10n", "demo_nav3.17n", "galileo3.15n", "minimal2.10n", "minimal3.10n", "qzss_nav3.14n",
                  "spare_filled_nav3.rnx"] {
            let path = SharedData.path("rinex-edge/" + f)
            do {
                let (_, _, errors) = try RINEXNavigationReader.readAll(path: path)
                for e in errors { #expect(e.file == path, "\(f): \(e)") }
            } catch {
                #expect(error.file == path, "\(f): \(error)")
            }
        }
    }

    // GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz: 96 epochs of 75 satellites; at 12:00:00 PG01 is
    // 10996.104343 −19841.200560 −13758.983598 km with clock 16.250758 µs.
    @Test func sp3Orbits() throws {
        let (header, epochs, errors) = try SP3Reader.readAll(path: SharedData.path("ppp-esbc-2020177/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"))
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(header.version == "c")
        #expect(header.satellites.count == 75)
        #expect(header.epochCount == 96 && epochs.count == 96)
        #expect(header.interval == 900)
        let noon = try #require(epochs.first { $0.time.iso8601() == "2020-06-25T12:00:00.000" })
        let g01 = try #require(noon.records.first { $0.satellite == SatelliteID(.gps, 1) })
        #expect(try #require(g01.position).distance(to: ECEF(10_996_104.343, -19_841_200.560, -13_758_983.598)) < 1e-6)
        #expect(abs((g01.clock ?? 0) - 16.250758e-6) < 1e-15)
    }

    @Test func sp3EdgeFiles() throws {
        let a = try SP3Reader.readAll(path: SharedData.path("rinex-edge/example1.sp3a"))
        #expect(a.header.version == "a" && a.header.satellites.count == 25)
        #expect(a.epochs.first?.records.first?.satellite == SatelliteID(.gps, 1))
        for f in ["minimal.sp3c", "minimal.sp3d"] {
            let r = try SP3Reader.readAll(path: SharedData.path("rinex-edge/" + f))
            #expect(!r.epochs.isEmpty, "\(f)")
        }
        // truncated.sp3 stops without EOF: the error names the file and line, earlier epochs are kept.
        let t = try SP3Reader.readAll(path: SharedData.path("rinex-edge/truncated.sp3"))
        #expect(!t.epochs.isEmpty)
        #expect(t.errors.contains { $0.kind == .truncated })
    }

    // GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz: 2880 AS records for G01 (grep), and at 12:00:00
    // G01's bias is 0.162507578102E-04 s with sigma 0.631371948124E-11; its header names the antenna models applied
    // ("G GINS   V11.1      igs14_2108.atx      SYS / PCVS APPLIED").
    @Test func rinexClock() throws {
        let reader = try RINEXClockReader(path: SharedData.path("ppp-esbc-2020177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"))
        #expect(reader.header.antennaModels == ["igs14_2108.atx"])
        var g01 = 0
        var noon: ClockRecord?
        while let r = try reader.next() {
            guard r.satellite == SatelliteID(.gps, 1) else { continue }
            g01 += 1
            if r.time.iso8601() == "2020-06-25T12:00:00.000" { noon = r }
        }
        #expect(reader.errors.isEmpty)
        #expect(g01 == 2880)
        #expect(noon?.bias == 0.162507578102e-04)
        #expect(noon?.sigma == 0.631371948124e-11)
    }

    /// The satellite-clock fast path gives exactly the AS records the full reader gives, on the real day's file.
    @Test func satelliteClocksFastPath() throws {
        let path = SharedData.path("ppp-esbc-2020177/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")
        let full = try RINEXClockReader(path: path)
        var expected: [String] = []
        while let r = try full.next() {
            if r.type == "AS", let sat = r.satellite { expected.append("\(sat) \(r.time) \(r.bias)") }
        }
        let fast = try RINEXClockReader(path: path)
        var got: [String] = []
        while let c = try fast.nextSatelliteClock() { got.append("\(c.satellite) \(c.time) \(c.bias)") }
        #expect(got.count == 215_999)
        #expect(got == expected)
    }

    /// Receiver records with a continuation line (more than two values) and RINEX 3.04's nine-character names are skipped whole.
    @Test func satelliteClocksSkipOtherRecords() throws {
        let text = """
                 3.04           C                                       RINEX VERSION / TYPE
            G                                                           TIME SYSTEM ID
                                                                        END OF HEADER
            AR ALGO00CAN 2020 06 25 00 00  0.000000  4    1.0e-09  2.0e-12
                3.0e-13  4.0e-14
            AS G01       2020 06 25 00 00  0.000000  2    1.62507578102e-05  6.31e-12
            AS E11       2020 06 25 00 00 30.000000  1   -2.5e-04

            """
        let reader = try RINEXClockReader(lines: LineReader(bytes: Array(text.utf8)))
        let a = try #require(try reader.nextSatelliteClock())
        let b = try #require(try reader.nextSatelliteClock())
        #expect(a.satellite == SatelliteID(.gps, 1) && a.bias == 1.62507578102e-05)
        #expect(b.satellite == SatelliteID(.galileo, 11) && b.bias == -2.5e-04 && b.time - a.time == 30)
        #expect(try reader.nextSatelliteClock() == nil)
        #expect(reader.errors.isEmpty)
    }
}
