import Foundation
import Testing
import GNSSCore
@testable import GNSSFormats

/// RINEX 3.04 lists a receiver channel number as the observation type `X1` (a two-character code, written `X1 ` in
/// the header's three-character field). Septentrio's sbf2rin puts it first in every system's list.
struct RINEXChannelNumberTests {
    static func field(_ value: Double?) -> String {
        guard let value else { return String(repeating: " ", count: 16) }
        let text = String(format: "%14.3f", value)
        return text + "  "
    }

    static let text: String = {
        func pad(_ s: String, _ label: String) -> String { s.padding(toLength: 60, withPad: " ", startingAt: 0) + label }
        let values: [Double?] = [5, 21_000_000.123, 110_355_000.456, -1234.5, 45.0, 21_000_003.5, 85_990_000.25, -961.9, 39.0,
                                 21_000_003.0, 85_990_000.5, -961.9, 42.0, 21_000_004.0, 82_410_000.75, -921.8, 47.0]
        return [
            pad("     3.04           OBSERVATION DATA    M", "RINEX VERSION / TYPE"),
            pad("G   17 X1  C1C L1C D1C S1C C2W L2W D2W S2W C2L L2L D2L S2L", "SYS / # / OBS TYPES"),
            pad("       C5Q L5Q D5Q S5Q", "SYS / # / OBS TYPES"),
            pad("G L1C", "SYS / PHASE SHIFT"),
            pad("G L2W", "SYS / PHASE SHIFT"),
            pad("G L2L  0.00000", "SYS / PHASE SHIFT"),
            pad("G L5Q  0.00000", "SYS / PHASE SHIFT"),
            pad("", "END OF HEADER"),
            "> 2024 03 01 00 00  0.0000000  0  1",
            "G05" + values.map(field).joined(),
        ].joined(separator: "\n") + "\n"
    }()

    @Test func channelNumberIsAcceptedAndLeavesTheOtherValuesInPlace() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("x1-\(UUID().uuidString).24o").path
        try Self.text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try RINEXObservationReader(path: path)
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        #expect(reader.errors.isEmpty, "\(reader.errors)")
        #expect(reader.header.observationTypes[.gps]?.first?.kind == .channel)
        #expect(reader.header.phaseShifts[.gps]?[ObservationCode("L2L")!] == 0)
        let g05 = try #require(epochs.first?.satellites.first)
        #expect(g05.signal(SignalCode("1C")!)?.pseudorange == 21_000_000.123)
        #expect(g05.signal(SignalCode("2W")!)?.carrierPhase == 85_990_000.25)
        #expect(g05.signal(SignalCode("2L")!)?.carrierPhase == 85_990_000.5)
        #expect(g05.signal(SignalCode("5Q")!)?.cn0 == 47)
    }
}
