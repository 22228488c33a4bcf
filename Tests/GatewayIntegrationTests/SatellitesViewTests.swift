import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("The satellites of a station's latest epoch", .serialized)
struct SatellitesViewTests {
    static func configuration(port: Int) -> String {
        """
        gateway_id: satellites-test
        control_socket: ./ctl.sock
        metrics: off
        state_directory: ./state
        stations:
          - name: GMSD
            listen: 127.0.0.1:\(port)
            processing: spp
        """
    }

    /// The epoch at `time` (ISO 8601, to the second) of `gatewayd replay --format json --satellites` of the capture,
    /// its satellites as the engine used them, with their signals' lock times and slips, by name.
    static func replayedReport(_ capture: String, time: String, directory: String) throws -> [String: [String: Any]] {
        let r = try DaemonProcess.run("gatewayd", ["replay", "--mode", "spp", "--rover", capture, "--ephemerides", "as-received",
                                                   "--format", "json", "--satellites", "--out", "replay.json", "--quiet"],
                                      directory: directory)
        #expect(r.status == 0, "\(r.error)")
        let text = try String(contentsOfFile: directory + "/replay.json", encoding: .utf8)
        var report: [String: [String: Any]] = [:]
        for line in text.split(separator: "\n") {
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  (o["time"] as? String)?.prefix(19) == time.prefix(19) else { continue }
            for entry in o["satellite_report"] as? [[String: Any]] ?? [] {
                if let sat = entry["sat"] as? String { report[sat] = entry }
            }
        }
        return report
    }

    /// The cells of the capture's last MSM epoch as `gatewayd inspect --json` decodes the file: the epoch's time (its
    /// first message's, GPS time) and, per satellite, each signal's C/N0 and the receiver's lock time (s). An epoch is the run of MSMs up to the one
    /// whose multiple-message bit is clear (this receiver stamps its BeiDou MSMs in GPS time, so inspect's BeiDou
    /// times are 14 s off; the bit is what the receiver says belongs together).
    static func lastInspectedEpoch(_ capture: String, directory: String) throws
        -> (time: String, satellites: [String: [String: Double?]], locks: [String: [String: Double]]) {
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
        var locks: [String: [String: Double]] = [:]
        for message in last {
            for c in message["cells"] as? [[String: Any]] ?? [] {
                guard let sat = c["sat"] as? String, let signal = c["signal"] as? String else { continue }
                satellites[sat, default: [:]][signal] = c["cnr"] as? Double
                if let lock = c["lock_s"] as? Double { locks[sat, default: [:]][signal] = lock }
            }
        }
        return (time, satellites, locks)
    }

