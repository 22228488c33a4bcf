import Foundation
import Testing
import TestSupport

/// `replay --mode` is a way of writing a one-station profile: with the same settings, `replay --config` (the live
/// pipeline fed from files) writes the same solutions, byte for byte.
@Suite("replay --mode and replay --config agree", .serialized, .enabled(if: SharedData.available, "needs ../shared/data"))
struct EngineParityTests {
    static let base0759 = "rtk-0759-3040"

    /// Runs both forms in one directory; the two JSON solution files.
    static func both(mode: [String], station: String, configExtra: String = "", name: String, inputs: [String],
                     configOptions: [String] = []) throws -> (mode: String, config: String) {
        let dir = makeWorkDirectory("parity-\(name)")
        let yaml = """
            gateway_id: parity
            control_socket: ./ctl.sock
            metrics: off
            state_directory: ./state
            \(configExtra)
            stations:
            \(station)
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(yaml.utf8))
        let direct = try DaemonProcess.run("gatewayd", ["replay"] + mode + ["--format", "json", "--out", "mode.json", "--quiet"], directory: dir)
        #expect(direct.status == 0, "\(direct.error)")
        let configured = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--format", "json", "--out", "config", "--quiet"]
                                               + configOptions + inputs.flatMap { ["--input", $0] }, directory: dir)
        #expect(configured.status == 0, "\(configured.error)")
        let a = (try? String(contentsOfFile: dir + "/mode.json", encoding: .utf8)) ?? ""
        let b = (try? String(contentsOfFile: dir + "/config/\(name).json", encoding: .utf8)) ?? ""
        return (a, b)
    }

    static func quality(_ json: String, _ q: String) -> Int {
        json.split(separator: "\n").filter { $0.contains("\"quality\":\"\(q)\"") }.count
    }

    @Test("SPP of a real RTCM 3 capture, ephemerides as received")
    func spp() throws {
        let capture = SharedData.path("rtcm3/GMSD7_20121014.rtcm3")
        let (a, b) = try Self.both(mode: ["--mode", "spp", "--rover", capture, "--ephemerides", "as-received"],
                                   station: """
                                     - name: GMSD
                                       listen: 127.0.0.1:5401
                                       processing: spp
                                   """, name: "GMSD", inputs: ["GMSD=\(capture)"])
        #expect(Self.quality(a, "single") > 50)
        #expect(a == b)
        // Looking ahead for the capture's ephemerides, as after converting it to RINEX, solves more epochs; both ways.
        let (c, d) = try Self.both(mode: ["--mode", "spp", "--rover", capture],
                                   station: """
                                     - name: GMSD
                                       listen: 127.0.0.1:5401
                                       processing: spp
                                   """, name: "GMSD", inputs: ["GMSD=\(capture)"], configOptions: ["--ephemerides", "ahead"])
        #expect(Self.quality(c, "single") > Self.quality(a, "single"))
        #expect(c == d)
    }

    @Test("RTK of 0759 against 3040, GPS, the base position given to both")
    func rtk() throws {
        let d = SharedData.path(Self.base0759)
        let (a, b) = try Self.both(
            mode: ["--mode", "rtk", "--systems", "G", "--rover", "\(d)/07590920.05o", "--base", "\(d)/30400920.05o",
                   "--nav", "\(d)/07590920.05n", "--base-position=-3978242.4348,3382841.1715,3649902.7667"],
            station: """
              - name: B3040
                listen: 127.0.0.1:5402
                role: reference
                processing: none
                position: [-3978242.4348, 3382841.1715, 3649902.7667]
              - name: R0759
                listen: 127.0.0.1:5403
                processing: rtk
                reference: B3040
                systems: [G]
            """,
            configExtra: "products: {navigation: [\(d)/07590920.05n]}",
            name: "R0759", inputs: ["B3040=\(d)/30400920.05o", "R0759=\(d)/07590920.05o"])
        #expect(Self.quality(a, "fixed") == 115, "RTKLIB fixes 115 of the 120 epochs")
        #expect(a == b)
    }

    @Test("PPP of 0759 on broadcast ephemerides, static, GPS")
    func ppp() throws {
        let d = SharedData.path(Self.base0759)
        let (a, b) = try Self.both(
            mode: ["--mode", "ppp", "--static", "--systems", "G", "--rover", "\(d)/07590920.05o", "--nav", "\(d)/07590920.05n"],
            station: """
              - name: S0759
                listen: 127.0.0.1:5404
                role: reference
                processing: ppp
                systems: [G]
            """,
            configExtra: "products: {navigation: [\(d)/07590920.05n]}",
            name: "S0759", inputs: ["S0759=\(d)/07590920.05o"])
        // On broadcast ephemerides alone PPP is labelled single, its sigmas carrying the broadcast accuracy.
        #expect(Self.quality(a, "single") > 100)
        #expect(a == b)
    }
}
