import Foundation
import Gateway
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// gatewayd → JetStream → dpcd on loopback, with real processes in one working directory: a `nats-server` cluster,
/// gateways each with simulated reference stations (one `gnss-sim` feeds them all over UDP) and dpcd processes each
/// on a durable consumer of its own. Every port is a free one. Processes are killed with -9 and started again
/// here, and `expectEveryRecordOnce` checks each store against what the gateways spooled.
final class JetStreamDeployment {
    struct GatewaySetup {
        let id: String
        let metrics: Int
        let stations: [(name: String, port: Int)]
        var socket: String { "\(id).sock" }
    }

    struct DPCSetup {
        let durable: String
        let metrics: Int
        var store: String { "store-\(durable)" }
    }

    let dir: String
    let natsPorts: [Int]
    let routePorts: [Int]
    let gateways: [GatewaySetup]
    let dpcs: [DPCSetup]
    private(set) var nodes: [NATSServerProcess] = []
    private(set) var gatewayd: [DaemonProcess] = []
    private(set) var dpcd: [DaemonProcess] = []

    var servers: String { natsPorts.map { "nats://127.0.0.1:\($0)" }.joined(separator: ", ") }

    /// Writes the configurations: `nodes` cluster nodes (one node runs without a cluster block), `gateways` gateways
    /// `js-a`, `js-b`, … of `stations` reference stations each, `dpcs` dpcd processes `dpc-a`, `dpc-b`, …; the stream
    /// keeps each record on every node.
    init(_ name: String, nodes nodeCount: Int = 3, gateways gatewayCount: Int, stations: Int, dpcs dpcCount: Int) throws {
        dir = makeWorkDirectory(name)
        natsPorts = try (0..<nodeCount).map { _ in try StationSourceInteropTests.freePort() }
        routePorts = try (0..<nodeCount).map { _ in try StationSourceInteropTests.freePort() }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        gateways = try (0..<gatewayCount).map { g in
            let id = "js-\(letters[g])"
            return GatewaySetup(id: id, metrics: try StationSourceInteropTests.freePort(), stations: try (0..<stations).map { s in
                (name: "JS\(letters[g].uppercased())\(s < 10 ? "0" : "")\(s)", port: try Demo.freeUDPPort())
            })
        }
        dpcs = try (0..<dpcCount).map { DPCSetup(durable: "dpc-\(letters[$0])", metrics: try StationSourceInteropTests.freePort()) }
        for g in gateways {
            write(g.id + ".yaml", JetStreamDeliveryTests.gatewayConfiguration(
                id: g.id, socket: g.socket, metrics: g.metrics, state: "state-\(g.id)", servers: servers, replicas: nodeCount,
                stations: g.stations))
        }
        for d in dpcs {
            write(d.durable + ".yaml", JetStreamDeliveryTests.dpcConfiguration(
                store: d.store, metrics: d.metrics, servers: servers, replicas: nodeCount, durable: d.durable))
        }
        for (i, port) in natsPorts.enumerated() {
            let routes = routePorts.filter { $0 != routePorts[i] }.map { "nats-route://127.0.0.1:\($0)" }.joined(separator: ", ")
            write("nats-\(i + 1).conf", """
                server_name: node-\(i + 1)
                listen: 127.0.0.1:\(port)
                jetstream { store_dir: "./nats-\(i + 1)" }
                \(nodeCount > 1 ? "cluster { name: test, listen: 127.0.0.1:\(routePorts[i]), routes: [\(routes)] }" : "")

                """)
        }
    }

