import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// gatewayd → JetStream → dpcd with real processes: a `nats-server` node started here, a gateway fed the demo
/// capture over UDP and a dpcd on a durable consumer; both daemons are killed with -9 mid-stream and restarted,
/// and every record the gateway spooled must be in the store once, with contiguous sequences.
@Suite("Records over NATS JetStream", .serialized, .enabled(if: NATSServerProcess.available, "nats-server is not on PATH (apt-get install nats-server)"))
struct JetStreamDeliveryTests {
    struct Ports {
        var nats: Int, dpcMetrics: Int, gatewayMetrics: Int, udp: Int
    }

    static func prepare(_ name: String, _ ports: Ports) -> String {
        let dir = makeWorkDirectory(name)
        let gateway = """
            gateway_id: js-test
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(ports.gatewayMetrics)
            state_directory: ./gateway-state
            dpc:
              transport: jetstream
              servers: [nats://127.0.0.1:\(ports.nats)]
              stream: GNSS_TEST
              replicas: 1
            stations:
              - name: REF
                listen: 127.0.0.1:\(ports.udp)
                role: reference
                processing: none
            """
        let dpc = """
            store: ./dpc-store
            metrics: 127.0.0.1:\(ports.dpcMetrics)
            jetstream:
              servers: [nats://127.0.0.1:\(ports.nats)]
              stream: GNSS_TEST
              durable: dpc-a
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(gateway.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(dpc.utf8))
        return dir
    }

    static func stream(_ bytes: ArraySlice<UInt8>, port: Int) {
        let sender = UDPSender()
        _ = sender.stream(Array(bytes), to: port)
        sender.close()
    }

    /// The records of the store, as (generation, sequences in the order stored).
    static func stored(_ dir: String) -> [String: [Int]] {
        let records = (try? dump(store: "dpc-store", directory: dir)) ?? []
        return Dictionary(grouping: records) { $0["generation"] as? String ?? "?" }.mapValues { $0.compactMap { $0["sequence"] as? Int } }
    }

    @Test("single node: dpcd and gatewayd killed with -9 mid-stream and restarted; every record stored once, in order")
    func singleNodeRestarts() throws {
        let ports = Ports(nats: 14231, dpcMetrics: 9631, gatewayMetrics: 9632, udp: 5231)
        let dir = Self.prepare("jetstream-single", ports)
        let data = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("demo.rtcm3"))))
        let nats = try NATSServerProcess(port: ports.nats, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")

        var dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }
        var gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")

        let quarter = data.count / 4
        Self.stream(data[..<quarter], port: ports.udp)
        let first = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        #expect(eventually(seconds: 20) { Self.stored(dir).values.first?.count == first.last }, "\(dpcd.output)")

        // dpcd dies; the stream keeps what the gateway publishes meanwhile.
        dpcd.signal(SIGKILL)
        dpcd.wait()
        Self.stream(data[quarter..<2 * quarter], port: ports.udp)
        let second = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        #expect(second.last > first.last)
        dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir, logName: "dpcd-2")

        // gatewayd dies in the middle of a stretch and comes back to the same spool.
        Self.stream(data[2 * quarter..<(5 * quarter / 2)], port: ports.udp)
        gatewayd.signal(SIGKILL)
        gatewayd.wait()
        gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir, logName: "gatewayd-2")
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")
        Self.stream(data[(5 * quarter / 2)...], port: ports.udp)
        let final = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "\(gatewayd.output)")

        #expect(eventually(seconds: 30) { Self.stored(dir).values.first?.count ?? 0 >= final.last }, "\(dpcd.output)")
        let stored = Self.stored(dir)
        #expect(stored.count == 1, "one generation: \(stored.keys)")
        let sequences = stored.values.first ?? []
        #expect(sequences == Array(1...final.last), "stored \(sequences.count) records, spooled \(final.last)")
        #expect(dpcd.output.contains("JetStream consumer"), "\(dpcd.output)")
        let dpcMetrics = httpGet(port: ports.dpcMetrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_jetstream_up") == 1, "\(dpcMetrics)")
        #expect(metric(dpcMetrics, "dpc_jetstream_rejected_total") == 0)
        let gatewayMetrics = httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? ""
        #expect(metric(gatewayMetrics, "gateway_dpc_link_up") == 1)
        print("records: \(first.last) before dpcd was killed, \(second.last) before gatewayd was killed, \(final.last) in all; "
              + "stored \(sequences.count), duplicates dropped by dpcd: \(Int(metric(dpcMetrics, "dpc_records_duplicate_total") ?? 0))")
    }

    @Test("no server reachable: the gateway says so and keeps its records in the spool")
    func noServerReachable() throws {
        let ports = Ports(nats: 14232, dpcMetrics: 9633, gatewayMetrics: 9634, udp: 5232)
        let dir = Self.prepare("jetstream-unreachable", ports)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")
        #expect(eventually(seconds: 10) { gatewayd.output.contains("no JetStream server reachable") }, "\(gatewayd.output)")
        #expect(gatewayd.output.contains("nats://127.0.0.1:\(ports.nats)"))
        #expect(gatewayd.process.isRunning)
    }

    @Test("check-config names a JetStream section's problems at their lines")
    func checkConfigProblems() throws {
        let dir = makeWorkDirectory("jetstream-check")
        let gateway = """
            gateway_id: js-test
            dpc:
              transport: jetstream
              servers: [http://127.0.0.1:4222, "nats://127.0.0.1"]
              replicas: 7
            stations:
              - name: REF
                listen: 127.0.0.1:5233
                role: reference
                processing: none
            """
        _ = FileManager.default.createFile(atPath: dir + "/bad.yaml", contents: Data(gateway.utf8))
        let bad = try DaemonProcess.run("gatewayd", ["check-config", "bad.yaml"], directory: dir)
        #expect(bad.status == 1)
        #expect(bad.error.contains("bad.yaml:4: dpc.servers: server 'http://127.0.0.1:4222' must start nats:// or tls://"), "\(bad.error)")
        #expect(bad.error.contains("server 'nats://127.0.0.1' needs a port"), "\(bad.error)")
        #expect(bad.error.contains("bad.yaml:5: dpc.replicas must be a count from 1 to 5"), "\(bad.error)")

        let noServers = gateway.replacingOccurrences(of: "  servers: [http://127.0.0.1:4222, \"nats://127.0.0.1\"]\n", with: "")
            .replacingOccurrences(of: "replicas: 7", with: "replicas: 3")
        _ = FileManager.default.createFile(atPath: dir + "/none.yaml", contents: Data(noServers.utf8))
        let none = try DaemonProcess.run("gatewayd", ["check-config", "none.yaml"], directory: dir)
        #expect(none.status == 1)
        #expect(none.error.contains("dpc: servers is missing"), "\(none.error)")

        let dpc = """
            store: ./store
            jetstream:
              servers: [nats://127.0.0.1:4222]
            """
        _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(dpc.utf8))
        let nodurable = try DaemonProcess.run("dpcd", ["check-config", "dpcd.yaml"], directory: dir)
        #expect(nodurable.status == 1)
        #expect(nodurable.error.contains("jetstream: durable is missing"), "\(nodurable.error)")
    }
}
