import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("The satellites of a station's latest epoch", .serialized)
struct SatellitesViewTests {
    static let configuration = """
        gateway_id: satellites-test
        control_socket: ./ctl.sock
        metrics: off
        state_directory: ./state
        stations:
          - name: GMSD
            listen: 127.0.0.1:5461
            processing: spp
        """

    /// The cells of the capture's last MSM epoch as `gatewayd inspect --json` decodes the file: the epoch's time (its
    /// first message's, GPS time) and, per satellite, each signal's C/N0. An epoch is the run of MSMs up to the one
    /// whose multiple-message bit is clear (this receiver stamps its BeiDou MSMs in GPS time, so inspect's BeiDou
    /// times are 14 s off; the bit is what the receiver says belongs together).
    static func lastInspectedEpoch(_ capture: String, directory: String) throws -> (time: String, satellites: [String: [String: Double?]]) {
        let r = try DaemonProcess.run("gatewayd", ["inspect", "--json", capture], directory: directory)
        var current: [[String: Any]] = []
        var last: [[String: Any]] = []
        for line in r.output.split(separator: "\n") {
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], o["msm"] != nil else { continue }
            current.append(o)
            if o["multiple"] as? Bool == false {
                last = current
                current = []
            }
        }
        if !current.isEmpty { last = current }
        let time = try #require(last.first?["gps_time"] as? String, "no MSM epoch with a GPS time in \(r.error)")
        var satellites: [String: [String: Double?]] = [:]
        for message in last {
            for c in message["cells"] as? [[String: Any]] ?? [] {
                guard let sat = c["sat"] as? String, let signal = c["signal"] as? String else { continue }
                satellites[sat, default: [:]][signal] = c["cnr"] as? Double
            }
        }
        return (time, satellites)
    }

    @Test("satellites NAME after a live RTCM 3 capture: the last epoch's satellites and C/N0 as inspect decodes the file, with directions",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func lastEpochOfCapture() throws {
        let capture = SharedData.path("rtcm3/GMSD7_20121014.rtcm3")
        let dir = makeWorkDirectory("satellites-view")
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(Self.configuration.utf8))
        let expected = try Self.lastInspectedEpoch(capture, directory: dir)
        #expect(expected.satellites.count > 10)

        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        let before = try #require(try control("ctl.sock", ["satellites", "GMSD"], directory: dir)?["sky"] as? [String: Any])
        #expect((before["satellites"] as? [Any])?.isEmpty == true && before["time"] is NSNull)

        let sender = UDPSender()
        _ = sender.stream(Array(try Data(contentsOf: URL(fileURLWithPath: capture))), to: 5461)
        sender.close()
        var previous = -1
        #expect(eventually {
            usleep(300_000)
            let epochs = ((try? control("ctl.sock", ["status"], directory: dir))?["stations"] as? [[String: Any]])?.first?["epochs"] as? Int ?? 0
            defer { previous = epochs }
            return epochs > 200 && epochs == previous
        })

        let reply = try #require(try control("ctl.sock", ["satellites", "GMSD"], directory: dir))
        #expect(reply["ok"] as? Bool == true)
        let sky = try #require(reply["sky"] as? [String: Any], "\(reply)")
        #expect(sky["station"] as? String == "GMSD")
        // inspect gives milliseconds, the view tenths of a second: the same instant.
        #expect((sky["time"] as? String)?.prefix(19) == expected.time.prefix(19), "\(sky["time"] ?? "-") vs \(expected.time)")
        #expect(sky["position_source"] as? String == "solution")
        let rows = try #require(sky["satellites"] as? [[String: Any]])
        let names = rows.compactMap { $0["satellite"] as? String }
        #expect(Set(names).count == names.count, "one row per satellite")
        #expect(Set(names) == Set(expected.satellites.keys), "live \(names.sorted()) vs inspect \(expected.satellites.keys.sorted())")

        var withDirections = 0
        for row in rows {
            let name = row["satellite"] as? String ?? "?"
            #expect(row["system"] as? String == String(name.prefix(1)))
            let signals = row["signals"] as? [[String: Any]] ?? []
            let live = Dictionary(signals.compactMap { s in (s["signal"] as? String).map { ($0, s["cn0"] as? Double) } },
                                  uniquingKeysWith: { a, _ in a })
            let decoded = expected.satellites[name] ?? [:]
            #expect(Set(live.keys) == Set(decoded.keys), "\(name): \(live) vs \(decoded)")
            for (signal, cn0) in decoded {
                if let cn0 {
                    #expect(abs((live[signal] ?? nil).map { $0 - cn0 } ?? 99) < 0.011, "\(name) \(signal): \(live) vs \(decoded)")
                }
            }
            guard row["ephemeris"] as? Bool == true else {
                #expect(row["elevation"] is NSNull && row["azimuth"] is NSNull, "\(row)")
                continue
            }
            withDirections += 1
            let elevation = try #require(row["elevation"] as? Double, "\(row)")
            let azimuth = try #require(row["azimuth"] as? Double, "\(row)")
            #expect(elevation >= 0 && elevation <= 90, "\(row)")
            #expect(azimuth >= 0 && azimuth < 360, "\(row)")
            #expect(row["above_mask"] as? Bool == (elevation >= (sky["elevation_mask"] as? Double ?? 0) - 0.05), "\(row)")
        }
        #expect(withDirections >= 8, "\(rows)")

        let table = try DaemonProcess.run("gatewayctl", ["satellites", "GMSD", "--socket", "ctl.sock"], directory: dir)
        #expect(table.status == 0, "\(table.error)")
        let known = try #require(expected.satellites.keys.sorted().first)
        #expect(table.output.contains("SAT") && table.output.split(separator: "\n").contains { $0.hasPrefix(known + " ") }, "\(table.output)")

        let unknown = try DaemonProcess.run("gatewayctl", ["satellites", "NOPE", "--socket", "ctl.sock", "--json"], directory: dir)
        #expect(unknown.status == 1)
        let refusal = try JSONSerialization.jsonObject(with: Data(unknown.output.utf8)) as? [String: Any]
        #expect(refusal?["ok"] as? Bool == false && (refusal?["error"] as? String ?? "").contains("no station named"), "\(unknown.output)")
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
    }
}
