import Foundation
import JetStream
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// gatewayd → JetStream → dpcd with real processes: `nats-server` (one node, or a three-node cluster) started
/// here, gateways fed simulated reference stations over UDP and dpcd processes each on a durable consumer of
/// its own; servers and daemons are killed with -9 mid-stream and the daemons restarted, and every record a
/// gateway spooled must be in each store once, with contiguous sequences.
@Suite("Records over NATS JetStream", .serialized, .enabled(if: NATSServerProcess.available, "nats-server is not on PATH (apt-get install nats-server)"))
struct JetStreamDeliveryTests {
    struct Ports {
        var nats: Int, dpcMetrics: Int, gatewayMetrics: Int, udp: Int
    }

    static func prepare(_ name: String, _ ports: Ports, natsPorts: [Int]? = nil, replicas: Int = 1) -> String {
        let dir = makeWorkDirectory(name)
        let servers = (natsPorts ?? [ports.nats]).map { "nats://127.0.0.1:\($0)" }.joined(separator: ", ")
        let gateway = """
            gateway_id: js-test
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(ports.gatewayMetrics)
            state_directory: ./gateway-state
            dpc:
              transport: jetstream
              servers: [\(servers)]
              stream: GNSS_TEST
              replicas: \(replicas)
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
              servers: [\(servers)]
              stream: GNSS_TEST
              replicas: \(replicas)
              durable: dpc-a
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(gateway.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(dpc.utf8))
        return dir
    }

    /// A simulated reference station streaming `minutes` of 1 Hz epochs to `port`, `speed` times real time.
    static func simulate(minutes: Double, speed: Double, port: Int, directory: String) throws -> DaemonProcess {
        try DaemonProcess("gnss-sim", ["stream", "--station", "REF@47.0,11.0,600", "--no-leo", "--minutes", "\(minutes)",
                                       "--speed", "\(speed)", "--to", "REF=127.0.0.1:\(port)"], directory: directory)
    }

    /// A three-node cluster on loopback, client ports `ports`, cluster ports 2000 above them.
    static func cluster(_ ports: [Int], directory: String) throws -> [NATSServerProcess] {
        try ports.enumerated().map { index, port in
            let routes = ports.filter { $0 != port }.map { "nats-route://127.0.0.1:\($0 + 2000)" }.joined(separator: ", ")
            let config = """
                server_name: node-\(index + 1)
                listen: 127.0.0.1:\(port)
                jetstream { store_dir: "./nats-\(index + 1)" }
                cluster { name: test, listen: 127.0.0.1:\(port + 2000), routes: [\(routes)] }

                """
            let file = directory + "/nats-\(index + 1).conf"
            _ = FileManager.default.createFile(atPath: file, contents: Data(config.utf8))
            return try NATSServerProcess(port: port, directory: directory, arguments: ["-c", file], logName: "nats-\(index + 1)")
        }
    }

    /// Checks that the store holds the gateway's records 1...`last` of one generation, each once, in order.
    static func expectEveryRecordOnce(_ dir: String, last: Int, _ dpcd: DaemonProcess) -> [Int] {
        #expect(eventually(seconds: 30) { Self.stored(dir).values.first?.count ?? 0 >= last }, "\(dpcd.output)")
        let stored = Self.stored(dir)
        #expect(stored.count == 1, "one generation: \(stored.keys)")
        let sequences = stored.values.first ?? []
        #expect(sequences == Array(1...last), "stored \(sequences.count) records, spooled \(last); \(Set(sequences).count) distinct")
        return sequences
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
        let nats = try NATSServerProcess(port: ports.nats, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")

        var dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }
        var gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")

        // 240 epochs in 30 s: dpcd dies after 6 s and is back 3 s later; gatewayd dies 6 s after that and
        // comes straight back to the same spool.
        let sim = try Self.simulate(minutes: 4, speed: 8, port: ports.udp, directory: dir)
        defer { sim.stop() }
        sleep(6)
        dpcd.signal(SIGKILL)
        dpcd.wait()
        sleep(3)
        dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir, logName: "dpcd-2")
        sleep(6)
        gatewayd.signal(SIGKILL)
        gatewayd.wait()
        gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir, logName: "gatewayd-2")
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")
        #expect(sim.wait(seconds: 60) == 0, "\(sim.output)")
        let final = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        #expect(final.last > 150, "most of the 240 epochs spooled")

        let sequences = Self.expectEveryRecordOnce(dir, last: final.last, dpcd)
        #expect(dpcd.output.contains("JetStream consumer"), "\(dpcd.output)")
        let dpcMetrics = httpGet(port: ports.dpcMetrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_jetstream_up") == 1, "\(dpcMetrics)")
        #expect(metric(dpcMetrics, "dpc_jetstream_rejected_total") == 0)
        let gatewayMetrics = httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? ""
        #expect(metric(gatewayMetrics, "gateway_dpc_link_up") == 1)
        print("single node: \(final.last) records spooled, \(sequences.count) stored; "
              + "duplicates dropped by the restarted dpcd: \(Int(metric(dpcMetrics, "dpc_records_duplicate_total") ?? 0))")
    }

    /// A gateway's forwarder as its control socket `socket` reports it.
    static func forwarder(_ dir: String, socket: String) -> (acked: Int, pending: Int, last: Int)? {
        guard let f = (try? control(socket, ["status"], directory: dir))?["forwarder"] as? [String: Any],
              let a = f["acked"] as? Int, let p = f["pending"] as? Int, let l = f["last_sequence"] as? Int else { return nil }
        return (a, p, l)
    }

    /// Waits until the gateway behind `socket` has had everything it spooled acknowledged and spools no more.
    static func drained(_ dir: String, socket: String) -> Int? {
        var previous = -1, still = 0, last: Int?
        let ok = eventually(seconds: 60) {
            usleep(300_000)
            guard let f = forwarder(dir, socket: socket) else { return false }
            still = f.last == previous && f.last > 0 ? still + 1 : 0
            previous = f.last
            last = f.last
            return still >= 3 && f.pending == 0 && f.acked == f.last
        }
        return ok ? last : nil
    }

    @Test("three-node cluster, two gateways of two stations, two dpcd: a server, a dpcd and a gateway killed with -9 mid-stream; each store holds every record once, in order")
    func clusterNodeKilled() throws {
        let natsPorts = [14251, 14252, 14253]
        let dir = makeWorkDirectory("jetstream-cluster")
        let servers = natsPorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ", ")
        let gateways = [(id: "js-a", metrics: 9652, udp: [5251, 5252]), (id: "js-b", metrics: 9653, udp: [5253, 5254])]
        for g in gateways {
            let stations = g.udp.enumerated().map { i, port in
                "  - name: \(g.id.uppercased().replacingOccurrences(of: "-", with: ""))\(i)\n    listen: 127.0.0.1:\(port)\n    role: reference\n    processing: none"
            }.joined(separator: "\n")
            let text = """
                gateway_id: \(g.id)
                control_socket: ./\(g.id).sock
                metrics: 127.0.0.1:\(g.metrics)
                state_directory: ./state-\(g.id)
                dpc:
                  transport: jetstream
                  servers: [\(servers)]
                  stream: GNSS_TEST
                  replicas: 3
                stations:
                \(stations)

                """
            _ = FileManager.default.createFile(atPath: dir + "/\(g.id).yaml", contents: Data(text.utf8))
        }
        let dpcs = [(durable: "dpc-a", metrics: 9654), (durable: "dpc-b", metrics: 9655)]
        for d in dpcs {
            let text = """
                store: ./store-\(d.durable)
                metrics: 127.0.0.1:\(d.metrics)
                jetstream:
                  servers: [\(servers)]
                  stream: GNSS_TEST
                  replicas: 3
                  durable: \(d.durable)

                """
            _ = FileManager.default.createFile(atPath: dir + "/\(d.durable).yaml", contents: Data(text.utf8))
        }
        let nodes = try Self.cluster(natsPorts, directory: dir)
        defer { for n in nodes { n.stop() } }
        for n in nodes { #expect(n.ready(), "\(n.output)") }

        var dpcd = try dpcs.map { try DaemonProcess("dpcd", ["--config", "\($0.durable).yaml"], directory: dir, logName: $0.durable) }
        defer { for d in dpcd { d.stop() } }
        var gatewayd = try gateways.map { try DaemonProcess("gatewayd", ["run", "--config", "\($0.id).yaml"], directory: dir, logName: $0.id) }
        defer { for g in gatewayd { g.stop() } }
        for (g, process) in zip(gateways, gatewayd) {
            #expect(eventually(seconds: 30) { (try? control("\(g.id).sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "\(process.output)")
        }
        #expect(eventually(seconds: 30) { gatewayd.allSatisfy { $0.output.contains("JetStream up") } }, "\(gatewayd.map(\.output))")

        let stationArguments = gateways.flatMap { g in
            g.udp.enumerated().flatMap { i, port in
                let name = "\(g.id.uppercased().replacingOccurrences(of: "-", with: ""))\(i)"
                return ["--station", "\(name)@\(47 + Double(port - 5250) * 0.1),11.0,600", "--to", "\(name)=127.0.0.1:\(port)"]
            }
        }
        let sim = try DaemonProcess("gnss-sim", ["stream", "--no-leo", "--minutes", "4", "--speed", "8"] + stationArguments, directory: dir)
        defer { sim.stop() }
        sleep(6)
        // The node the first gateway publishes to dies first.
        let server = gatewayd[0].output.split(separator: "\n").last { $0.contains("JetStream up") }
            .flatMap { line in natsPorts.first { line.contains("server=nats://127.0.0.1:\($0)") } } ?? natsPorts[0]
        let victim = try #require(nodes.first { $0.port == server })
        victim.kill9()
        sleep(5)
        dpcd[0].signal(SIGKILL)
        dpcd[0].wait()
        sleep(2)
        dpcd[0] = try DaemonProcess("dpcd", ["--config", "dpc-a.yaml"], directory: dir, logName: "dpc-a-2")
        sleep(5)
        gatewayd[1].signal(SIGKILL)
        gatewayd[1].wait()
        gatewayd[1] = try DaemonProcess("gatewayd", ["run", "--config", "js-b.yaml"], directory: dir, logName: "js-b-2")
        #expect(sim.wait(seconds: 90) == 0, "\(sim.output)")

        var last: [String: Int] = [:]
        for g in gateways {
            let spooled = try #require(Self.drained(dir, socket: "\(g.id).sock"), "\(g.id) did not drain")
            last[g.id] = spooled
            #expect(spooled > 300, "\(g.id): most of 2 stations × 240 epochs spooled")
        }
        for d in dpcs {
            let expected = last.values.reduce(0, +)
            #expect(eventually(seconds: 30) { ((try? dump(store: "store-\(d.durable)", directory: dir)) ?? []).count >= expected },
                    "\(d.durable): \(dpcd.map(\.output))")
            let records = try dump(store: "store-\(d.durable)", directory: dir)
            let byGateway = Dictionary(grouping: records) { $0["gateway"] as? String ?? "?" }
            #expect(Set(byGateway.keys) == Set(gateways.map(\.id)), "\(d.durable)")
            for g in gateways {
                let list = byGateway[g.id] ?? []
                #expect(Set(list.compactMap { $0["generation"] as? String }).count == 1, "\(d.durable) \(g.id): one generation")
                #expect(list.compactMap { $0["sequence"] as? Int } == Array(1...(last[g.id] ?? 1)),
                        "\(d.durable) \(g.id): \(list.count) stored of \(last[g.id] ?? 0)")
            }
        }
        print("cluster, node \(server) killed, dpc-a and js-b killed and restarted: "
              + gateways.map { "\($0.id) \(last[$0.id] ?? 0) records" }.joined(separator: ", ")
              + "; each of \(dpcs.map(\.durable).joined(separator: " and ")) stored every one once, in order")
    }

    @Test("the server down for 20 s mid-stream: the gateway spools, then delivers everything in order when it returns")
    func outage() throws {
        let ports = Ports(nats: 14261, dpcMetrics: 9661, gatewayMetrics: 9662, udp: 5261)
        let dir = Self.prepare("jetstream-outage", ports)
        var nats = try NATSServerProcess(port: ports.nats, directory: dir, storage: dir + "/nats")
        defer { nats.stop() }
        #expect(nats.ready(), "\(nats.output)")
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")

        let sim = try Self.simulate(minutes: 5, speed: 8, port: ports.udp, directory: dir)
        defer { sim.stop() }
        sleep(5)
        nats.kill9()
        let down = SequenceRecoveryTests.forwarder(dir)
        sleep(20)
        let during = SequenceRecoveryTests.forwarder(dir)
        #expect((during?.pending ?? 0) > 100, "records wait in the spool: \(String(describing: during))")
        // At most the publish in flight at the kill is counted after it.
        #expect((during?.acked ?? .max) <= (down?.acked ?? 0) + 1, "nothing acknowledged while the server is down")
        nats = try NATSServerProcess(port: ports.nats, directory: dir, arguments: ["-js", "-a", "127.0.0.1", "-p", "\(ports.nats)", "-sd", dir + "/nats"],
                                     logName: "nats-2")
        #expect(nats.ready(), "\(nats.output)")
        #expect(sim.wait(seconds: 60) == 0, "\(sim.output)")
        let final = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        let sequences = Self.expectEveryRecordOnce(dir, last: final.last, dpcd)
        #expect(dpcd.output.contains("JetStream connection lost") && dpcd.output.contains("JetStream connection back"), "\(dpcd.output)")
        #expect(gatewayd.output.contains("JetStream publish not acknowledged") || gatewayd.output.contains("JetStream connection lost"),
                "\(gatewayd.output)")
        let dpcMetrics = httpGet(port: ports.dpcMetrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_jetstream_up") == 1, "\(dpcMetrics)")
        print("outage: \(during?.pending ?? 0) records spooled while the server was down; \(final.last) in all, \(sequences.count) stored")
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