    @Test("satellites NAME after a live RTCM 3 capture: the last epoch's satellites and C/N0 as inspect decodes the file, with directions",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func lastEpochOfCapture() throws {
        let capture = SharedData.path("rtcm3/GMSD7_20121014.rtcm3")
        let dir = makeWorkDirectory("satellites-view")
        let port = try StationSourceInteropTests.freePort()
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(Self.configuration(port: port).utf8))
        let expected = try Self.lastInspectedEpoch(capture, directory: dir)
        #expect(expected.satellites.count > 10)

        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        let before = try #require(try control("ctl.sock", ["satellites", "GMSD"], directory: dir)?["sky"] as? [String: Any])
        #expect((before["satellites"] as? [Any])?.isEmpty == true && before["time"] is NSNull)

        let sender = UDPSender()
        _ = sender.stream(Array(try Data(contentsOf: URL(fileURLWithPath: capture))), to: port)
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

        // How the engine used each satellite: what `replay --satellites` of the same capture says of the same epoch,
        // residuals within a millimetre.
        let replayed = try Self.replayedReport(capture, time: try #require(sky["time"] as? String), directory: dir)
        #expect(Set(replayed.keys) == Set(names), "replay \(replayed.keys.sorted()) vs live \(names.sorted())")
        var used = 0, reacquired = 0, tracked = 0
        for row in rows {
            let name = row["satellite"] as? String ?? "?"
            for key in ["used", "reason", "code_residual", "phase_residual"] { #expect(row.keys.contains(key), "\(name): no \(key)") }
            let engine = try #require(replayed[name], "\(name) not in the replay's report")
            #expect(row["used"] as? Bool == engine["used"] as? Bool, "\(name): live \(row) vs replay \(engine)")
            #expect(row["reason"] as? String == engine["reason"] as? String, "\(name): live \(row) vs replay \(engine)")
            for key in ["code_residual", "phase_residual"] {
                switch (row[key] as? Double, engine[key] as? Double) {
                case (let a?, let b?): #expect(abs(a - b) <= 0.001, "\(name) \(key): live \(a) vs replay \(b)")
                case (nil, nil): break
                default: Issue.record("\(name) \(key): live \(row[key] ?? "-") vs replay \(engine[key] ?? "-")")
                }
            }
            // The view's direction is of the epoch's time, the engine's of the transmission: apart by hundredths of
            // a degree, so half a degree either side of the mask is left alone.
            let mask = sky["elevation_mask"] as? Double ?? 0
            let elevation = row["elevation"] as? Double
            // The signals followed in the replay as the live station followed them.
            let replayedSignals = Dictionary((engine["signals"] as? [[String: Any]] ?? []).compactMap { s in
                (s["signal"] as? String).map { ($0, s) }
            }, uniquingKeysWith: { a, _ in a })
            for signal in row["signals"] as? [[String: Any]] ?? [] {
                let code = signal["signal"] as? String ?? "?"
                let other = replayedSignals[code]
                #expect(signal["lock_time"] as? Double == other?["lock_time"] as? Double && signal["slips"] as? Int == other?["slips"] as? Int,
                        "\(name) \(code): live \(signal) vs replay \(other ?? [:])")
            }
            if row["used"] as? Bool == true {
                used += 1
                #expect(row["reason"] is NSNull && row["code_residual"] is Double, "\(row)")
                #expect(row["ephemeris"] as? Bool == true && (elevation ?? 90) > mask - 0.5, "\(row)")
            } else {
                #expect(row["reason"] is String && row["code_residual"] is NSNull, "\(row)")
            }
            if row["ephemeris"] as? Bool == false {
                #expect(["no_ephemeris", "missing_signal"].contains(row["reason"] as? String ?? "-"), "\(row)")
            }
            if let elevation, elevation < mask - 0.5 { #expect(row["reason"] as? String == "below_mask", "\(row)") }
            // Lock time and slips of every signal against the receiver's own lock time (MSM7's extended indicator,
            // a floor a few per cent coarse): a signal it has tracked for less than the capture's 257 s was
            // reacquired during it, and the station's lock starts then too; one it has tracked longer has been locked
            // since the station's first epoch, 256 s before its last, and has not slipped.
            for signal in row["signals"] as? [[String: Any]] ?? [] {
                let lock = try #require(signal["lock_time"] as? Double, "\(name): \(signal)")
                let slips = try #require(signal["slips"] as? Int, "\(name): \(signal)")
                #expect(lock >= 0 && lock <= 257 && slips >= 0, "\(name): \(signal)")
                guard let code = signal["signal"] as? String, let receiver = expected.locks[name]?[code] else { continue }
                if receiver < 250 {
                    reacquired += 1
                    #expect(abs(lock - receiver) <= 0.05 * receiver + 2, "\(name) \(code): \(lock) s, the receiver's \(receiver) s")
                } else {
                    tracked += 1
                    #expect(lock >= 250 && slips == 0, "\(name) \(code): \(lock) s, \(slips) slips, the receiver's \(receiver) s")
                }
            }
        }
        #expect(used >= 8, "\(rows)")
        #expect(reacquired >= 1 && tracked > 50, "\(reacquired) signals reacquired during the capture, \(tracked) tracked through it")
        let locks = rows.flatMap { ($0["signals"] as? [[String: Any]] ?? []).compactMap { $0["lock_time"] as? Double } }
        #expect(locks.filter { $0 >= 250 }.count > 20, "signals tracked through the capture: \(locks)")

        let table = try DaemonProcess.run("gatewayctl", ["satellites", "GMSD", "--socket", "ctl.sock"], directory: dir)
        #expect(table.status == 0, "\(table.error)")
        let known = try #require(expected.satellites.keys.sorted().first)
        #expect(table.output.contains("SAT") && table.output.split(separator: "\n").contains { $0.hasPrefix(known + " ") }, "\(table.output)")
        #expect(table.output.contains("CODE RES") && table.output.contains(" used "), "\(table.output)")

        let unknown = try DaemonProcess.run("gatewayctl", ["satellites", "NOPE", "--socket", "ctl.sock", "--json"], directory: dir)
        #expect(unknown.status == 1)
        let refusal = try JSONSerialization.jsonObject(with: Data(unknown.output.utf8)) as? [String: Any]
        #expect(refusal?["ok"] as? Bool == false && (refusal?["error"] as? String ?? "").contains("no station named"), "\(unknown.output)")
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
    }
}
