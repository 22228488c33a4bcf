import Foundation
import GNSSCore
import GNSSFormats
import GNSSProducts
import TestSupport
import Testing
@testable import Gateway

/// A stream's antenna (1033 descriptor) reaches replay's antenna models, as a RINEX header's does; its coordinates
/// (1005/1006) are the antenna reference point's, so the 1006 height is no eccentricity.
struct StreamAntennaTests {
    @Test func rtcmCaptureDescribesItsAntenna() throws {
        // The simulated rover's capture with a 1006 and a 1033 in front.
        let coordinates = StationCoordinates(stationID: 7, position: ECEF(3_582_105.29, 532_589.73, 5_232_754.81), antennaHeight: 0.216)
        let descriptors = StationDescriptors(stationID: 7, antennaDescriptor: "ASH701945E_M    SCIS")
        let stream = RTCM3Framer.frame(coordinates.encode()) + RTCM3Framer.frame(descriptors.encode())
            + (try FileByteSource.readAll(path: SharedData.fixture("sim/ROV0.rtcm3")))
        let path = NSTemporaryDirectory() + "stream-antenna-\(getpid()).rtcm3"
        try Data(stream).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try ObservationSources.open(path)
        #expect(source.antenna == nil)          // nothing read yet
        _ = try source.next()
        #expect(source.antenna == ReceiverAntenna(type: "ASH701945E_M    SCIS", eccentricity: ENU(east: 0, north: 0, up: 0)))
    }
}

/// The live pipeline's RTK (`replay --config`) with the antennas the simulated streams' 1033 frames name: the
/// rover's calibrated 100 mm above its reference point, the reference station's 40 mm, where the simulated
/// observations have none; the rover's solution moves 60 mm down against the run without ANTEX.
struct LiveRTKAntennaTests {
    @Test func rtkUsesBothStationsAntennas() throws {
        let dir = NSTemporaryDirectory() + "live-rtk-antenna-\(getpid())/"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var inputs: [String: [String]] = [:]
        for (name, id, antenna) in [("REF0", 1, "TESTREF         NONE"), ("ROV0", 2, "TESTROV         NONE")] {
            let descriptor = RTCM3Framer.frame(StationDescriptors(stationID: id, antennaDescriptor: antenna).encode())
            let path = dir + name + ".rtcm3"
            try Data(descriptor + (try FileByteSource.readAll(path: SharedData.fixture("sim/\(name).rtcm3")))).write(to: URL(fileURLWithPath: path))
            inputs[name] = [path]
        }
        var antex = ANTEXText()
        for (type, up) in [("TESTREF         NONE", 40.0), ("TESTROV         NONE", 100.0)] {
            antex.antenna(type: type, frequencies: ["G01", "G02", "G05", "E01", "E05"].map { ($0, (0, 0, up), [Double](repeating: 0, count: 19)) })
        }
        try antex.text.write(toFile: dir + "test.atx", atomically: true, encoding: .utf8)
        func roverHeights(antex: String?) throws -> [String: ECEF] {
            let yaml = """
                gateway_id: live-rtk-antenna
                \(antex.map { "products:\n  antex: \($0)" } ?? "")
                stations:
                  - name: REF0
                    listen: 127.0.0.1:5391
                    format: rtcm3
                    role: reference
                    processing: none
                  - name: ROV0
                    listen: 127.0.0.1:5392
                    format: rtcm3
                    role: rover
                    processing: rtk
                    reference: REF0
                """
            let outcome = ConfigurationLoader.parse(yaml, file: "live-rtk-antenna.yaml")
            let config = try #require(outcome.configuration, "\(outcome.problems)")
            let out = dir + (antex == nil ? "plain" : "antex")
            var replay = ConfiguredReplay(configuration: config, inputs: inputs, outputDirectory: out)
            replay.format = .json
            _ = try replay.run()
            var fixed: [String: ECEF] = [:]
            for line in try String(contentsOfFile: out + "/ROV0.json", encoding: .utf8).split(separator: "\n") {
                guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["quality"] as? String == "fixed",
                      let t = o["time"] as? String, let e = o["ecef"] as? [Double] else { continue }
                fixed[t] = ECEF(e[0], e[1], e[2])
            }
            return fixed
        }
        let plain = try roverHeights(antex: nil)
        let modelled = try roverHeights(antex: dir + "test.atx")
        let shifts = modelled.compactMap { t, p in plain[t].map { p.enu(relativeTo: $0) } }
        #expect(shifts.count > 200)
        #expect(shifts.allSatisfy { abs($0.up + 0.060) < 0.005 && $0.horizontal < 0.005 }, "\(shifts.prefix(3))")
    }
}
