import Foundation
import GNSSFormats
import Gateway
import Testing
import TestSupport

/// The DPC's LEO corrections, live: `gnss-sim stream` sends the simulated network's reference stations and the
/// satellite segment's downlink (LEO ephemerides, onboard GNSS observations) to a gateway, which forwards them; dpcd
/// determines the LEO satellites' orbits and clocks on its own GNSS corrections and sends 4058/2 corrections back with
/// the GNSS ones; the gateway's corrections station takes them for a user's GNSS+LEO PPP.
@Suite("DPC LEO corrections live", .serialized)
struct NetworkLEOTests {
    /// gnss-sim streaming twelve minutes of the network and its LEO constellation: the stations and the user to `ports`
    /// as `NetworkProcessingTests.simulation`, the satellite segment's downlink to the port after them.
    static func simulation(to ports: [Int]) -> [String] {
        var arguments = NetworkProcessingTests.simulation(to: ports)
        arguments.removeAll { $0 == "--no-leo" }
        arguments[arguments.firstIndex(of: "--minutes")! + 1] = "12"
        return arguments + ["--to", "satellite-segment=127.0.0.1:\(ports[NetworkProcessingTests.stations.count + 1])"]
    }

    @Test("dpcd turns the forwarded onboard observations into LEO corrections the gateway applies, kinematic or in the network filter",
          .enabled(if: SharedData.available, "needs ../shared/data"), arguments: ["kinematic", "joint", "hybrid"])
    func leoCorrectionsLive(leo: String) throws {
        let link = try StationSourceInteropTests.freePort(), dpcMetrics = try StationSourceInteropTests.freePort()
        let gatewayMetrics = try StationSourceInteropTests.freePort()
        let ports = try Demo.freeUDPPorts(NetworkProcessingTests.stations.count + 2)
        let segment = ports[NetworkProcessingTests.stations.count + 1]
        let dir = makeWorkDirectory("network-leo-\(leo)")
        try """
            listen: 127.0.0.1:\(link)
            store: ./state/dpc
            metrics: 127.0.0.1:\(dpcMetrics)
            key: \(NetworkProcessingTests.key)
            processing:
              interval: 30
              holdback: 10
              leo: \(leo)
              record: ./state/ssr
            """.write(toFile: dir + "/dpcd.yaml", atomically: true, encoding: .utf8)
        var gateway = """
            gateway_id: leo-network
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(gatewayMetrics)
            state_directory: ./state
            dpc:
              address: 127.0.0.1:\(link)
              key: \(NetworkProcessingTests.key)
            stations:

            """
        for (i, s) in NetworkProcessingTests.stations.enumerated() {
            gateway += "  - {name: \(s.0), listen: 127.0.0.1:\(ports[i]), role: reference, processing: spp}\n"
        }
        gateway += """
              - {name: LEO, listen: 127.0.0.1:\(segment), format: leo, role: rover, processing: none}
              - {name: DPC, source: "dpc://", role: corrections}
              - {name: RV, listen: 127.0.0.1:\(ports[NetworkProcessingTests.stations.count]), role: rover, processing: ppp, systems: [G, E, L], corrections: DPC}

            """
        try gateway.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "not ready: \(gatewayd.output)")

        let sim = try DaemonProcess.run("gnss-sim", Self.simulation(to: ports), directory: dir)
        #expect(sim.status == 0, "gnss-sim: \(sim.error)")
        _ = eventually(seconds: 20) { (metric(httpGet(port: dpcMetrics, path: "/metrics") ?? "", "dpc_network_epochs_total") ?? 0) >= 24 }

        let metrics = try #require(httpGet(port: dpcMetrics, path: "/metrics"))
        let onboard = metric(metrics, "dpc_network_onboard_epochs_total") ?? 0
        #expect(onboard >= 100, "onboard epochs \(onboard); \(dpcd.output)")
        // The recorded stream: 4058/2 corrections beside the GNSS ones once the arcs are long enough to fit.
        var framer = RTCM3Framer()
        framer.append(Array((try? Data(contentsOf: URL(fileURLWithPath: dir + "/state/ssr/2020-06-25.rtcm3"))) ?? Data()))
        var leoFrames = 0
        while let item = framer.next() {
            if case .frame(let f) = item, f.messageType == RTCM3LEO.messageType, RTCM3LEO.subtype(ofPayload: f.payload[...]) == 2 { leoFrames += 1 }
        }
        dpcd.stop()
        #expect(leoFrames >= 5, "4058/2 frames recorded: \(leoFrames); \(dpcd.output)")
        let g = try #require(httpGet(port: gatewayMetrics, path: "/metrics"))
        let corrected = metric(g, "gateway_ssr_satellites{station=\"DPC\",system=\"L\"}") ?? 0
        #expect(corrected >= 1, "LEO satellites corrected at the gateway: \(corrected)")
        #expect((metric(g, "gateway_solutions_total{station=\"RV\",quality=\"ppp\"}") ?? 0) >= 30, "\(g)")
        print("LEO live, \(leo): \(Int(onboard)) onboard epochs, \(leoFrames) 4058/2 frames, \(Int(metric(metrics, "dpc_network_leo_satellites") ?? 0)) LEO satellites in the last epoch, \(Int(corrected)) corrected at the gateway, "
              + "\(Int(metric(metrics, "dpc_network_leo_receivers") ?? 0)) onboard receivers in the network filter")
        if leo != "kinematic" { #expect((metric(metrics, "dpc_network_leo_receivers") ?? 0) >= 1, "\(metrics)") }
    }
}
