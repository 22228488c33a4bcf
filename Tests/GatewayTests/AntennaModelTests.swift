import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSPositioning
@testable import Gateway

/// ANTEX antenna models in the live pipeline, with ANTEX files written here (no ANTEX file is in ../shared/data). How
/// the models move the engine's solutions, against RTKLIB given the same files, is tested next to the engine
/// (GNSSPositioningTests' `AntennaModelAccuracyTests`).
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct AntennaModelTests {
    static func write(_ a: ANTEXText, _ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "antenna-model-\(getpid())-\(name).atx"
        try a.text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The live pipeline (`replay --config`): a PPP reference station on ESBC's day with the precise products and
    /// `products.antex` naming a file that moves every GPS satellite's phase centre 1.5 m towards the Earth, over the first three hours. The RINEX input describes no
    /// antenna to the pipeline (a stream would, with 1033), so the satellite model alone moves the solution: down,
    /// by centimetres as in `replay` (GPS and Galileo here, the file calibrating GPS only).
    @Test func theLivePipelineAppliesSatelliteAntennas() throws {
        let satellites = ANTEXText.gpsSatellitesOffset1500()
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
