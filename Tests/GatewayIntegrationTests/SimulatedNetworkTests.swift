import Foundation
import GNSSCore
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `gnss-sim stream` feeding a live gatewayd over UDP: two stations and the satellite segment's downlink,
/// configured by deploy/examples/simulated.yaml, with the DPC pair of the local quickstart.
@Suite("Simulated network live", .serialized)
struct SimulatedNetworkTests {
    static let examples = QuickstartTests.examples
    static let socket = "run/gatewayd-sim.sock"
    /// Where the simulated reference station stands (by the ESBC monument).
    static let reference = Geodetic(latitudeDegrees: 55.49357, longitudeDegrees: 8.45683, height: 59.7).ecef()

    @Test("the simulator's streams over UDP: LEO ephemerides from the satellite segment, both stations in LEO-augmented PPP, the downlink forwarded", .enabled(if: SharedData.available, "needs ../shared/data"))
    func simulatedStreamsLive() throws {
        let dir = makeWorkDirectory("simulated")
        // The quickstart's DPC pair on ports of this suite's own, so the suites can run side by side.
        for f in ["simulated.yaml", "dpcd-local.yaml"] {
            let text = try String(contentsOfFile: Self.examples + "/" + f, encoding: .utf8)
                .replacingOccurrences(of: "127.0.0.1:7001", with: "127.0.0.1:7301").replacingOccurrences(of: "127.0.0.1:9465", with: "127.0.0.1:9765")
            try text.write(toFile: dir + "/" + f, atomically: true, encoding: .utf8)
        }
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd-local.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "simulated.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(eventually { (try? control(Self.socket, ["status"], directory: dir))?["ready"] as? Bool == true }, "not ready: \(gatewayd.output)")

        let sim = try DaemonProcess.run("gnss-sim", [
            "stream", "--minutes", "3", "--seed", "5", "--speed", "15",
            "--station", "REF0@55.49357,8.45683,59.7", "--moving", "ROV0@55.49357,8.48847,59.7,40,8",
            "--to", "REF0=127.0.0.1:5301", "--to", "ROV0=127.0.0.1:5302", "--to", "satellite-segment=127.0.0.1:5309",
            "--data", SharedData.path("ppp-esbc-2020177"),
        ], directory: dir)
        #expect(sim.status == 0, "gnss-sim: \(sim.error)")

        var stations: [String: [String: Any]] = [:]
        let settled = eventually(seconds: 60) {
            usleep(300_000)
            guard let s = try? control(Self.socket, ["status"], directory: dir), let list = s["stations"] as? [[String: Any]],
                  let f = s["forwarder"] as? [String: Any], f["pending"] as? Int == 0 else { return false }
            let before = stations["ROV0"]?["epochs"] as? Int
            stations = Dictionary(uniqueKeysWithValues: list.compactMap { s in (s["name"] as? String).map { ($0, s) } })
            return before != nil && before == stations["ROV0"]?["epochs"] as? Int
        }
        #expect(settled, "gatewayd did not settle: \(gatewayd.output)")

        let leo = try #require(stations["LEO"])
        #expect((leo["epochs"] as? Int ?? 0) > 0, "onboard epochs: \(leo)")
        #expect((leo["note"] as? String ?? "").contains("LEO ephemerides"))
        for name in ["REF0", "ROV0"] {
            let s = try #require(stations[name])
            #expect((s["epochs"] as? Int ?? 0) >= 170, "\(name): \(s)")
            // The simulated streams carry broadcast ephemerides and no corrections: PPP says it is on broadcast orbits.
            #expect(s["quality"] as? String == "single", "\(name): \(s)")
            #expect((s["note"] as? String ?? "").contains("broadcast ephemerides"), "\(name): \(s)")
        }
        let ecef = try #require(stations["REF0"]?["ecef"] as? [Double])
        #expect(ECEF(ecef[0], ecef[1], ecef[2]).distance(to: Self.reference) < 0.15, "REF0 at \(ecef)")

        let metrics = try #require(httpGet(port: 9764, path: "/metrics"))
        #expect((metric(metrics, "gateway_leo_ephemerides_total{station=\"LEO\"}") ?? 0) > 10)
        #expect((metric(metrics, "gateway_frames_decoded_total{station=\"ROV0\",type=\"4058\"}") ?? 0) > 100)
        let types = Set(try dump(store: "state/dpc", directory: dir).flatMap { $0["types"] as? [Int] ?? [] })
        #expect(types.isSuperset(of: [1077, 1097, 4058]), "forwarded types \(types.sorted())")
    }
}