    private func write(_ file: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: dir + "/" + file, contents: Data(text.utf8))
    }

    /// A log name for a process's next start: `name` the first time, then `name-2`, `name-3`, ….
    private var started: [String: Int] = [:]
    private func logName(_ name: String) -> String {
        started[name, default: 0] += 1
        return started[name] == 1 ? name : "\(name)-\(started[name] ?? 0)"
    }

    /// Starts every node (again, from its storage, after `killCluster`) and waits for their client ports.
    func startCluster() throws {
        nodes = try natsPorts.indices.map { i in
            try NATSServerProcess(port: natsPorts[i], directory: dir, arguments: ["-c", dir + "/nats-\(i + 1).conf"], logName: logName("nats-\(i + 1)"))
        }
        for n in nodes { #expect(n.ready(), "\(n.output)") }
    }

    func killCluster() {
        for n in nodes { n.kill9() }
    }

    /// Starts the dpcd processes, then the gateways, and waits until every gateway is ready and on JetStream.
    func startDaemons() throws {
        dpcd = try dpcs.map { try DaemonProcess("dpcd", ["--config", "\($0.durable).yaml"], directory: dir, logName: logName($0.durable)) }
        gatewayd = try gateways.map { try DaemonProcess("gatewayd", ["run", "--config", "\($0.id).yaml"], directory: dir, logName: logName($0.id)) }
        for (g, process) in zip(gateways, gatewayd) {
            #expect(eventually(seconds: 30) { (try? control(g.socket, ["status"], directory: dir))?["ready"] as? Bool == true }, "\(process.output)")
        }
        #expect(eventually(seconds: 30) { gatewayd.allSatisfy { $0.output.contains("JetStream up") } }, "\(gatewayd.map(\.output))")
        #expect(eventually(seconds: 30) { dpcs.allSatisfy { metric(httpGet(port: $0.metrics, path: "/metrics") ?? "", "dpc_jetstream_up") == 1 } },
                "\(dpcd.map(\.output))")
    }

    /// One `gnss-sim` streaming `minutes` of 1 Hz epochs of every station, `speed` times real time.
    func simulate(minutes: Double, speed: Double) throws -> DaemonProcess {
        let stations = gateways.enumerated().flatMap { g, gateway in
            gateway.stations.enumerated().flatMap { s, station in
                ["--station", "\(station.name)@\(46 + Double(g)),\(8 + Double(s) * 0.2),600", "--to", "\(station.name)=127.0.0.1:\(station.port)"]
            }
        }
        return try DaemonProcess("gnss-sim", ["stream", "--no-leo", "--minutes", "\(minutes)", "--speed", "\(speed)"] + stations,
                                 directory: dir, logName: logName("gnss-sim"))
    }

    /// The client port of the node gateway `index` last said it publishes to.
    func publishingNode(of index: Int) -> Int? {
        gatewayd[index].output.split(separator: "\n").last { $0.contains("JetStream up") }
            .flatMap { line in natsPorts.first { line.contains("server=nats://127.0.0.1:\($0)") } }
    }

    func killNode(port: Int) {
        nodes.first { $0.port == port }?.kill9()
    }

    /// Kills gateway `index` with -9, starts it again at once on the same spool and waits until it is ready.
    func restartGateway(_ index: Int) throws {
        gatewayd[index].signal(SIGKILL)
        gatewayd[index].wait()
        let g = gateways[index]
        let process = try DaemonProcess("gatewayd", ["run", "--config", "\(g.id).yaml"], directory: dir, logName: logName(g.id))
        gatewayd[index] = process
        #expect(eventually(seconds: 30) { (try? control(g.socket, ["status"], directory: dir))?["ready"] as? Bool == true }, "\(process.output)")
    }

    /// Kills dpcd `index` with -9 and starts it again `after` seconds later, on the same store and consumer.
    func restartDPC(_ index: Int, after: UInt32) throws {
        dpcd[index].signal(SIGKILL)
        dpcd[index].wait()
        sleep(after)
        let d = dpcs[index]
        dpcd[index] = try DaemonProcess("dpcd", ["--config", "\(d.durable).yaml"], directory: dir, logName: logName(d.durable))
    }

    /// Each gateway's forwarder, from its control socket.
    func forwarders() -> [(acked: Int, pending: Int, last: Int)?] {
        gateways.map { SequenceRecoveryTests.forwarder(dir, socket: $0.socket) }
    }

    /// Each gateway's last spooled sequence once it spools no more and has had all of it acknowledged.
    func drained(seconds: Double = 60) throws -> [String: Int] {
        var last: [String: Int] = [:]
        for (g, process) in zip(gateways, gatewayd) {
            let state = try #require(SequenceRecoveryTests.quiet(dir, socket: g.socket, acknowledged: true, seconds: seconds),
                                     "\(g.id) did not drain: \(process.output.suffix(2000))")
            last[g.id] = state.last
        }
        return last
    }

    /// Checks that each store holds records 1...`last[gateway]` of one generation of every gateway, each once and
    /// in order, and each station's epoch once. Returns the records each store holds.
    @discardableResult
    func expectEveryRecordOnce(_ last: [String: Int], seconds: Double = 60) throws -> [String: Int] {
        let expected = last.values.reduce(0, +)
        var counts: [String: Int] = [:]
        for (d, process) in zip(dpcs, dpcd) {
            var records: [[String: Any]] = []
            #expect(eventually(seconds: seconds) {
                records = (try? dump(store: d.store, directory: dir)) ?? []
                if records.count < expected { sleep(1) }
                return records.count >= expected
            }, "\(d.durable): \(records.count) of \(expected) stored; \(process.output.suffix(2000))")
            counts[d.durable] = records.count
            let byGateway = Dictionary(grouping: records) { $0["gateway"] as? String ?? "?" }
            #expect(Set(byGateway.keys) == Set(gateways.map(\.id)), "\(d.durable)")
            for g in gateways {
                let list = byGateway[g.id] ?? []
                #expect(Set(list.compactMap { $0["generation"] as? String }).count == 1, "\(d.durable) \(g.id): one generation")
                let sequences = list.compactMap { $0["sequence"] as? Int }
                #expect(sequences == Array(1...max(1, last[g.id] ?? 1)),
                        "\(d.durable) \(g.id): \(sequences.count) stored (\(Set(sequences).count) distinct) of \(last[g.id] ?? 0)")
                let epochs = Set(list.map { "\($0["station"] as? String ?? "?") \($0["time"] as? String ?? "?")" })
                #expect(epochs.count == list.count, "\(d.durable) \(g.id): each station's epoch once")
            }
        }
        return counts
    }

    func stop() {
        for g in gatewayd { g.stop() }
        for d in dpcd { d.stop() }
        for n in nodes { n.stop() }
    }

    deinit { stop() }
}

extension JetStreamDeployment {
    /// An environment variable as a number, or `otherwise`.
    static func setting(_ name: String, _ otherwise: Double) -> Double {
        ProcessInfo.processInfo.environment[name].flatMap(Double.init) ?? otherwise
    }
}
