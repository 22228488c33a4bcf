import DaemonSupport
import Foundation
import Testing
@testable import Gateway

/// What the gateway's configuration warns of (it works, but an operator would want to know), each at its line,
/// beside the problems that stop it, and the UDP receive buffer setting.
@Suite struct ConfigurationWarningTests {
    static let key = "3f8a1c5e9b27d04f6a1e8c3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f"

    static func configuration(metrics: String, dpc: String, extra: String = "") -> String {
        """
        gateway_id: g
        metrics: \(metrics)
        \(extra)
        dpc:
          address: 127.0.0.1:7001
          \(dpc)
        stations:
          - name: A
            listen: 0.0.0.0:5001
        """
    }

    @Test("metrics on all interfaces is a warning at its line, the configuration still usable")
    func metricsOnAllInterfaces() throws {
        for metrics in ["0.0.0.0:9464", "'[::]:9464'", "\n  listen: 0.0.0.0:9464"] {
            let outcome = ConfigurationLoader.parse(Self.configuration(metrics: metrics, dpc: "key: \(Self.key)"), file: "g.yaml")
            #expect(outcome.configuration != nil, "\(outcome.problems)")
            let line = metrics.hasPrefix("\n") ? 3 : 2
            #expect(outcome.warnings.map(\.description).contains { $0.hasPrefix("g.yaml:\(line): warning: metrics") && $0.contains("all interfaces") },
                    "\(outcome.warnings)")
        }
        let local = ConfigurationLoader.parse(Self.configuration(metrics: "127.0.0.1:9464", dpc: "key: \(Self.key)"), file: "g.yaml")
        #expect(local.warnings.isEmpty, "a station on 0.0.0.0 is what receiving from remote stations takes: \(local.warnings)")
    }

    @Test("dpc.key_file: readable by others is a problem at its line; group-writable a warning; unreadable here a warning")
    func keyFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = dir + "/dpc.key"
        _ = FileManager.default.createFile(atPath: key, contents: Data((Self.key + "\n").utf8), attributes: [.posixPermissions: 0o644])
        let text = Self.configuration(metrics: "127.0.0.1:9464", dpc: "key_file: \(key)")
        var outcome = ConfigurationLoader.parse(text, file: "g.yaml")
        #expect(outcome.configuration == nil)
        #expect(outcome.problems.map(\.description) == ["g.yaml:6: dpc.key_file: key file \(key) has mode 0644: others can read it; allow only its owner and the daemon's group with: chmod 0640 \(key)"])

        try FileManager.default.setAttributes([.posixPermissions: 0o660], ofItemAtPath: key)
        outcome = ConfigurationLoader.parse(text, file: "g.yaml")
        #expect(outcome.configuration?.dpcKeyFile == key)
        #expect(outcome.warnings.map(\.description).contains { $0.hasPrefix("g.yaml:6: warning: ") && $0.contains("its group can write it") }, "\(outcome.warnings)")

        outcome = ConfigurationLoader.parse(Self.configuration(metrics: "127.0.0.1:9464", dpc: "key_file: \(dir)/missing.key"), file: "g.yaml")
        #expect(outcome.configuration != nil)
        #expect(outcome.warnings.map(\.description).contains { $0.hasPrefix("g.yaml:6: warning: ") && $0.contains("No such file") }, "\(outcome.warnings)")
    }

    @Test("dpc.key inline: all zeros or short is a problem, a short-but-allowed key a warning")
    func inlineKey() throws {
        let zeros = ConfigurationLoader.parse(Self.configuration(metrics: "127.0.0.1:9464", dpc: "key: \(String(repeating: "00", count: 32))"), file: "g.yaml")
        #expect(zeros.problems.map(\.description).contains { $0.hasPrefix("g.yaml:6: dpc.key: the shared key is all zeros") }, "\(zeros.problems)")
        let twenty = String(Self.key.prefix(40))
        let short = ConfigurationLoader.parse(Self.configuration(metrics: "127.0.0.1:9464", dpc: "key: \(twenty)"), file: "g.yaml")
        #expect(short.configuration != nil)
        #expect(short.warnings.map(\.description) == ["g.yaml:6: warning: dpc.key: the shared key is 20 bytes; 32 random bytes are recommended"])
    }

    @Test("udp_receive_buffer: 4 MiB unless given, 64 KiB to 1 GiB")
    func receiveBuffer() throws {
        let plain = ConfigurationLoader.parse(Self.configuration(metrics: "off", dpc: "key: \(Self.key)"), file: "g.yaml")
        #expect(plain.configuration?.udpReceiveBuffer == 4 << 20)
        let set = ConfigurationLoader.parse(Self.configuration(metrics: "off", dpc: "key: \(Self.key)", extra: "udp_receive_buffer: 16777216"), file: "g.yaml")
        #expect(set.configuration?.udpReceiveBuffer == 16 << 20)
        let tiny = ConfigurationLoader.parse(Self.configuration(metrics: "off", dpc: "key: \(Self.key)", extra: "udp_receive_buffer: 1000"), file: "g.yaml")
        #expect(tiny.problems.map(\.description) == ["g.yaml:3: udp_receive_buffer must be a byte count from 64 KiB to 1 GiB"])
    }
}
