import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSPositioning
@testable import Gateway

/// ANTEX antenna models in PPP (ESBC's day, static, GPS, the GRG products) and RTK (0759/3040), with ANTEX files
/// written here: no ANTEX file is in ../shared/data, so the patterns are chosen and the expected shifts of the
/// solution come from the ANTEX definitions, the RINEX headers and RTKLIB given the same file.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct AntennaModelTests {
    static func staticGPS(antex: String?) throws -> ECEF {
        var c = ReplayTests.esbcPPP()
        c.profile.dynamics = .static
        c.profile.systems = [.gps]
        c.antex = antex
        return try #require(ReplayTests.solutions(c).last).position
    }

    /// Every GPS satellite's phase centre 1.5 m from its centre of mass towards the Earth on L1 and L2, no variations.
    static func gpsSatellitesOffset1500() -> ANTEXText {
        var satellites = ANTEXText()
        for prn in 1...32 {
            satellites.antenna(type: "BLOCK TEST", serial: "G" + (prn < 10 ? "0" : "") + String(prn), zenith: (0, 17, 1),
                               validFrom: "  2000     1     1     0     0    0.0000000",
                               frequencies: ["G01", "G02"].map { ($0, (0, 0, 1500), [Double](repeating: 0, count: 18)) })
        }
        return satellites
    }

    static func write(_ a: ANTEXText, _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "antenna-model-\(getpid())-\(name).atx"
        try a.text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func receiverAndSatelliteAntennasMoveTheSolutionAsExpected() throws {
        let plain = try Self.staticGPS(antex: nil)

        // Receiver: ESBC's header names ASH701945E_M with radome SCIS and an antenna height of 0.216 m. The file has
        // the antenna without radome only (used instead), its phase centre 100 mm above the reference point on both
        // frequencies and no variations: the marker lies 0.316 m below the phase centre the observations refer to.
        var receiver = ANTEXText()
        receiver.antenna(type: "ASH701945E_M    NONE", frequencies: ["G01", "G02"].map { ($0, (0, 0, 100), [Double](repeating: 0, count: 19)) })
        let path = try Self.write(receiver, "receiver")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let shifted = try Self.staticGPS(antex: path).enu(relativeTo: plain)
        #expect(abs(shifted.up + 0.316) < 0.003 && shifted.horizontal < 0.003, "\(shifted)")

        // Satellites: every GPS satellite's phase centre 1.5 m from its centre of mass towards the Earth. Given the
        // same file (`file-satantfile`, `pos1-posopt1=on`), RTKLIB 2.4.3 b34's static PPP of this day (ppp-static,
        // l1+l2, dual-freq, est-ztd, precise, GPS, 10°) moves 6.89 cm down (0.3 mm east, 0.4 mm north). The receiver
        // antenna is not in this file, so only the 0.216 m antenna height applies on the receiver side.
        let satellites = Self.gpsSatellitesOffset1500()
        let satellitePath = try Self.write(satellites, "satellites")
        defer { try? FileManager.default.removeItem(atPath: satellitePath) }
        var moved = try Self.staticGPS(antex: satellitePath).enu(relativeTo: plain)
        moved.up += 0.216
        #expect(abs(moved.up + 0.0689) < 0.01 && moved.horizontal < 0.005, "\(moved)")
    }

    /// Horizontal offsets turn with the satellite's yaw: the GPS Block IIF satellites' 394 mm x offset. Given the
    /// same file, RTKLIB 2.4.3 b34's static PPP (settings as above) moves 17.5 mm east, 3.7 mm north and 29.2 mm up.
    @Test func satelliteHorizontalOffsetsMoveTheSolutionAsRTKLIBs() throws {
        let plain = try Self.staticGPS(antex: nil)
        let path = try Self.write(ANTEXText.satelliteHorizontalOffsets(galileoFOC: nil), "iif")
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
        let antex = try Self.write(antenna, "trm")
        defer { try? FileManager.default.removeItem(atPath: antex) }
        var c = ReplayConfiguration()
        c.profile.mode = .rtk
        c.profile.systems = [.gps]
        c.rover = [rover]
        c.base = [d + "30400920.05o"]
        c.navigation = [d + "07590920.05n"]
        c.antex = antex
        let fixed = try ReplayTests.solutions(c).filter { $0.quality == .fixed }
        #expect(fixed.count == 115)
        let mean = (1 / Double(fixed.count)) * fixed.reduce(ECEF.zero) { $0 + $1.position }
        let offset = mean.enu(relativeTo: ReplayTests.rtkRover)
        #expect(abs(offset.up + 1) < 0.005 && offset.horizontal < 0.005, "\(offset)")
    }

    /// The live pipeline (`replay --config`): a PPP reference station on ESBC's day with the precise products and
    /// `products.antex` naming the satellite file above, over the first three hours. The RINEX input describes no
    /// antenna to the pipeline (a stream would, with 1033), so the satellite model alone moves the solution: down,
    /// by centimetres as in `replay` (GPS and Galileo here, the file calibrating GPS only).
    @Test func theLivePipelineAppliesSatelliteAntennas() throws {
        let satellites = Self.gpsSatellitesOffset1500()
        let antex = try Self.write(satellites, "live")
        defer { try? FileManager.default.removeItem(atPath: antex) }
        // The day's first three hours, GPS and Galileo, as RINEX 3.05: enough for a static solution, quick to replay.
        let reader = try RINEXObservationReader(path: SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"))
        var epochs: [ObservationEpoch] = []
        while epochs.count < 360, var e = try reader.next() {
            e.satellites.removeAll { ![.gps, .galileo].contains($0.satellite.system) }
            epochs.append(e)
        }
        let writer = RINEXObservationWriter(markerName: "ESBC", approximatePosition: reader.header.approximatePosition, interval: 30,
                                            observationTypes: RINEXObservationWriter.observationTypes(for: epochs))
        let input = NSTemporaryDirectory() + "antenna-live-\(getpid()).rnx"
        try (writer.header(firstEpoch: epochs.first?.time) + epochs.map(writer.epoch).joined()).write(toFile: input, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: input) }
        func finalPosition(antex: String?) throws -> ECEF {
            let d = SharedData.path("ppp-esbc-2020177/")
            let yaml = """
                gateway_id: antenna-test
                products:
                  navigation: [\(d)ESBC00DNK_R_20201770000_01D_MN.rnx.gz]
                  sp3: [\(d)GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz]
                  clock: [\(d)GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz]
                \(antex.map { "  antex: \($0)" } ?? "")
                stations:
                  - name: ESBC
                    listen: 127.0.0.1:5399
                    format: rtcm3
                    role: reference
                    processing: ppp
                """
            let outcome = ConfigurationLoader.parse(yaml, file: "antenna-test.yaml")
            let config = try #require(outcome.configuration, "\(outcome.problems)")
            let out = NSTemporaryDirectory() + "antenna-live-\(getpid())-\(antex == nil ? "plain" : "antex")"
            defer { try? FileManager.default.removeItem(atPath: out) }
            var replay = ConfiguredReplay(configuration: config, inputs: ["ESBC": [input]], outputDirectory: out)
            replay.format = .json
            _ = try replay.run()
            let lines = try String(contentsOfFile: out + "/ESBC.json", encoding: .utf8).split(separator: "\n")
            let last = try #require(lines.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            let e = try #require(last["ecef"] as? [Double])
            return ECEF(e[0], e[1], e[2])
        }
        let plain = try finalPosition(antex: nil)
        let moved = try finalPosition(antex: antex).enu(relativeTo: plain)
        #expect(moved.up < -0.02 && moved.up > -0.12 && moved.horizontal < 0.02, "\(moved)")
    }
}
