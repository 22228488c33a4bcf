import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSPositioning

/// ANTEX antenna models in PPP (ESBC's day, static, GPS, the GRG products) and RTK (0759/3040), with ANTEX files
/// written here: no ANTEX file is in ../shared/data, so the patterns are chosen and the expected shifts of the
/// solution come from the ANTEX definitions, the RINEX headers and RTKLIB given the same file.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct AntennaModelAccuracyTests {
    /// The final static PPP position of ESBC's day, GPS only, with the ANTEX file at `antex` if any.
    static func staticGPS(antex: String?) throws -> ECEF {
        var receiver = ReferenceAccuracyTests.esbcPPP()
        receiver.profile.dynamics = .static
        receiver.profile.systems = [.gps]
        receiver.antex = antex
        return try #require(receiver.solutions().last).position
    }

    @Test func receiverAndSatelliteAntennasMoveTheSolutionAsExpected() throws {
        let plain = try Self.staticGPS(antex: nil)

        // Receiver: ESBC's header names ASH701945E_M with radome SCIS and an antenna height of 0.216 m. The file has
        // the antenna without radome only (used instead), its phase centre 100 mm above the reference point on both
        // frequencies and no variations: the marker lies 0.316 m below the phase centre the observations refer to.
        var receiver = ANTEXText()
        receiver.antenna(type: "ASH701945E_M    NONE", frequencies: ["G01", "G02"].map { ($0, (0, 0, 100), [Double](repeating: 0, count: 19)) })
        let path = try receiver.temporaryFile("receiver")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shifted = try Self.staticGPS(antex: path).enu(relativeTo: plain)
        #expect(abs(shifted.up + 0.316) < 0.003 && shifted.horizontal < 0.003, "\(shifted)")

        // Satellites: every GPS satellite's phase centre 1.5 m from its centre of mass towards the Earth. Given the
        // same file (`file-satantfile`, `pos1-posopt1=on`), RTKLIB 2.4.3 b34's static PPP of this day (ppp-static,
        // l1+l2, dual-freq, est-ztd, precise, GPS, 10°) moves 6.89 cm down (0.3 mm east, 0.4 mm north). The receiver
        // antenna is not in this file, so only the 0.216 m antenna height applies on the receiver side.
        let satellites = ANTEXText.gpsSatellitesOffset1500()
        let satellitePath = try satellites.temporaryFile("satellites")
        defer { try? FileManager.default.removeItem(atPath: satellitePath) }
        var moved = try Self.staticGPS(antex: satellitePath).enu(relativeTo: plain)
        moved.up += 0.216
        #expect(abs(moved.up + 0.0689) < 0.01 && moved.horizontal < 0.005, "\(moved)")
    }

    /// Horizontal offsets turn with the satellite's yaw: the GPS Block IIF satellites' 394 mm x offset. Given the
    /// same file, RTKLIB 2.4.3 b34's static PPP (settings as above) moves 17.5 mm east, 3.7 mm north and 29.2 mm up.
    @Test func satelliteHorizontalOffsetsMoveTheSolutionAsRTKLIBs() throws {
        let plain = try Self.staticGPS(antex: nil)
        let path = try ANTEXText.satelliteHorizontalOffsets(galileoFOC: nil).temporaryFile("iif")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var moved = try Self.staticGPS(antex: path).enu(relativeTo: plain)
        moved.up += 0.216
        #expect(abs(moved.east - 0.0175) < 0.01 && abs(moved.north - 0.0037) < 0.01 && abs(moved.up - 0.0292) < 0.01, "\(moved)")
    }

    /// RTK: the rover's header is given an antenna height of 1 m, both stations (TRM29659.00) the same calibration,
    /// so the fixed rover marker lies 1 m below the position RTKLIB gives for the antenna (README reference).
    @Test func rtkAppliesTheRoverAntennaHeight() throws {
        let d = SharedData.path("rtk-0759-3040/")
        let original = try String(contentsOfFile: d + "07590920.05o", encoding: .utf8)
        let raised = original.replacingOccurrences(of: "        0.0000        0.0000        0.0000                  ANTENNA: DELTA H/E/N",
                                                   with: "        1.0000        0.0000        0.0000                  ANTENNA: DELTA H/E/N")
        #expect(raised != original)
        let rover = NSTemporaryDirectory() + "antenna-model-\(getpid())-rover.05o"
        try raised.write(toFile: rover, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: rover) }
        var antenna = ANTEXText()
        antenna.antenna(type: "TRM29659.00     NONE", frequencies: [
            ("G01", (0, 0, 100), (0..<19).map { Double($0) * 0.2 }), ("G02", (0, 0, 120), (0..<19).map { Double($0) * 0.2 })])
        let antex = try antenna.temporaryFile("trm")
        defer { try? FileManager.default.removeItem(atPath: antex) }
        var receiver = RecordedReceiver(PositioningProfile(mode: .rtk, systems: [.gps]), rover: rover, base: d + "30400920.05o",
                                        navigation: [d + "07590920.05n"])
        receiver.antex = antex
        let fixed = try receiver.solutions().filter { $0.quality == .fixed }
        #expect(fixed.count == 115)
        let mean = (1 / Double(fixed.count)) * fixed.reduce(ECEF.zero) { $0 + $1.position }
        let offset = mean.enu(relativeTo: ReferenceAccuracyTests.rtkRover)
        #expect(abs(offset.up + 1) < 0.005 && offset.horizontal < 0.005, "\(offset)")
    }
}
