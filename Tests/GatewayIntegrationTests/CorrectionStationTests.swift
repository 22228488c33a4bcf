import Foundation
import Testing
import TestSupport

/// A corrections stream as a station of the configuration (role: corrections): its SSR reaches the PPP station that
/// names it, through the live pipeline, as `replay --mode ppp --ssr` applies the same stream.
@Suite("Corrections streams", .serialized, .enabled(if: SharedData.available, "needs ../shared/data"))
struct CorrectionStationTests {
    static let day = "ppp-esbc-2020177/"

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
        let nav = SharedData.path(Self.day + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
        let obs = SharedData.path(Self.day + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
        // Clocks every 30 s keep the stream small; orbits to the centre of mass (no ANTEX here).
        let encoded = try DaemonProcess.run("gatewayd", [
            "ssr", "encode", "--nav", nav, "--sp3", SharedData.path(Self.day + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"),
            "--clk", SharedData.path(Self.day + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"), "--clock-interval", "30",
            "--out", "ssr.rtcm3", "--quiet"], directory: dir)
        try #require(encoded.status == 0, "\(encoded.error)")
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

    @Test("A corrections station must be RTCM 3 and not positioned; a PPP station names an existing one")
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
                processing: spp
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
        for expected in ["format must be rtcm3", "processing must be none", "only with processing: ppp",
                         "'NOPE' is not a corrections stream", "ssr_reference declares"] {
            #expect(checked.error.contains(expected) || checked.output.contains(expected), "\(expected): \(checked.error)")
        }
    }
}
