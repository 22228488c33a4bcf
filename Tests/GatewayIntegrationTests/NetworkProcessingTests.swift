import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The DPC's own processing, live: `gnss-sim stream` simulates six reference stations over Europe on the real sky of
/// 2020-06-25 (its final orbits and clocks) with the day's real broadcast ephemerides in their streams, and a user
/// station; gatewayd forwards the reference stations; dpcd estimates orbit and clock corrections and sends them back as
/// RTCM 3 SSR over the link (and over UDP) to the gateway's corrections stations, where the user's PPP applies them: the
/// loop closed.
@Suite("DPC network processing live", .serialized)
struct NetworkProcessingTests {
    static let key = "6c6f63616c2d64656d6f2d6b65792d6368616e67652d6d652d696e2d70726f64"
    static let stations: [(String, Double, Double)] = [("NA", 47, -8), ("NB", 47, 14), ("NC", 55, 3), ("ND", 55, 25), ("NE", 63, -8), ("NF", 63, 14)]

    static func gatewayConfiguration() -> String {
        var text = """
            gateway_id: network-gateway
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:9681
            state_directory: ./state
            dpc:
              address: 127.0.0.1:7381
              key: \(key)
            stations:

            """
        for (i, s) in stations.enumerated() {
            text += """
                  - name: \(s.0)
                    listen: 127.0.0.1:\(5361 + i)
                    format: rtcm3
                    role: reference
                    processing: spp

                """
        }
        text += """
              - name: DPC
                source: dpc://
                role: corrections
              - name: DPCU
                listen: 127.0.0.1:5379
                role: corrections
              - name: RV
                listen: 127.0.0.1:5378
                format: rtcm3
                role: rover
                processing: ppp
                systems: [G, E]
                corrections: DPC

            """
        return text
    }

    /// gnss-sim streaming eight minutes of the network, each station to its port in `ports`, then the user RV to the
    /// last.
    static func simulation(to ports: [Int]) -> [String] {
        var arguments = ["stream", "--sky", "precise", "--no-leo", "--minutes", "8", "--interval", "5", "--speed", "30", "--seed", "9",
                         "--data", SharedData.path("ppp-esbc-2020177")]
        for (i, s) in stations.enumerated() {
            arguments += ["--station", "\(s.0)@\(s.1),\(s.2),100", "--to", "\(s.0)=127.0.0.1:\(ports[i])"]
        }
        return arguments + ["--station", "RV@55.49357,8.45683,59.7", "--to", "RV=127.0.0.1:\(ports[stations.count])"]
    }

    static let dpcConfiguration = """
        listen: 127.0.0.1:7381
        store: ./state/dpc
        metrics: 127.0.0.1:9682
        key: \(key)
        processing:
          interval: 30
          holdback: 10
          ssr_output: 127.0.0.1:5379
          record: ./state/ssr
        """

