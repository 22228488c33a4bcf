import Foundation
import GNSSCore
import GNSSFormats
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

@Suite("Replay through the live pipeline", .serialized)
struct ReplayEquivalenceTests {
    static func configuration(stations: String) -> String {
        """
        gateway_id: replay-test
        control_socket: ./ctl.sock
        metrics: 127.0.0.1:9664
        state_directory: ./state
        solutions:
          directory: ./live
          format: json
        stations:
        \(stations)
        """
    }

    static let gmsd = """
          - name: GMSD
            listen: 127.0.0.1:5201
            role: reference
            processing: spp
        """

    @Test("replay --config gives the same bytes twice, and the same solutions as live ingestion of the capture over UDP", .enabled(if: SharedData.available, "needs ../shared/data"))
    func replayMatchesLive() throws {
        let dir = makeWorkDirectory("replay-live")
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(Self.configuration(stations: Self.gmsd).utf8))
        let capture = SharedData.path("rtcm3/GMSD7_20121014.rtcm3")
        for out in ["r1", "r2"] {
            let r = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--input", "GMSD=\(capture)", "--out", out,
                                                       "--format", "json", "--quiet"], directory: dir)
            #expect(r.status == 0, "\(r.error)")
        }
        let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/r1/GMSD.json"))
        #expect(first == (try Data(contentsOf: URL(fileURLWithPath: dir + "/r2/GMSD.json"))))
        let corrections = try Data(contentsOf: URL(fileURLWithPath: dir + "/r1/GMSD.rtcm3"))
        #expect(corrections == (try Data(contentsOf: URL(fileURLWithPath: dir + "/r2/GMSD.rtcm3"))))
        #expect(corrections.count > 100_000)
        let lines = String(decoding: first, as: UTF8.self).split(separator: "\n")
        #expect(lines.count > 50)

        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        let sender = UDPSender()
        _ = sender.stream(Array(try Data(contentsOf: URL(fileURLWithPath: capture))), to: 5201)
        sender.close()
        var previous = -1
        #expect(eventually {
            usleep(300_000)
            let epochs = ((try? control("ctl.sock", ["status"], directory: dir))?["stations"] as? [[String: Any]])?.first?["epochs"] as? Int ?? 0
            defer { previous = epochs }
            return epochs > 0 && epochs == previous
        })
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
        let live = try Data(contentsOf: URL(fileURLWithPath: dir + "/live/GMSD.json"))
        #expect(String(decoding: live, as: UTF8.self).split(separator: "\n") == lines)
    }

    @Test("a capture played twice into a live station: the second pass refused, counted and logged, nothing forwarded twice",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func capturePlayedTwiceIsRefused() throws {
        let dir = makeWorkDirectory("twice")
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(Self.configuration(stations: Self.gmsd).utf8))
        let capture = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        func station() -> [String: Any] {
            ((try? control("ctl.sock", ["status"], directory: dir))?["stations"] as? [[String: Any]])?.first ?? [:]
        }
        func settled() -> Int {
            var previous = -1
            var epochs = 0
            _ = eventually {
                usleep(300_000)
                epochs = station()["epochs"] as? Int ?? 0
                defer { previous = epochs }
                return epochs > 0 && epochs == previous
            }
            return epochs
        }
        let sender = UDPSender()
        _ = sender.stream(capture, to: 5201)
        let first = settled()
        #expect(first > 200)
        _ = sender.stream(capture, to: 5201)
        var refused = 0
        #expect(eventually {
            refused = station()["epochs_refused"] as? Int ?? 0
            return refused >= first - 2
        }, "refused \(refused) of \(first)")
        sender.close()
        #expect(settled() == first, "no epoch of the second pass solved")
        let metrics = httpGet(port: 9664, path: "/metrics") ?? ""
        // The second pass's epochs lie before the first's last one (one of them at its very time).
        let counted = ["time_backwards", "repeated"].map { metric(metrics, "gateway_epochs_refused_total{station=\"GMSD\",reason=\"\($0)\"}") ?? 0 }
        #expect(counted.reduce(0, +) == Double(refused), "\(metrics)")
        #expect(gatewayd.output.contains("refused: ") && gatewayd.output.contains("before the station's last epoch"), "\(gatewayd.output)")
    }

    @Test("SIGHUP adds and removes stations without disturbing the others")
    func reload() throws {
        let dir = makeWorkDirectory("reload")
        let path = dir + "/gateway.yaml"
        let second = """
              - name: EXTRA
                listen: 127.0.0.1:5202
                processing: spp
            """
        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.configuration(stations: Self.gmsd).utf8))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        func names() -> [String] {
            ((try? control("ctl.sock", ["stations"], directory: dir))?["stations"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        }
        func datagrams(_ name: String) -> Int {
            ((try? control("ctl.sock", ["stations"], directory: dir))?["stations"] as? [[String: Any]])?
                .first { $0["name"] as? String == name }?["datagrams"] as? Int ?? -1
        }
        #expect(eventually { names() == ["GMSD"] })
        let sender = UDPSender()
        for _ in 0..<5 { sender.send([0xD3, 0, 0, 0x47, 0xEA, 0x4B], to: 5201) }
        #expect(eventually { datagrams("GMSD") == 5 })

        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.configuration(stations: Self.gmsd + "\n" + second).utf8))
        gatewayd.signal(SIGHUP)
        #expect(eventually { names() == ["EXTRA", "GMSD"] }, "\(gatewayd.output)")
        sender.send([0xD3, 0, 0, 0x47, 0xEA, 0x4B], to: 5202)
        #expect(eventually { datagrams("EXTRA") == 1 })
        #expect(datagrams("GMSD") == 5, "the running station keeps its state")

        _ = FileManager.default.createFile(atPath: path, contents: Data("stations: [unclosed\n".utf8))
        gatewayd.signal(SIGHUP)
        #expect(eventually { gatewayd.output.contains("reload refused") })
        #expect(names() == ["EXTRA", "GMSD"])

        _ = FileManager.default.createFile(atPath: path, contents: Data(Self.configuration(stations: second).utf8))
        gatewayd.signal(SIGHUP)
        #expect(eventually { names() == ["EXTRA"] }, "\(gatewayd.output)")
        #expect(datagrams("EXTRA") == 1)
        sender.close()
    }

    @Test("a u-blox F9T stream over UDP: one epoch per RXM-RAWX, each reported unsolved for want of ephemerides, as replay reports it", .enabled(if: SharedData.available, "needs ../shared/data"))
    func ubxStation() throws {
        let path = SharedData.path("ubx/F9T-L2-5min.ubx.gz")
        let source = try FileByteSource(path: path)
        var bytes: [UInt8] = []
        while let chunk = try source.next() { bytes += chunk }
        let dir = makeWorkDirectory("ubx")
        let station = """
              - name: F9T
                listen: 127.0.0.1:5203
                format: ubx
                processing: spp
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(Self.configuration(stations: station).utf8))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        let sender = UDPSender()
        _ = sender.stream(bytes, to: 5203, chunk: 1400)
        sender.close()
        // pyubx2 counts 299 RXM-RAWX messages and no RXM-SFRBX in this log, so there is nothing to solve with.
        var status: [String: Any] = [:]
        #expect(eventually {
            status = ((try? control("ctl.sock", ["status"], directory: dir))?["stations"] as? [[String: Any]])?.first ?? [:]
            return status["epochs"] as? Int == 299
        }, "\(status)")
        #expect((status["note"] as? String ?? "").contains("without ephemeris"), "\(status)")
        let metrics = httpGet(port: 9664, path: "/metrics") ?? ""
        #expect(metric(metrics, "gateway_frames_decoded_total{station=\"F9T\",type=\"UBX-RXM-RAWX\"}") == 299)
        #expect(metric(metrics, "gateway_solutions_total{station=\"F9T\",quality=\"none\"}") == 299)
        let r = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--input", "F9T=\(path)", "--out", "replay"],
                                      directory: dir)
        #expect(r.status == 0 && r.error.contains("F9T: 299 epochs (none 299)"), "\(r.error)")
    }
}
