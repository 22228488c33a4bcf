import DPC
import Foundation
import Gateway
import Testing
import TestSupport
import Yams

@Suite("deploy/ files")
struct DeployTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy").path

    @Test("the systemd units pass systemd-analyze verify")
    func unitsVerify() throws {
        guard SharedData.hasTool("systemd-analyze") else {
            print("skipping the unit check: systemd-analyze is not installed")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.deploy + "/verify-units.sh")
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text)")
        #expect(text.contains("units verified"))
    }

    @Test("the units ask for what the issue of running as a service needs")
    func unitSettings() throws {
        let unit = try String(contentsOfFile: Self.deploy + "/gatewayd.service", encoding: .utf8)
        for setting in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=gatewayd", "RuntimeDirectory=gatewayd",
                        "ConfigurationDirectory=gatewayd", "User=gatewayd", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
                        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service", "CapabilityBoundingSet=\n",
                        "ExecReload=/bin/kill -HUP $MAINPID"] {
            #expect(unit.contains(setting), "gatewayd.service lacks \(setting)")
        }
    }

    @Test("the production and local example configurations are valid")
    func examples() {
        for name in ["gatewayd.yaml", "local.yaml", "simulated.yaml"] {
            let outcome = ConfigurationLoader.load(path: Self.deploy + "/examples/" + name)
            #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        }
        for name in ["dpcd.yaml", "dpcd-local.yaml"] {
            let loaded = DPCConfiguration.load(path: Self.deploy + "/examples/" + name)
            #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        }
        let local = DPCConfiguration.load(path: Self.deploy + "/examples/dpcd-local.yaml").configuration
        let gateway = ConfigurationLoader.load(path: Self.deploy + "/examples/local.yaml").configuration
        #expect(local?.key != nil && local?.key == gateway?.dpcKey, "the local pair shares its key")
        #expect(gateway?.stations.first?.listen?.description == "127.0.0.1:5001")
        #expect(gateway?.dpcAddress?.description == "127.0.0.1:7001" && local?.listen.description == "127.0.0.1:7001")
    }

    @Test("the JetStream example: three cluster nodes on the issue's ports, a gateway and a dpcd on the cluster")
    func jetStreamExample() throws {
        let directory = Self.deploy + "/examples/jetstream/"
        let outcome = ConfigurationLoader.load(path: directory + "gatewayd.yaml")
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        let gateway = try #require(outcome.configuration)
        let servers = ["nats://127.0.0.1:4222", "nats://127.0.0.1:4223", "nats://127.0.0.1:4224"]
        #expect(gateway.dpcAddress == nil)
        #expect(gateway.dpcJetStream?.servers == servers)
        #expect(gateway.dpcJetStream?.replicas == 3)
        #expect(gateway.stations.map(\.name) == ["JS1"])
        #expect(gateway.stations.first?.listen?.description == "127.0.0.1:5101")
        #expect(gateway.stations.first?.role == .reference && gateway.stations.first?.processing == .spp)
        #expect(gateway.metrics?.description == "127.0.0.1:9474")
        #expect(gateway.controlSocket == "./run/gatewayd-js.sock")
        #expect(gateway.stateDirectory == "./state")

        let loaded = DPCConfiguration.load(path: directory + "dpcd.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        let dpc = try #require(loaded.configuration)
        #expect(!dpc.linkEnabled)
        #expect(dpc.store == "./state/dpc-js")
        #expect(dpc.metrics?.description == "127.0.0.1:9475")
        #expect(dpc.jetStream?.servers == servers)
        #expect(dpc.jetStream?.stream == gateway.dpcJetStream?.stream)
        #expect(dpc.jetStream?.subjectPrefix == gateway.dpcJetStream?.subjectPrefix)
        #expect(dpc.jetStream?.replicas == 3)
        #expect(dpc.jetStream?.durable == "dpc-js")

        for n in 1...3 {
            let text = try String(contentsOfFile: directory + "nats-\(n).conf", encoding: .utf8)
            #expect(text.contains("listen: 127.0.0.1:\(4221 + n)"), "nats-\(n).conf")
            #expect(text.contains("listen: 127.0.0.1:\(6221 + n)"), "nats-\(n).conf")
            #expect(text.contains("store_dir: \"./state/nats-\(n)\""), "nats-\(n).conf")
            for m in 1...3 where m != n { #expect(text.contains("nats-route://127.0.0.1:\(6221 + m)"), "nats-\(n).conf") }
        }
    }

    @Test("the JetStream example's cluster nodes are configurations nats-server accepts")
    func jetStreamNodesParse() throws {
        guard let server = NATSServerProcess.executable else {
            print("skipping the nats-server configuration check: nats-server is not on PATH")
            return
        }
        for n in 1...3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: server)
            p.arguments = ["-t", "-c", Self.deploy + "/examples/jetstream/nats-\(n).conf"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "nats-\(n).conf: \(text)")
        }
    }

    /// The alerting rules are a Prometheus rule file (groups of rules, each with an alert name, an expression, a severity
    /// and a summary) and speak only of metrics the README documents for the daemons.
    @Test("the Prometheus alerting rules are well-formed and name documented metrics")
    func alertRules() throws {
        let text = try String(contentsOfFile: Self.deploy + "/prometheus/gnss-gateway-alerts.yml", encoding: .utf8)
        let root = try #require(try Yams.load(yaml: text) as? [String: Any])
        let groups = try #require(root["groups"] as? [[String: Any]])
        var alerts = 0
        for group in groups {
            for rule in group["rules"] as? [[String: Any]] ?? [] {
                alerts += 1
                let name = rule["alert"] as? String ?? "?"
                #expect(!(rule["expr"] as? String ?? "").isEmpty, "\(name) has no expression")
                #expect(["critical", "warning", "info"].contains((rule["labels"] as? [String: Any])?["severity"] as? String ?? ""), "\(name)")
                #expect(((rule["annotations"] as? [String: Any])?["summary"] as? String)?.isEmpty == false, "\(name) has no summary")
            }
        }
        #expect(alerts >= 15)
        let readme = try String(contentsOfFile: Self.deploy + "/../README.md", encoding: .utf8)
        let names = Set(text.matches(of: /\b(?:gateway|dpc)_[a-z_]+/).map { String($0.output) }
            .filter { !["gateway_id"].contains($0) }
            .map { $0.hasSuffix("_bucket") ? String($0.dropLast("_bucket".count)) : $0 })
        #expect(names.count >= 15)
        for name in names.sorted() { #expect(readme.contains("`" + name), "\(name) is not among the README's metrics") }
    }
}
