import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// ANTEX 1.4 reading, on text laid out by the format's columns (no ANTEX file is in ../shared/data).
struct ANTEXTests {
    static func sample() -> ANTEXText {
        var a = ANTEXText()
        a.antenna(type: "ASH701945E_M    NONE", frequencies: [
            ("G01", (1.2, -0.8, 91.0), (0..<19).map { Double($0) * 0.5 }),
            ("G02", (0.3, 0.1, 119.5), (0..<19).map { -Double($0) * 0.25 })])
        a.antenna(type: "BLOCK IIF", serial: "G01", zenith: (0, 17, 1), validFrom: "  2011     7    16     0     0    0.0000000",
                  frequencies: [("G01", (394, 0, 1500), [Double](repeating: 0, count: 18)),
                                ("G02", (394, 0, 1500), [Double](repeating: 0, count: 18))])
        return a
    }

    @Test func readsReceiverAndSatelliteAntennas() throws {
        let (antennas, errors) = try ANTEXReader.read(lines: LineReader(bytes: Array(Self.sample().text.utf8)))
        #expect(errors.isEmpty)
        #expect(antennas.count == 2)
        let receiver = try #require(antennas.first)
        #expect(receiver.type == "ASH701945E_M    NONE" && receiver.satellite == nil && receiver.antennaOnly == "ASH701945E_M")
        let l1 = try #require(receiver.patterns["G01"])
        #expect(l1.offset.0 == 0.0012 && l1.offset.1 == -0.0008 && abs(l1.offset.2 - 0.091) < 1e-12)
        #expect(l1.variations.count == 19 && abs(l1.variations[18] - 0.009) < 1e-12)
        // Linear between grid points: 7.5° lies between 1.0 and 1.5 mm.
        #expect(abs(receiver.variation(l1, angle: 7.5) - 0.00075) < 1e-12)
        #expect(receiver.variation(l1, angle: 120) == l1.variations[18])
        let satellite = antennas[1]
        #expect(satellite.satellite == SatelliteID(.gps, 1) && satellite.zenithEnd == 17 && satellite.zenithStep == 1)
        #expect(satellite.validFrom == GNSSTime(gpsCalendar: CalendarDate(year: 2011, month: 7, day: 16)))
        #expect(satellite.patterns["G02"]?.offset.2 == 1.5)
    }

    @Test func aBrokenAntennaIsReportedAndTheOthersKept() throws {
        var text = Self.sample().text
        // The receiver's first NOAZI row loses a value.
        text = text.replacingOccurrences(of: "   NOAZI    0.00    0.50", with: "   NOAZI    0.50")
        let (antennas, errors) = try ANTEXReader.read(lines: LineReader(bytes: Array(text.utf8)))
        #expect(antennas.count == 1 && antennas[0].satellite == SatelliteID(.gps, 1))
        #expect(errors.count == 1 && errors[0].description.contains("NOAZI"), "\(errors)")
        #expect(throws: FormatError.self) { try ANTEXReader.read(lines: LineReader(bytes: Array("not antex\n".utf8))) }
    }
}
