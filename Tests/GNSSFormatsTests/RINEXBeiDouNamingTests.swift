import Testing
import GNSSCore
@testable import GNSSFormats

/// RINEX 3.00–3.02 named BeiDou's B1I signal with band 1 (C1I, L1I); RINEX 3.03 renamed it 2I and gave band 1 to
/// B1C (RINEX 3.03, section 5.12). A 3.02 file's B1I reads as 2I, a 3.03 file's 1P stays B1C.
struct RINEXBeiDouNamingTests {
    static func file(version: String, types: String, values: String) -> [UInt8] {
        func label(_ text: String, _ label: String) -> String { text.padding(toLength: 60, withPad: " ", startingAt: 0) + label + "\n" }
        let text = label("     \(version)           OBSERVATION DATA    C (BEIDOU)", "RINEX VERSION / TYPE")
            + label("C    4 \(types)", "SYS / # / OBS TYPES")
            + label("", "END OF HEADER")
            + "> 2018 08 30 02 03  0.0000000  0  1\n"
            + "C07" + values + "\n"
        return Array(text.utf8)
    }

    static let values = "  39491936.793 6 205644910.739 6  39491927.647 5 167103300.437 5"

    @Test func b1iOfRINEX302ReadsAs2I() throws {
        let reader = try RINEXObservationReader(lines: LineReader(bytes: Self.file(version: "3.02", types: "C1I L1I C7I L7I", values: Self.values)))
        let epoch = try #require(try reader.next())
        let c07 = try #require(epoch.satellite(SatelliteID(.beidou, 7)))
        #expect(c07.signal(SignalCode("2I")!)?.pseudorange == 39491936.793)
        #expect(c07.signal(SignalCode("2I")!)?.carrierPhase == 205644910.739)
        #expect(c07.signal(SignalCode("7I")!)?.pseudorange == 39491927.647)
        #expect(c07.signal(SignalCode("1I")!) == nil)
    }

    @Test func b1cOfRINEX303StaysBand1() throws {
        let reader = try RINEXObservationReader(lines: LineReader(bytes: Self.file(version: "3.03", types: "C1P L1P C7I L7I", values: Self.values)))
        let c07 = try #require(try reader.next()?.satellite(SatelliteID(.beidou, 7)))
        #expect(c07.signal(SignalCode("1P")!)?.pseudorange == 39491936.793)
    }
}
