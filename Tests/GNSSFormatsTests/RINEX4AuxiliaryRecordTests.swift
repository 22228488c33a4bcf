import Foundation
import Testing
import GNSSCore
import GNSSFormats

/// RINEX 4 navigation records other than ephemerides, laid out as RINEX 4.00 §A specifies: the satellite on the
/// `>` line, the epoch in columns 4–22, STO's time system codes from column 24, the SBAS and UTC identifiers at
/// 43 and 62, values in D19.12 from columns 23 (first line) and 4 (the others).
struct RINEX4AuxiliaryRecordTests {
    static let text = """
                 4.00           N: GNSS NAV DATA    M: MIXED            RINEX VERSION / TYPE
            gatewayd-test                           20201125 000000 UTC PGM / RUN BY / DATE
                                                                        END OF HEADER
            > STO G05 LNAV
                2020 06 25 00 00 00 GPUT                                  UTC(USNO)
                 3.456000000000E+05 1.862645149231E-09 8.881784197001E-16 0.000000000000E+00
            > EOP G10 CNVX
                2020 06 25 00 00 00 8.543014526367E-02 1.234000000000E-03-2.000000000000E-06
                                    3.543014526367E-01-2.500000000000E-03 1.000000000000E-06
                 3.456120000000E+05-1.907157897949E-01-2.750000000000E-04 0.000000000000E+00
            > ION G01 LNAV
                2020 06 25 00 00 00 1.024454832077E-08 1.490116119385E-08-5.960464477539E-08
                -1.192092895508E-07 8.806400000000E+04 4.915200000000E+04-1.310720000000E+05
                -3.276800000000E+05 0.000000000000E+00

            """

    @Test func systemTimeOffsetEarthOrientationAndIonosphere() throws {
        let reader = try RINEXNavigationReader(lines: LineReader(bytes: Array(Self.text.utf8)))
        var records: [NavigationAuxiliaryRecord] = []
        while let r = try reader.next() {
            if case .auxiliary(let a) = r { records.append(a) }
        }
        #expect(reader.errors.isEmpty, "\(reader.errors)")
        #expect(records.map(\.kind) == ["STO", "EOP", "ION"])
        let noon = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25), scale: .gps)

        let sto = try #require(records[0].timeOffset)
        #expect(records[0].satellite == SatelliteID(.gps, 5) && records[0].message == "LNAV")
        #expect(sto.code == "GPUT" && sto.sbasID == nil && sto.utcID == "UTC(USNO)")
        #expect(sto.reference == noon && sto.transmissionSecondOfWeek == 345_600)
        #expect(sto.a0 == 1.862645149231e-09 && sto.a1 == 8.881784197001e-16 && sto.a2 == 0)

        let eop = try #require(records[1].earthOrientation)
        #expect(records[1].satellite == SatelliteID(.gps, 10) && records[1].message == "CNVX")
        #expect(eop.xp == 8.543014526367e-02 && eop.xpRate == 1.234e-03 && eop.xpAcceleration == -2e-06)
        #expect(eop.yp == 3.543014526367e-01 && eop.ypRate == -2.5e-03 && eop.ypAcceleration == 1e-06)
        #expect(eop.transmissionSecondOfWeek == 345_612 && eop.ut1MinusUTC == -1.907157897949e-01 && eop.ut1Rate == -2.75e-04)

        #expect(records[2].timeOffset == nil && records[2].earthOrientation == nil)
        let k = try #require(reader.header.klobuchar[.gps])
        #expect(k.alpha == [1.024454832077e-08, 1.490116119385e-08, -5.960464477539e-08, -1.192092895508e-07])
        #expect(k.beta == [8.8064e+04, 4.9152e+04, -1.31072e+05, -3.2768e+05])
    }

    @Test func aRecordWithoutItsLinesIsAnErrorNotACrash() throws {
        let cut = Self.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(5).joined(separator: "\n") + "\n"
        let reader = try RINEXNavigationReader(lines: LineReader(bytes: Array(cut.utf8)))
        while try reader.next() != nil {}
        #expect(reader.errors.contains { $0.kind == .truncated })
    }
}
