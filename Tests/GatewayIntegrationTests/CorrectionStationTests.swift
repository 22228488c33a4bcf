import Foundation
import GNSSCore
import GNSSFormats
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A corrections stream as a station of the configuration (role: corrections): its SSR reaches the PPP station that
/// names it, through the live pipeline, as `replay --mode ppp --ssr` applies the same stream.
@Suite("Corrections streams", .serialized, .enabled(if: SharedData.available, "needs ../shared/data"))
struct CorrectionStationTests {
    static let day = "ppp-esbc-2020177/"
    static let nav = SharedData.path(day + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
    static let obs = SharedData.path(day + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
    static let sp3 = SharedData.path(day + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")
    static let clk = SharedData.path(day + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")

    /// The day's SSR stream as `gatewayd ssr encode` writes it: clocks every 30 s keep it small; orbits to the centre
    /// of mass (no ANTEX here).
    static func encode(into path: String) throws {
        let encoded = try DaemonProcess.run("gatewayd", ["ssr", "encode", "--nav", nav, "--sp3", sp3, "--clk", clk,
                                                         "--clock-interval", "30", "--out", path, "--quiet"], directory: ".")
        try #require(encoded.status == 0, "\(encoded.error)")
    }

    static func positions(_ pos: String) -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for line in pos.split(separator: "\n") where !line.hasPrefix("%") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count > 5, let x = Double(f[2]), let y = Double(f[3]), let z = Double(f[4]) else { continue }
            out[f[0] + " " + f[1]] = [x, y, z]
        }
        return out
    }

    @Test("replay --config with a corrections station positions as replay --mode ppp --ssr does")
    func configuredCorrectionsMatchTheDirectReplay() throws {
        let dir = makeWorkDirectory("corrections")
        let nav = Self.nav, obs = Self.obs
        try Self.encode(into: dir + "/ssr.rtcm3")
        let yaml = """
            gateway_id: corrections
            control_socket: ./ctl.sock
            metrics: off
            state_directory: ./state
            products: {navigation: [\(nav)]}
            stations:
              - name: CLK
                listen: 127.0.0.1:5421
                role: corrections
                ssr_reference: com
              - name: ESBC
                listen: 127.0.0.1:5422
                processing: ppp
                systems: [G, E]
                position_noise: 0.1
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(yaml.utf8))
        let configured = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--input", "CLK=ssr.rtcm3",
                                                            "--input", "ESBC=\(obs)", "--out", "config"], directory: dir)
        #expect(configured.status == 0, "\(configured.error)")
        // 00:00 to 23:45 (the SP3 span) for GPS and Galileo: 1425 orbit, 1425 URA and 2850 clock messages each.
        #expect(configured.error.contains("CLK: 0 epochs (), 11400 SSR messages"), "\(configured.error)")
        let direct = try DaemonProcess.run("gatewayd", ["replay", "--mode", "ppp", "--systems", "G,E", "--rover", obs, "--nav", nav,
                                                        "--ssr", "ssr.rtcm3", "--ssr-reference", "com", "--out", "mode.pos", "--quiet"],
                                           directory: dir)
        #expect(direct.status == 0, "\(direct.error)")
        let a = Self.positions((try? String(contentsOfFile: dir + "/mode.pos", encoding: .utf8)) ?? "")
        let b = Self.positions((try? String(contentsOfFile: dir + "/config/ESBC.pos", encoding: .utf8)) ?? "")
        #expect(a.count > 2_800)
        #expect(Set(a.keys) == Set(b.keys))
        // The live pipeline takes a correction before an observation epoch only once the stream's feed has reached
        // it, so its first minutes differ; from the first hour on the two agree to a millimetre.
        let later = a.keys.filter { $0 >= "2020/06/25 01:00" }
        var worst = 0.0
        for t in later {
            guard let p = a[t], let q = b[t] else { continue }
            let d = ((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2])).squareRoot()
            worst = max(worst, d)
        }
        #expect(worst < 0.001, "largest difference after the first hour: \(worst) m")
    }

    @Test("A corrections station must be RTCM 3 and not positioned; a PPP or SPP station names an existing one")
    func configurationRules() throws {
        let dir = makeWorkDirectory("corrections-config")
        let yaml = """
            gateway_id: corrections
            control_socket: ./ctl.sock
            metrics: off
            state_directory: ./state
            stations:
              - name: CLK
                listen: 127.0.0.1:5421
                role: corrections
                format: ubx
                processing: ppp
              - name: ROVER
                listen: 127.0.0.1:5422
                processing: none
                corrections: CLK
              - name: PPP
                listen: 127.0.0.1:5423
                processing: ppp
                corrections: NOPE
              - name: OTHER
                listen: 127.0.0.1:5424
                ssr_reference: apc
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(yaml.utf8))
        let checked = try DaemonProcess.run("gatewayd", ["check-config", "gateway.yaml"], directory: dir)
        #expect(checked.status != 0)
        for expected in ["format must be rtcm3", "processing must be none", "only with processing: ppp or spp",
                         "'NOPE' is not a corrections stream", "ssr_reference declares"] {
            #expect(checked.error.contains(expected) || checked.output.contains(expected), "\(expected): \(checked.error)")
        }
    }

    @Test("A live gatewayd applies the SSR a corrections station receives over UDP to its PPP station")
    func liveDaemonAppliesCorrectionsFromUDP() throws {
        let dir = makeWorkDirectory("corrections-live")
        let nav = Self.nav, obs = Self.obs
        try Self.encode(into: dir + "/ssr.rtcm3")
        let yaml = """
            gateway_id: corrections-live
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:9668
            state_directory: ./state
            products: {navigation: [\(nav)]}
            solutions: {directory: ./live, format: json}
            stations:
              - name: CLK
                listen: 127.0.0.1:5431
                role: corrections
                ssr_reference: com
              - name: ESBC
                listen: 127.0.0.1:5432
                processing: ppp
                systems: [G, E]
                position_noise: 0.1
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(yaml.utf8))
        // The first two hours: the stream's SSR frames by epoch, and the observation epochs as MSM7.
        let reader = try RINEXObservationReader(path: obs)
        reader.systems = [.gps, .galileo]
        var epochs: [ObservationEpoch] = []
        // The signals PPP uses, so that an epoch fits one MSM7 a system (64 cells).
        let kept: [GNSSSystem: Set<String>] = [.gps: ["1C", "1W", "2W", "2L"], .galileo: ["1C", "5Q"]]
        while epochs.count < 240, var e = try reader.next() {
            for i in e.satellites.indices {
                let wanted = kept[e.satellites[i].satellite.system] ?? []
                e.satellites[i].signals.removeAll { !wanted.contains($0.signal.description) }
            }
            epochs.append(e)
        }
        let start = try #require(epochs.first?.time)
        var framer = RTCM3Framer()
        framer.append(try Data(contentsOf: URL(fileURLWithPath: dir + "/ssr.rtcm3")))
        var corrections: [(time: GNSSTime, frame: [UInt8])] = []
        while let item = framer.next() {
            guard case .frame(let f) = item else { continue }
            let m = try RTCM3SSRCodec.decode(payload: f.payload[...])
            corrections.append((start.nearest(secondOfWeek: Double(m.epochSeconds)), f.bytes))
        }

        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        let sender = UDPSender()
        var next = 0
        for epoch in epochs {
            // The corrections in force at the epoch go first, a few frames a datagram, as a caster relays them.
            var datagram: [UInt8] = []
            while next < corrections.count, !(epoch.time < corrections[next].time) {
                if datagram.count + corrections[next].frame.count > 1_400 {
                    sender.send(datagram, to: 5431)
                    datagram = []
                }
                datagram += corrections[next].frame
                next += 1
            }
            if !datagram.isEmpty { sender.send(datagram, to: 5431) }
            usleep(5_000)
            sender.send(try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 1).flatMap { $0 }, to: 5432)
            usleep(10_000)
        }
        sender.close()
        func station(_ name: String) -> [String: Any] {
            ((try? control("ctl.sock", ["status"], directory: dir))?["stations"] as? [[String: Any]])?.first { $0["name"] as? String == name } ?? [:]
        }
        #expect(eventually { station("ESBC")["epochs"] as? Int == epochs.count }, "\(station("ESBC"))")
        let note = station("CLK")["note"] as? String ?? ""
        #expect(note.hasPrefix("SSR: ") && note.contains("satellites corrected: G "), "\(note)")
        let metrics = httpGet(port: 9668, path: "/metrics") ?? ""
        #expect((metric(metrics, "gateway_ssr_satellites{station=\"CLK\",system=\"G\"}") ?? 0) >= 8, "\(metrics)")
        #expect((metric(metrics, "gateway_ssr_corrections_total{station=\"CLK\",system=\"E\"}") ?? 0) > 1_000)
        #expect((metric(metrics, "gateway_solutions_total{station=\"ESBC\",quality=\"ppp\"}") ?? 0) >= 230, "\(metrics)")
        // gatewayctl sources: per system what the stream corrects now (against the wall clock: these are 2020's
        // corrections, so all stale), and their age.
        let sources = try DaemonProcess.run("gatewayctl", ["--socket", "ctl.sock", "sources"], directory: dir)
        #expect(sources.output.contains("CORRECTIONS") && sources.output.contains("CLK"), "\(sources.output)")
        let reply = try control("ctl.sock", ["sources"], directory: dir)
        let streams = reply?["corrections"] as? [[String: Any]] ?? []
        let gps = (streams.first?["systems"] as? [[String: Any]])?.first { $0["system"] as? String == "G" } ?? [:]
        #expect(streams.first?["stream"] as? String == "CLK" && (gps["stale"] as? Int ?? 0) >= 8, "\(streams)")
        #expect((gps["age_s"] as? Double ?? 0) > 86_400 * 365, "\(gps)")
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)

        // The live solutions are those of replay --config over the same hours, but for when a correction arrived.
        let live = (try? String(contentsOfFile: dir + "/live/ESBC.json", encoding: .utf8)) ?? ""
        let configured = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--input", "CLK=ssr.rtcm3",
                                                            "--input", "ESBC=\(obs)", "--out", "replayed", "--format", "json", "--quiet"],
                                               directory: dir)
        #expect(configured.status == 0, "\(configured.error)")
        let replayed = (try? String(contentsOfFile: dir + "/replayed/ESBC.json", encoding: .utf8)) ?? ""
        func positions(_ text: String) -> [String: [Double]] {
            var out: [String: [Double]] = [:]
            for line in text.split(separator: "\n") {
                guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let t = o["time"] as? String, let e = o["ecef"] as? [Double], o["quality"] as? String == "ppp" else { continue }
                out[t] = e
            }
            return out
        }
        let a = positions(live), b = positions(replayed)
        #expect(a.count >= 230)
        var worst = 0.0
        for (t, p) in a where t >= "2020-06-25T01:00" {
            guard let q = b[t] else { Issue.record("\(t) solved live, not in replay"); continue }
            worst = max(worst, ((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2])).squareRoot())
        }
        #expect(worst < 0.01, "largest live − replay difference in the second hour: \(worst) m")
    }

    /// The day's products as `products:` of a configuration with `ssr_publish`.
    static func publishingConfiguration(metrics: String = "off", destination: Int? = nil) -> String {
        return """
            gateway_id: publisher
            control_socket: ./ctl.sock
            metrics: \(metrics)
            state_directory: ./state
            solutions: {directory: ./live, format: json}
            products:
              navigation: [\(nav)]
              sp3: [\(sp3)]
              clock: [\(clk)]
            ssr_publish:
              name: GRG
              destinations: [\(destination.map { "127.0.0.1:\($0)" } ?? "")]
              clock_interval: 30
            stations:
              - name: ESBC
                listen: 127.0.0.1:5441
                processing: ppp
                systems: [G, E]
                position_noise: 0.1
            """
    }

    @Test("ssr_publish: the gateway's SSR from its products, applied by its PPP station as PPP on the products themselves")
    func publishedStreamServesThePPPStation() throws {
        let dir = makeWorkDirectory("publish")
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(Self.publishingConfiguration().utf8))
        let checked = try DaemonProcess.run("gatewayd", ["check-config", "gateway.yaml"], directory: dir)
        #expect(checked.output.contains("SSR stream GRG made from the products"), "\(checked.output)\(checked.error)")
        let obs = Self.obs
        let configured = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--input", "ESBC=\(obs)",
                                                            "--out", "config"], directory: dir)
        #expect(configured.status == 0, "\(configured.error)")
        #expect(configured.error.contains("GRG: 0 epochs (), 11400 SSR messages"), "\(configured.error)")
        // The published stream is what `ssr encode` writes from the same products, frame for frame.
        try Self.encode(into: dir + "/encoded.rtcm3")
        let published = try Data(contentsOf: URL(fileURLWithPath: dir + "/config/GRG.rtcm3"))
        let written = try Data(contentsOf: URL(fileURLWithPath: dir + "/encoded.rtcm3"))
        #expect(published.count > 1_000_000 && written.starts(with: published.prefix(written.count / 2)))
        let direct = try DaemonProcess.run("gatewayd", ["replay", "--mode", "ppp", "--systems", "G,E", "--rover", obs, "--nav", Self.nav,
                                                        "--sp3", Self.sp3, "--clk", Self.clk, "--out", "precise.pos", "--quiet"], directory: dir)
        #expect(direct.status == 0)
        let a = Self.positions((try? String(contentsOfFile: dir + "/precise.pos", encoding: .utf8)) ?? "")
        let b = Self.positions((try? String(contentsOfFile: dir + "/config/ESBC.pos", encoding: .utf8)) ?? "")
        #expect(b.count > 2_800)
        var differences: [Double] = []
        for (t, p) in b where t >= "2020/06/25 12:00" {
            guard let q = a[t] else { continue }
            differences.append(((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) + (p[2] - q[2]) * (p[2] - q[2])).squareRoot())
        }
        differences.sort()
        #expect(differences.count > 1_400)
        #expect(differences[differences.count / 2] < 0.01, "median difference from PPP on the products: \(differences[differences.count / 2]) m")
    }

    @Test("ssr_publish in a running gatewayd: the stream goes out over UDP as its PPP station's epochs arrive")
    func liveDaemonPublishesOverUDP() throws {
        let dir = makeWorkDirectory("publish-live")
        // The destination: a UDP socket of this test.
        let receiver = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(receiver) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = in_port_t(UInt16(5451).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &local.sin_addr)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(receiver, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml",
                                           contents: Data(Self.publishingConfiguration(metrics: "127.0.0.1:9669", destination: 5451).utf8))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true })
        // Ten minutes of ESBC, an epoch every 30 s, as MSM7 (the signals PPP uses, to fit one MSM a system).
        let reader = try RINEXObservationReader(path: Self.obs)
        reader.systems = [.gps, .galileo]
        let sender = UDPSender()
        let kept: [GNSSSystem: Set<String>] = [.gps: ["1C", "1W", "2W", "2L"], .galileo: ["1C", "5Q"]]
        for _ in 0..<20 {
            guard var e = try reader.next() else { break }
            for i in e.satellites.indices {
                let wanted = kept[e.satellites[i].satellite.system] ?? []
                e.satellites[i].signals.removeAll { !wanted.contains($0.signal.description) }
            }
            sender.send(try RTCM3Encoder.msmFrames(epoch: e, stationID: 1).flatMap { $0 }, to: 5441)
            usleep(20_000)
        }
        sender.close()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        _ = eventually(seconds: 10) {
            let n = buffer.withUnsafeMutableBytes { recv(receiver, $0.baseAddress, $0.count, 0) }
            if n > 0 { received += buffer[0..<n] }
            return n <= 0 && received.count > 10_000
        }
        var framer = RTCM3Framer()
        framer.append(received)
        var types: [Int: Int] = [:]
        while let item = framer.next() {
            guard case .frame(let f) = item, let m = try? RTCM3SSRCodec.decode(payload: f.payload[...]) else { continue }
            types[m.messageType, default: 0] += 1
        }
        // Ten minutes from 00:00 at 30 s clocks and 60 s orbits: clock, orbit and URA messages for GPS and Galileo.
        #expect(types[1058, default: 0] >= 19 && types[1057, default: 0] >= 9 && types[1241, default: 0] >= 19, "\(types)")
        let metrics = httpGet(port: 9669, path: "/metrics") ?? ""
        #expect((metric(metrics, "gateway_ssr_published_bytes_total{stream=\"GRG\"}") ?? 0) >= Double(received.count), "\(metrics)")
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["stations"].map { "\($0)" }?.contains("ppp") == true })
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
    }
}
