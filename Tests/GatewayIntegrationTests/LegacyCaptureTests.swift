import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import Testing
import TestSupport

/// A reference station that sends legacy observation messages: the GMSD capture with each MSM7 epoch rewritten
/// as 1004 + 1012 (its ephemerides 1019/1020 kept in place, a 1005 added), sent over UDP to the quickstart pair.
/// In the quickstart suite, which is serialized, since it uses the same ports.
extension QuickstartTests {
    static func legacyCapture() throws -> (bytes: [UInt8], epochs: Int) {
        var framer = RTCM3Framer()
        framer.append(try capture())
        var decoder = RTCM3Decoder()
        var assembler = MSMEpochAssembler()
        let reference = GNSSTime(gpsWeek: 1709, secondOfWeek: 604_784)
        var count = 0
        var out = RTCM3Encoder.frame(StationCoordinates(stationID: 611, position: gmsd).encode())
        while let item = framer.next() {
            guard case .frame(let f) = item else { continue }
            switch try? decoder.decode(f) {
            case .msm(let msm)?:
                for e in assembler.add(msm, reference: reference) {
                    count += 1
                    for (system, more) in [(GNSSSystem.gps, true), (.glonass, false)] {
                        let m = LegacyObservations.make(system: system, stationID: 611, time: e.time, synchronous: more,
                                                        observations: e.satellites)
                        out += RTCM3Encoder.frame(try m.encode())
                    }
                }
            case .ephemeris?:
                out += RTCM3Encoder.frame(f.payload)
            default:
                break
            }
        }
        return (out, count)
    }

    @Test("legacy capture: 1004/1012 + 1005 + 1019/1020 over UDP is positioned and its corrections reach dpcd")
    func legacyCaptureIsPositionedAndForwarded() throws {
        guard SharedData.available else { return }
        let (bytes, sentEpochs) = try Self.legacyCapture()
        let dir = try Self.quickstartDirectory("quickstart-legacy")
        // The quickstart's ports, made free ones: other runs on this machine may hold the fixed ones.
        let (metricsPort, udpPort, dpcPort, dpcMetricsPort) = (try StationSourceInteropTests.freePort(), try StationSourceInteropTests.freePort(),
                                                               try StationSourceInteropTests.freePort(), try StationSourceInteropTests.freePort())
        for (file, swaps) in [("local.yaml", [("127.0.0.1:9464", metricsPort), ("127.0.0.1:5001", udpPort), ("127.0.0.1:7001", dpcPort)]),
                              ("dpcd-local.yaml", [("127.0.0.1:7001", dpcPort), ("127.0.0.1:9465", dpcMetricsPort)])] {
            var text = try String(contentsOfFile: dir + "/" + file, encoding: .utf8)
            for (old, port) in swaps { text = text.replacingOccurrences(of: old, with: "127.0.0.1:\(port)") }
            try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8)
        }
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd-local.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "local.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(Self.ready(dir), "gatewayd not ready: \(gatewayd.output)")
        let sender = UDPSender()
        _ = sender.stream(bytes, to: udpPort)
        sender.close()
        #expect(Self.settled(dir), "not settled: \(gatewayd.output)")

        let metrics = try #require(httpGet(port: metricsPort, path: "/metrics"))
        #expect(metric(metrics, "gateway_frames_decoded_total{station=\"DEMO\",type=\"1004\"}") == Double(sentEpochs))
        #expect(metric(metrics, "gateway_frames_decoded_total{station=\"DEMO\",type=\"1012\"}") == Double(sentEpochs))
        let status = try #require(Self.status(dir))
        let station = try #require((status["stations"] as? [[String: Any]])?.first)
        let epochs = try #require(station["epochs"] as? Int)
        let ecef = try #require(station["ecef"] as? [Double])
        let error = ECEF(ecef[0], ecef[1], ecef[2]).distance(to: Self.gmsd)
        #expect(error < 30, "SPP position \(ecef)")
        let records = try dump(store: "state/dpc", directory: dir)
        let types = Set(records.flatMap { $0["types"] as? [Int] ?? [] })
        #expect(!records.isEmpty)
        #expect(types.isSuperset(of: [1077, 1087]), "forwarded types \(types.sorted())")
        print("legacy capture over UDP: \(epochs) epochs, last SPP \(String(format: "%.1f", error)) m from GMSD, \(records.count) records in dpcd, types \(types.sorted())")
    }
}
