import Foundation
import Gateway
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("A station's observation quality, live", .serialized)
struct StationQualityViewTests {
    /// Where each RTCM 3 frame of a capture starts.
    static func frameStarts(_ data: [UInt8]) -> [Int] {
        var starts: [Int] = []
        var i = 0
        while i + 3 <= data.count {
            guard data[i] == 0xD3 else { i += 1; continue }
            starts.append(i)
            i += 6 + (Int(data[i + 1] & 3) << 8 | Int(data[i + 2]))
        }
        return starts
    }

    /// Polls the status until the station's epoch count stops growing.
    static func settled(_ dir: String) -> Bool {
        var previous = -1
        return eventually {
            usleep(300_000)
            let epochs = ((try? control("ctl.sock", ["status"], directory: dir))?["stations"] as? [[String: Any]])?.first?["epochs"] as? Int ?? 0
            defer { previous = epochs }
            return epochs > 100 && epochs == previous
        }
    }

    @Test("GMSD's capture with a minute cut out, after a pause: quality in stations --json, the table and /metrics, one outage",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func captureWithAnOutage() throws {
        let capture = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))))
        let (udp, metricsPort) = (try Demo.freeUDPPort(), try StationSourceInteropTests.freePort())
        let dir = makeWorkDirectory("station-quality")
        let configuration = """
            gateway_id: quality-test
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(metricsPort)
            state_directory: ./state
            stations:
              - name: GMSD
                listen: 127.0.0.1:\(udp)
                processing: spp
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(configuration.utf8))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })

        // From the start: the counters at zero, the status's quality with every key and nothing known.
        let before = try #require(httpGet(port: metricsPort, path: "/metrics"))
        #expect(metric(before, #"gateway_station_outages_total{station="GMSD"}"#) == 0, "\(before)")
        #expect(metric(before, #"gateway_station_cycle_slips_total{station="GMSD",kind="receiver"}"#) == 0)
        #expect(metric(before, #"gateway_station_observations_expected_total{station="GMSD"}"#) == 0)
        let empty = try #require((try control("ctl.sock", ["stations"], directory: dir)?["stations"] as? [[String: Any]])?.first?["observation_quality"]
            as? [String: Any])
        for key in ["completeness", "completeness_total", "latency", "latency_mean", "interval", "outage_longest", "outage_last", "outage_last_after"] {
            #expect(empty[key] is NSNull, "\(key): \(empty)")
        }
        #expect(empty["outages"] as? Int == 0 && empty["observations_expected"] as? Int == 0)

        // The first 40 % of the frames, a pause, then the capture from 60 % on: about 50 s of 1 s epochs missing.
        let starts = Self.frameStarts(capture)
        let cut = (starts[starts.count * 2 / 5], starts[starts.count * 3 / 5])
        let sender = UDPSender()
        _ = sender.stream(Array(capture[..<cut.0]), to: udp)
        sleep(3)
        _ = sender.stream(Array(capture[cut.1...]), to: udp)
        sender.close()
        #expect(Self.settled(dir))

        let station = try #require((try control("ctl.sock", ["stations"], directory: dir)?["stations"] as? [[String: Any]])?.first)
        let q = try #require(station["observation_quality"] as? [String: Any], "\(station)")
        #expect(q["outages"] as? Int == 1, "\(q)")
        let gap = try #require(q["outage_longest"] as? Double, "\(q)")
        #expect(gap > 20 && gap < 120, "\(q)")
        #expect(q["outage_last"] as? Double == gap)
        #expect((q["outage_last_after"] as? String)?.hasPrefix("2012-10-14T") == true, "\(q)")
        #expect(q["interval"] as? Double == 1, "\(q)")
        let completeness = try #require(q["completeness"] as? Double, "\(q)")
        #expect(completeness > 0.3 && completeness <= 1, "\(q)")
        #expect((q["observations_received"] as? Int ?? 0) > 500)
        let multipath = try #require(q["multipath"] as? [String: [String: Any]], "\(q)")
        let gps = try #require(multipath["G"]?["1C"] as? Double, "\(multipath)")
        #expect(gps > 0.05 && gps < 3, "\(multipath)")
        let cn0 = try #require((q["cn0_by_elevation"] as? [String: [Any]])?["G"], "\(q)")
        #expect(cn0.count == 9 && cn0.compactMap { $0 as? Double }.allSatisfy { $0 > 20 && $0 < 60 } && cn0.contains { $0 is Double }, "\(cn0)")
        // A 2012 capture arrives some fourteen years after its epochs.
        #expect((q["latency"] as? Double ?? 0) > 13 * 365 * 86400, "\(q)")
        #expect(q["cycle_slips_receiver"] is Int && q["cycle_slips_detected"] is Int && q["cycle_slips_last_hour"] is Int)

        let after = try #require(httpGet(port: metricsPort, path: "/metrics"))
        #expect(metric(after, #"gateway_station_outages_total{station="GMSD"}"#) == 1)
        #expect(metric(after, #"gateway_station_outage_longest_seconds{station="GMSD"}"#).map { abs($0 - gap) < 0.01 } == true)
        #expect(metric(after, #"gateway_station_outage_last_seconds{station="GMSD"}"#).map { abs($0 - gap) < 0.01 } == true)
        #expect((metric(after, #"gateway_station_epoch_latency_mean_seconds{station="GMSD"}"#) ?? 0) > 0)
        #expect(metric(after, #"gateway_station_completeness_ratio{station="GMSD"}"#).map { abs($0 - completeness) < 1e-3 } == true)
        #expect(metric(after, #"gateway_station_multipath_meters{station="GMSD",system="G",signal="1C"}"#).map { abs($0 - gps) < 1e-3 } == true)
        #expect(metric(after, #"gateway_station_observations_received_total{station="GMSD"}"#) == Double(q["observations_received"] as? Int ?? -1))
        let slips = (q["cycle_slips_receiver"] as? Int ?? -1) + (q["cycle_slips_detected"] as? Int ?? -1)
        #expect((metric(after, #"gateway_station_cycle_slips_total{station="GMSD",kind="receiver"}"#) ?? -1)
            + (metric(after, #"gateway_station_cycle_slips_total{station="GMSD",kind="detected"}"#) ?? -1) == Double(slips))
        #expect(after.contains(#"gateway_station_cn0_dbhz{station="GMSD",system="G",elevation="#))
        #expect((metric(after, #"gateway_station_epoch_latency_seconds{station="GMSD"}"#) ?? 0) > 13 * 365 * 86400)

        let table = try DaemonProcess.run("gatewayctl", ["stations", "--socket", "ctl.sock"], directory: dir)
        #expect(table.status == 0, "\(table.error)")
        #expect(table.output.contains("COMPLETE 1H") && table.output.contains("C/N0 1H"), "\(table.output)")
        #expect(table.output.split(separator: "\n").contains { $0.hasPrefix("GMSD ") && $0.contains(String(format: "%.1f%%", completeness * 100)) },
                "\(table.output)")
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
    }
}
