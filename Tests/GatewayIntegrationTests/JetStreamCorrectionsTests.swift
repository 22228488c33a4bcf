import Foundation
import Testing
import TestSupport

/// The DPC's corrections over JetStream: gatewayd publishes the simulated network's reference stations to a real
/// nats-server, dpcd takes them from its durable consumer, computes the network's corrections and publishes each epoch
/// on the corrections subject, and the gateway's `dpc://` station takes them from there for a user's PPP.
@Suite("DPC corrections over NATS", .serialized, .enabled(if: NATSServerProcess.available, "nats-server is not on PATH (apt-get install nats-server)"))
struct JetStreamCorrectionsTests {
    @Test("dpcd's corrections reach the gateway on the corrections subject and a user's PPP applies them",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func correctionsOnSubject() throws {
        let natsPort = try StationSourceInteropTests.freePort(), gatewayMetrics = try StationSourceInteropTests.freePort()
        let dpcMetrics = try StationSourceInteropTests.freePort()
        let udp = try (0...NetworkProcessingTests.stations.count).map { _ in try StationSourceInteropTests.freePort() }
        let dir = makeWorkDirectory("jetstream-corrections")
        let servers = "[nats://127.0.0.1:\(natsPort)]"
        var gateway = """
            gateway_id: js-network
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(gatewayMetrics)
            state_directory: ./state
            dpc:
              transport: jetstream
              servers: \(servers)
              corrections_subject: network.ssr
            stations:

            """
        for (i, s) in NetworkProcessingTests.stations.enumerated() {
            gateway += "  - {name: \(s.0), listen: 127.0.0.1:\(udp[i]), role: reference, processing: spp}\n"
        }
        gateway += """
              - {name: DPC, source: "dpc://", role: corrections}
              - {name: RV, listen: 127.0.0.1:\(udp[NetworkProcessingTests.stations.count]), role: rover, processing: ppp, systems: [G, E], corrections: DPC}

            """
        try gateway.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        try """
            store: ./state/dpc
            metrics: 127.0.0.1:\(dpcMetrics)
            jetstream:
              servers: \(servers)
              durable: dpc-a
              corrections_subject: network.ssr
            processing:
              interval: 30
              holdback: 10
            """.write(toFile: dir + "/dpcd.yaml", atomically: true, encoding: .utf8)

        let nats = try NATSServerProcess(port: natsPort, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "not ready: \(gatewayd.output)")
        #expect(eventually { metric(httpGet(port: dpcMetrics, path: "/metrics") ?? "", "dpc_jetstream_up") == 1 }, "\(dpcd.output)")

        let sim = try DaemonProcess.run("gnss-sim", NetworkProcessingTests.simulation(to: udp), directory: dir)
        #expect(sim.status == 0, "gnss-sim: \(sim.error)")

        let dpc = try #require(httpGet(port: dpcMetrics, path: "/metrics"))
        let epochs = metric(dpc, "dpc_network_epochs_total") ?? 0
        #expect(epochs >= 10, "\(dpcd.output)")
        var received = 0.0
        #expect(eventually(seconds: 20) {
            received = metric(httpGet(port: gatewayMetrics, path: "/metrics") ?? "", "gateway_dpc_corrections_received_total") ?? 0
            return received >= 10
        }, "the gateway took \(received) epochs of corrections; dpcd: \(dpcd.output)")
        let sentOnSubject = metric(dpc, "dpc_network_link_corrections_sent_total") ?? 0
        #expect(received <= sentOnSubject + 2, "received \(received), published \(sentOnSubject)")
        let g = try #require(httpGet(port: gatewayMetrics, path: "/metrics"))
        #expect((metric(g, "gateway_ssr_satellites{station=\"DPC\",system=\"G\"}") ?? 0) >= 6, "\(g)")
        #expect(metric(g, "gateway_dpc_corrections_dropped_total") == 0)
        // The user positions on them: PPP, not the broadcast-only label.
        let rover = (try? control("ctl.sock", ["stations"], directory: dir))?["stations"] as? [[String: Any]]
        let rv = rover?.first { $0["name"] as? String == "RV" }
        #expect((rv?["solutions"] as? [String: Int])?["ppp"] ?? 0 > 0, "\(rv ?? [:])")
    }
}
