import Foundation
import JetStream
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// gatewayd → JetStream → dpcd with real processes: `nats-server` (one node, or a three-node cluster) started
/// here, gateways fed simulated reference stations over UDP and dpcd processes each on a durable consumer of
/// its own (`JetStreamDeployment`); servers and daemons are killed with -9 mid-stream and the daemons restarted,
/// or the whole cluster is down for `JETSTREAM_OUTAGE_SECONDS`, and every record a gateway spooled must be in each
/// store once, with contiguous sequences.
@Suite("Records over NATS JetStream", .serialized, .enabled(if: NATSServerProcess.available, "nats-server is not on PATH (apt-get install nats-server)"))
struct JetStreamDeliveryTests {
    struct Ports {
        var nats: Int, dpcMetrics: Int, gatewayMetrics: Int, udp: Int
    }

    /// A gateway's configuration: `stations` as reference stations listening on UDP, their records to the stream on `servers`.
    static func gatewayConfiguration(id: String, socket: String, metrics: Int, state: String, servers: String, replicas: Int,
                                     stations: [(name: String, port: Int)]) -> String {
        """
        gateway_id: \(id)
        control_socket: ./\(socket)
        metrics: 127.0.0.1:\(metrics)
        state_directory: ./\(state)
        dpc:
          transport: jetstream
          servers: [\(servers)]
          stream: GNSS_TEST
          replicas: \(replicas)
        stations:

        """ + stations.map { "  - {name: \($0.name), listen: 127.0.0.1:\($0.port), role: reference, processing: none}\n" }.joined()
    }

    /// A dpcd's configuration: records from the stream on `servers` through durable consumer `durable` into `store`.
    static func dpcConfiguration(store: String, metrics: Int, servers: String, replicas: Int, durable: String) -> String {
        """
        store: ./\(store)
        metrics: 127.0.0.1:\(metrics)
        jetstream:
          servers: [\(servers)]
          stream: GNSS_TEST
          replicas: \(replicas)
          durable: \(durable)

        """
    }

    static func prepare(_ name: String, _ ports: Ports) -> String {
        let dir = makeWorkDirectory(name)
        let servers = "nats://127.0.0.1:\(ports.nats)"
        let gateway = gatewayConfiguration(id: "js-test", socket: "ctl.sock", metrics: ports.gatewayMetrics, state: "gateway-state",
                                           servers: servers, replicas: 1, stations: [("REF", ports.udp)])
        let dpc = dpcConfiguration(store: "dpc-store", metrics: ports.dpcMetrics, servers: servers, replicas: 1, durable: "dpc-a")
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(gateway.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(dpc.utf8))
        return dir
    }

    /// The records of the store, as (generation, sequences in the order stored).
    static func stored(_ dir: String) -> [String: [Int]] {
        let records = (try? dump(store: "dpc-store", directory: dir)) ?? []
        return Dictionary(grouping: records) { $0["generation"] as? String ?? "?" }.mapValues { $0.compactMap { $0["sequence"] as? Int } }
    }

