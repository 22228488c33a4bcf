import DPC
import Foundation
import Gateway
import Testing
import TestSupport

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
        #expect(gateway?.stations.first?.listen.description == "127.0.0.1:5001")
        #expect(gateway?.dpcAddress?.description == "127.0.0.1:7001" && local?.listen.description == "127.0.0.1:7001")
    }
}
