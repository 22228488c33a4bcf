import Foundation
import Gateway
import Testing
import TestSupport

/// The DPC's processing through a gateway's outage: the simulated network split over two gateways, one of whose
/// paths to dpcd is cut for ten minutes of the stream's time. The processing goes on with the other's stations, the
/// cut gateway spools, and once its path is back its ten minutes arrive late: stored, counted late, and the
/// network whole again.
@Suite("A gateway's outage", .serialized)
struct GatewayOutageTests {
    static let key = "6c6f63616c2d64656d6f2d6b65792d6368616e67652d6d652d696e2d70726f64"

    static func lastEpoch(_ port: Int) -> String? {
        guard let body = httpGet(port: port, path: "/status"),
              let status = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let network = status["network"] as? [String: Any] else { return nil }
        return network["last_epoch"] as? String
    }

    @Test("ten minutes without one gateway: processing goes on, its records come late and are counted, the network is whole again",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func tenMinuteOutage() throws {
        let link = try StationSourceInteropTests.freePort(), dpcMetrics = try StationSourceInteropTests.freePort()
        let ports = try Demo.freeUDPPorts(NetworkProcessingTests.stations.count + 1)
        let (metricsA, metricsB) = (try StationSourceInteropTests.freePort(), try StationSourceInteropTests.freePort())
        let relay = try TCPRelay(upstream: link)
        defer { relay.stop() }
        let dir = makeWorkDirectory("gateway-outage")
        try """
            listen: 127.0.0.1:\(link)
            store: ./state/dpc
            metrics: 127.0.0.1:\(dpcMetrics)
            key: \(Self.key)
            processing:
              interval: 30
              holdback: 10
            """.write(toFile: dir + "/dpcd.yaml", atomically: true, encoding: .utf8)
        // Gateway A: the first three stations, straight to dpcd; gateway B: the other three and the user, through the relay.
        for (name, range, port) in [("A", 0..<3, link), ("B", 3..<6, relay.port)] {
            var yaml = """
                gateway_id: gateway-\(name)
                control_socket: ./\(name).sock
                metrics: 127.0.0.1:\(name == "A" ? metricsA : metricsB)
                state_directory: ./state-\(name)
                dpc:
                  address: 127.0.0.1:\(port)
                  key: \(Self.key)
                stations:

                """
            for i in range {
                yaml += "  - {name: \(NetworkProcessingTests.stations[i].0), listen: 127.0.0.1:\(ports[i]), role: reference, processing: spp}\n"
            }
            if name == "B" {
                yaml += "  - {name: RV, listen: 127.0.0.1:\(ports[6]), role: rover, processing: ppp, systems: [G, E], corrections: DPC}\n"
                yaml += "  - {name: DPC, source: \"dpc://\", role: corrections}\n"
            }
            try yaml.write(toFile: dir + "/\(name).yaml", atomically: true, encoding: .utf8)
        }
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let a = try DaemonProcess("gatewayd", ["run", "--config", "A.yaml"], directory: dir, logName: "gateway-A")
        let b = try DaemonProcess("gatewayd", ["run", "--config", "B.yaml"], directory: dir, logName: "gateway-B")
        defer { a.stop(); b.stop(); dpcd.stop() }
        for name in ["A", "B"] {
            #expect(eventually { (try? control("\(name).sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "\(name) not ready")
        }

        // Twenty minutes of the network at 30× (40 s), in the background.
        var arguments = NetworkProcessingTests.simulation(to: ports)
        arguments[arguments.firstIndex(of: "--minutes")! + 1] = "20"
        let sim = try DaemonProcess("gnss-sim", arguments, directory: dir, logName: "gnss-sim")
        defer { sim.stop() }
        // Cut B's path from 06:04 to 06:14 of the stream's time.
        let started = eventually(seconds: 60) { (Self.lastEpoch(dpcMetrics) ?? "") >= "2020-06-25T06:04:00" }
        #expect(started, "\(dpcd.output)")
        relay.cut(true)
        var during: [Int] = []
        let reached = eventually(seconds: 60) {
            if let body = httpGet(port: dpcMetrics, path: "/status"), let s = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
               let n = s["network"] as? [String: Any], let k = n["stations_in_solution"] as? Int, (n["last_epoch"] as? String ?? "") >= "2020-06-25T06:07:00" {
                during.append(k)
            }
            return (Self.lastEpoch(dpcMetrics) ?? "") >= "2020-06-25T06:14:00"
        }
        #expect(reached)
        let pendingDuringCut = ((try? control("B.sock", ["status"], directory: dir))?["forwarder"] as? [String: Any])?["pending"] as? Int ?? 0
        relay.cut(false)
        #expect(sim.wait(seconds: 120) == 0, "\(sim.output)")

        // During the cut the network was processed on A's three stations alone, and B's records waited in its spool.
        #expect(!during.isEmpty && during.allSatisfy { $0 == 3 }, "stations in the solution during the cut: \(during)")
        #expect(pendingDuringCut > 100, "records B held during the cut: \(pendingDuringCut)")
        // Afterwards: B's spool emptied into the store, its late epochs counted, the network whole again.
        #expect(eventually(seconds: 60) {
            ((try? control("B.sock", ["status"], directory: dir))?["forwarder"] as? [String: Any])?["pending"] as? Int == 0
        }, "\(b.output)")
        let metrics = try #require(httpGet(port: dpcMetrics, path: "/metrics"))
        let late = metric(metrics, "dpc_network_late_epochs") ?? 0
        // The cut held twenty 30 s epochs of B's three stations; all but the cut's edges arrive after their epoch.
        #expect(late >= 54, "late station epochs: \(late)")
        #expect(metric(metrics, "dpc_network_stations") == 6)
        let status = try #require(try JSONSerialization.jsonObject(with: Data((httpGet(port: dpcMetrics, path: "/status") ?? "").utf8)) as? [String: Any])
        let network = try #require(status["network"] as? [String: Any])
        #expect(network["stations_in_solution"] as? Int == 6, "\(network)")
        #expect((network["last_epoch"] as? String ?? "") >= "2020-06-25T06:19:00")
        let stored = try dump(store: "state/dpc", directory: dir).filter { $0["gateway"] as? String == "gateway-B" }.count
        let forwarded = ((try? control("B.sock", ["status"], directory: dir))?["forwarder"] as? [String: Any])?["last_sequence"] as? Int ?? -1
        #expect(stored == forwarded, "B forwarded \(forwarded), the store holds \(stored)")
        print("outage: stations in the solution during the cut \(Set(during)), B held \(pendingDuringCut) records, \(Int(late)) late station epochs, "
              + "\(stored) of B's records stored")
    }
}