    @Test("single node: dpcd and gatewayd killed with -9 mid-stream and restarted; every record stored once, in order")
    func singleNodeRestarts() throws {
        let js = try JetStreamDeployment("jetstream-single", nodes: 1, gateways: 1, stations: 1, dpcs: 1)
        defer { js.stop() }
        try js.startCluster()
        try js.startDaemons()
        // 240 epochs in 30 s: dpcd dies after 6 s and is back 3 s later; gatewayd dies 6 s after that and
        // comes straight back to the same spool.
        let sim = try js.simulate(minutes: 4, speed: 8)
        defer { sim.stop() }
        sleep(6)
        try js.restartDPC(0, after: 3)
        sleep(6)
        try js.restartGateway(0)
        #expect(sim.wait(seconds: 60) == 0, "\(sim.output)")
        let last = try js.drained()
        let spooled = last["js-a"] ?? 0
        #expect(spooled > 150, "most of the 240 epochs spooled")

        let stored = try js.expectEveryRecordOnce(last)
        #expect(js.dpcd[0].output.contains("JetStream consumer"), "\(js.dpcd[0].output)")
        let dpcMetrics = httpGet(port: js.dpcs[0].metrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_jetstream_up") == 1, "\(dpcMetrics)")
        #expect(metric(dpcMetrics, "dpc_jetstream_rejected_total") == 0)
        let gatewayMetrics = httpGet(port: js.gateways[0].metrics, path: "/metrics") ?? ""
        #expect(metric(gatewayMetrics, "gateway_dpc_link_up") == 1)
        print("single node: \(spooled) records spooled, \(stored["dpc-a"] ?? 0) stored; "
              + "duplicates dropped by the restarted dpcd: \(Int(metric(dpcMetrics, "dpc_records_duplicate_total") ?? 0))")
    }

    @Test("three-node cluster, three gateways of 20 stations, two dpcd: a server, then a gateway, then a dpcd killed with -9 mid-stream; each store holds every record of every gateway once, in order")
    func fullScale() throws {
        let js = try JetStreamDeployment("jetstream-cluster", gateways: 3, stations: 20, dpcs: 2)
        defer { js.stop() }
        try js.startCluster()
        try js.startDaemons()
        let started = Date()
        // 240 epochs of 60 stations in 60 s (240 records a second): the node the first gateway publishes to dies
        // after 10 s, the second gateway 10 s later (straight back on its spool), the first dpcd 10 s after that
        // (back 2 s later).
        let sim = try js.simulate(minutes: 4, speed: 4)
        defer { sim.stop() }
        sleep(10)
        let server = js.publishingNode(of: 0) ?? js.natsPorts[0]
        js.killNode(port: server)
        sleep(10)
        try js.restartGateway(1)
        sleep(10)
        try js.restartDPC(0, after: 2)
        #expect(sim.wait(seconds: 120) == 0, "\(sim.output)")

        let last = try js.drained()
        for g in js.gateways {
            #expect(last[g.id] ?? 0 > 20 * 200, "\(g.id): most of 20 stations × 240 epochs spooled")
        }
        let stored = try js.expectEveryRecordOnce(last)
        print("cluster of 3, 3 gateways × 20 stations, node \(server) killed, js-b and dpc-a killed and restarted: "
              + js.gateways.map { "\($0.id) \(last[$0.id] ?? 0) records" }.joined(separator: ", ")
              + "; stored \(js.dpcs.map { "\($0.durable) \(stored[$0.durable] ?? 0)" }.joined(separator: ", ")), each once, in order; "
              + String(format: "%.0f s from the first epoch", Date().timeIntervalSince(started)))
    }

    /// Seconds the whole cluster stays down in `outage` (`JETSTREAM_OUTAGE_SECONDS`, 20 unless set).
    static let outageSeconds = JetStreamDeployment.setting("JETSTREAM_OUTAGE_SECONDS", 20)

    @Test("the whole three-node cluster down mid-stream (JETSTREAM_OUTAGE_SECONDS, 20 s unless set): three gateways of 20 stations spool, then deliver everything in order when it returns")
    func outage() throws {
        let seconds = Self.outageSeconds
        let js = try JetStreamDeployment("jetstream-outage", gateways: 3, stations: 20, dpcs: 2)
        defer { js.stop() }
        try js.startCluster()
        try js.startDaemons()
        // 60 stations at twice real time (120 records a second) from 10 s before the outage to 30 s after it.
        let speed = 2.0
        let sim = try js.simulate(minutes: (seconds + 40) * speed / 60, speed: speed)
        defer { sim.stop() }
        sleep(10)
        js.killCluster()
        let outageStart = Date()
        let atKill = js.forwarders()
        // A gateway counts a batch's acknowledgements when the batch ends: for the one in flight at the kill, once
        // its publish has failed (5 s at most).
        sleep(min(6, UInt32(seconds / 2)))
        let down = js.forwarders()
        while Date().timeIntervalSince(outageStart) < seconds { usleep(200_000) }
        let during = js.forwarders()
        let spooled = zip(atKill, during).map { ($1?.last ?? 0) - ($0?.last ?? 0) }
        let waiting = during.map { $0?.pending ?? 0 }
        for (g, (before, after)) in zip(js.gateways, zip(down, during)) {
            #expect((after?.pending ?? 0) > Int(seconds * speed * 10), "\(g.id): records wait in the spool: \(String(describing: after))")
            #expect(after?.acked == before?.acked, "\(g.id): nothing acknowledged while the cluster is down")
        }
        try js.startCluster()
        let back = Date()
        // The backlog is delivered once each gateway has had acknowledged what it had spooled when the cluster came back.
        let backlog = during.map { $0?.last ?? 0 }
        var caughtUp: Double?
        #expect(eventually(seconds: 60 + seconds) {
            usleep(200_000)
            let now = js.forwarders()
            return zip(now, backlog).allSatisfy { ($0.0?.acked ?? 0) >= $0.1 }
        }, "backlog of \(backlog) not delivered: \(js.forwarders())")
        caughtUp = Date().timeIntervalSince(back)
        #expect(sim.wait(seconds: 120 + seconds) == 0, "\(sim.output)")