    @Test("dpcd turns the network's forwarded observations into SSR orbit and clock corrections, and a user's PPP applies them",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func dpcdComputesCorrections() throws {
        let dir = makeWorkDirectory("network")
        try Self.gatewayConfiguration().write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        try Self.dpcConfiguration.write(toFile: dir + "/dpcd.yaml", atomically: true, encoding: .utf8)
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "not ready: \(gatewayd.output)")

        let sim = try DaemonProcess.run("gnss-sim", Self.simulation(to: Self.stations.indices.map { 5361 + $0 } + [5378]), directory: dir)
        #expect(sim.status == 0, "gnss-sim: \(sim.error)")

        // The corrections, as dpcd recorded them (the day's file) once the gateway has settled.
        let recording = dir + "/state/ssr/2020-06-25.rtcm3"
        var stream: [UInt8] = []
        _ = eventually(seconds: 30) {
            usleep(500_000)
            let before = stream.count
            stream = (try? Array(Data(contentsOf: URL(fileURLWithPath: recording)))) ?? []
            return stream.count > 1_000 && stream.count == before
        }
        var framer = RTCM3Framer()
        framer.append(stream)
        var messages: [SSRMessage] = []
        while let item = framer.next() {
            if case .frame(let f) = item, let m = try? RTCM3SSRCodec.decode(payload: f.payload[...]) { messages.append(m) }
        }
        let types = Set(messages.map(\.messageType))
        #expect(types.isSuperset(of: [1057, 1058, 1240, 1241]), "SSR message types \(types.sorted()); dpcd: \(dpcd.output)")
        let lastGPSClocks = messages.last { $0.messageType == 1058 }?.satellites ?? []
        #expect(lastGPSClocks.count >= 6, "GPS clocks in the last epoch: \(lastGPSClocks.count)")
        // Every orbit correction names an ephemeris of the day's navigation file and stays within what broadcast errors are.
        let products = try Products.load(navigation: [SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz")],
                                         sp3: [], clock: [])
        for m in messages where m.kind == .orbit {
            for s in m.satellites {
                let issues = products.ephemerides.all(for: s.satellite).compactMap { SSRGenerator.issueOfData($0) }
                #expect(issues.contains(s.iod ?? -1), "\(s.satellite) IOD \(s.iod ?? -1)")
                #expect((s.orbit ?? []).prefix(3).allSatisfy { abs($0) < 10 }, "\(s.satellite) orbit \(s.orbit ?? [])")
            }
        }

        let metrics = try #require(httpGet(port: 9682, path: "/metrics"))
        #expect(metric(metrics, "dpc_network_stations") == Double(Self.stations.count), "\(metrics)")
        #expect((metric(metrics, "dpc_network_epochs_total") ?? 0) >= 14)
        #expect((metric(metrics, "dpc_network_satellites") ?? 0) >= 12)
        #expect((metric(metrics, "dpc_network_phase_residual_rms_metres") ?? 1) < 0.05)
        for system in ["G", "E"] {
            let datum = metric(metrics, "dpc_network_clock_datum_satellites{system=\"\(system)\"}") ?? 0
            let median = metric(metrics, "dpc_network_range_sigma_median_metres{system=\"\(system)\"}") ?? 0
            let largest = metric(metrics, "dpc_network_range_sigma_max_metres{system=\"\(system)\"}") ?? 0
            #expect(datum >= 4 && median > 0 && median <= largest && largest < 30, "\(system): datum \(datum), sigma \(median) … \(largest)")
        }
        #expect((metric(metrics, "dpc_network_ssr_bytes_total") ?? 0) == Double(stream.count))

        // Back at the gateway: the corrections stream corrects both systems and the user positions on it (PPP, not the
        // broadcast-only label).
        let gateway = try #require(httpGet(port: 9681, path: "/metrics"))
        for station in ["DPC", "DPCU"] {
            #expect((metric(gateway, "gateway_ssr_satellites{station=\"\(station)\",system=\"G\"}") ?? 0) >= 6, "\(station): \(gateway)")
            #expect((metric(gateway, "gateway_ssr_satellites{station=\"\(station)\",system=\"E\"}") ?? 0) >= 4, "\(station)")
        }
        // Every epoch with corrections went over the link and arrived (an epoch without any, at the start, sends none).
        let epochs = metric(metrics, "dpc_network_epochs_total") ?? 0
        let sent = metric(metrics, "dpc_network_link_corrections_sent_total") ?? 0
        #expect(sent >= epochs - 1 && metric(gateway, "gateway_dpc_corrections_received_total") == sent, "\(sent) of \(epochs)")
        #expect((metric(gateway, "gateway_solutions_total{station=\"RV\",quality=\"ppp\"}") ?? 0) >= 30, "\(gateway)")

        // dpcd's status: the network and each satellite's corrections, the same as the last SSR epoch it sent.
        let status = try #require(try JSONSerialization.jsonObject(with: Data((httpGet(port: 9682, path: "/status") ?? "").utf8)) as? [String: Any])
        let network = try #require(status["network"] as? [String: Any], "\(status)")
        #expect((network["stations"] as? [String])?.sorted() == Self.stations.map(\.0).sorted())
        #expect(network["epochs"] as? Int == Int(epochs))
        let rows = try #require(network["satellites"] as? [[String: Any]])
        let lastClocks = messages.last { $0.messageType == 1058 }?.satellites ?? []
        var compared = 0
        for c in lastClocks {
            guard let row = rows.first(where: { $0["satellite"] as? String == c.satellite.description }),
                  let clock = row["clock"] as? Double, let sent = c.clock?.first else { continue }
            // The SSR clock's resolution is 0.1 mm.
            #expect(abs(clock - sent) < 0.0002, "\(c.satellite): status \(clock) m, SSR \(sent) m")
            #expect((row["sigma"] as? Double ?? 0) > 0)
            compared += 1
        }
        #expect(compared >= 6, "\(compared) satellites compared")
        let shown = try DaemonProcess.run("dpcd", ["status", "--config", "dpcd.yaml"], directory: dir)
        #expect(shown.status == 0, "\(shown.error)")
        print(shown.output)
        #expect(shown.output.contains("network processing every 30 s: 6 stations"), "\(shown.output)")
        #expect(shown.output.contains("URA σ m") && shown.output.contains(lastClocks.first?.satellite.description ?? "?"), "\(shown.output)")
    }
}