        let last = try js.drained()
        let stored = try js.expectEveryRecordOnce(last)
        for (d, process) in zip(js.dpcs, js.dpcd) {
            // The client notices the outage and reconnects by itself, or a request times out first and the intake
            // connects again from scratch.
            #expect(process.output.contains("JetStream connection lost") || process.output.contains("JetStream intake down"),
                    "\(d.durable): \(process.output)")
            let metrics = httpGet(port: d.metrics, path: "/metrics") ?? ""
            #expect(metric(metrics, "dpc_jetstream_up") == 1, "\(metrics)")
        }
        for process in js.gatewayd {
            #expect(["JetStream publish not acknowledged", "JetStream connection lost", "JetStream link down"].contains { process.output.contains($0) },
                    "\(process.output)")
        }
        let duplicates = js.dpcs.map { Int(metric(httpGet(port: $0.metrics, path: "/metrics") ?? "", "dpc_records_duplicate_total") ?? 0) }
        print(String(format: "whole cluster down %.0f s: ", seconds)
              + "spooled meanwhile \(spooled.map(String.init).joined(separator: " + ")) = \(spooled.reduce(0, +)) records "
              + "(\(waiting.reduce(0, +)) waiting at the restart); "
              + String(format: "backlog delivered %.1f s after the cluster's restart; ", caughtUp ?? -1)
              + js.gateways.map { "\($0.id) \(last[$0.id] ?? 0)" }.joined(separator: ", ") + " records in all; "
              + "stored \(js.dpcs.map { "\($0.durable) \(stored[$0.durable] ?? 0)" }.joined(separator: ", ")), each once, in order; "
              + "duplicates dropped by the stores \(duplicates)")
    }

    @Test("the spool restored from an older copy after its records reached the stream: a new generation, nothing dropped")
    func spoolRestoredFromOlderCopy() throws {
        let ports = Ports(nats: 14281, dpcMetrics: 9681, gatewayMetrics: 9682, udp: 5281)
        let dir = Self.prepare("jetstream-restored-spool", ports)
        let nats = try NATSServerProcess(port: ports.nats, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }
        var gatewayd: DaemonProcess?
        defer { gatewayd?.stop() }
        /// Runs the gateway over 30 s of simulated epochs from `start`, until everything is acknowledged.
        func run(_ part: Int, start: String) throws -> Int {
            let g = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir, logName: "gatewayd-\(part)")
            gatewayd = g
            #expect(SequenceRecoveryTests.ready(dir), "\(g.output)")
            let sim = try DaemonProcess("gnss-sim", ["stream", "--station", "REF@47.0,11.0,600", "--no-leo", "--minutes", "0.5", "--speed", "10",
                                                     "--start", start, "--to", "REF=127.0.0.1:\(ports.udp)"], directory: dir, logName: "gnss-sim-\(part)")
            #expect(sim.wait(seconds: 30) == 0, "\(sim.output)")
            let state = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "\(g.output)")
            g.stop()
            return state.last
        }
        let spool = dir + "/gateway-state/spool"
        let first = try run(1, start: "2020-06-25T06:00:00")
        try FileManager.default.copyItem(atPath: spool, toPath: dir + "/spool-copy")
        let second = try run(2, start: "2020-06-25T06:30:00")
        #expect(second > first)
        // The spool comes back from the copy: same generation, numbers already used for the second part's records.
        try FileManager.default.removeItem(atPath: spool)
        try FileManager.default.moveItem(atPath: dir + "/spool-copy", toPath: spool)
        let third = try run(3, start: "2020-06-25T07:00:00")
        let log = gatewayd?.output ?? ""
        #expect(log.contains("starting a new generation"), "\(log)")

        #expect(eventually(seconds: 20) { Self.stored(dir).values.reduce(0) { $0 + $1.count } >= second + third - first })
        let stored = Self.stored(dir)
        #expect(stored.count == 2, "two generations: \(stored.keys)")
        let old = stored.values.first { $0.count == second } ?? []
        let new = stored.values.first { $0.count != second } ?? []
        #expect(old == Array(1...second), "the first two parts' records under the spool's first generation")
        #expect(new == Array((first + 1)...third), "the third part's, numbered on from the restored spool under a new generation")
        let times = Set(((try? dump(store: "dpc-store", directory: dir)) ?? []).compactMap { $0["time"] as? String })
        #expect(times.count == old.count + new.count, "each epoch once")
        print("spool restored: \(first) records when copied, \(second) stored under the first generation, "
              + "\(new.count) under the new one from \(first + 1)")
    }

    @Test("a stream of the name set up otherwise, wrong credentials: the gateway says which, at start")
    func refusedSetups() async throws {
        let ports = Ports(nats: 14271, dpcMetrics: 9671, gatewayMetrics: 9672, udp: 5271)
        let dir = Self.prepare("jetstream-refused", ports)
        let nats = try NATSServerProcess(port: ports.nats, directory: dir, storage: dir + "/nats")
        #expect(nats.ready(), "\(nats.output)")
        let connection = try await JetStreamConnection.connect(servers: ["nats://127.0.0.1:\(ports.nats)"], name: "test")
        _ = try await connection.ensure(StreamDefinition(name: "GNSS_TEST", subjects: ["elsewhere.>"], replicas: 1, maxBytes: 1 << 20))
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        #expect(eventually(seconds: 10) { gatewayd.output.contains("JetStream stream refused: stream GNSS_TEST exists with other settings") },
                "\(gatewayd.output)")
        #expect(gatewayd.output.contains("subjects elsewhere.>") && gatewayd.output.contains("needs subjects gnss.records.>"), "\(gatewayd.output)")
        gatewayd.stop()
        nats.stop()

        let guarded = try NATSServerProcess(port: ports.nats, directory: dir,
                                            arguments: ["-js", "-a", "127.0.0.1", "-p", "\(ports.nats)", "-sd", dir + "/nats-2",
                                                        "--user", "gateway", "--pass", "right"], logName: "nats-guarded")
        defer { guarded.stop() }
        #expect(guarded.ready(), "\(guarded.output)")
        let text = try String(contentsOfFile: dir + "/gateway.yaml", encoding: .utf8)
            .replacingOccurrences(of: "nats://127.0.0.1:", with: "nats://gateway:wrong@127.0.0.1:")
        _ = FileManager.default.createFile(atPath: dir + "/wrong.yaml", contents: Data(text.utf8))
        let wrong = try DaemonProcess("gatewayd", ["run", "--config", "wrong.yaml"], directory: dir, logName: "gatewayd-wrong")
        defer { wrong.stop() }
        #expect(eventually(seconds: 10) { wrong.output.contains("JetStream servers refused the credentials") }, "\(wrong.output)")
        #expect(!wrong.output.contains("wrong@") && wrong.output.contains("nats://gateway:***@127.0.0.1:\(ports.nats)"), "\(wrong.output)")
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
