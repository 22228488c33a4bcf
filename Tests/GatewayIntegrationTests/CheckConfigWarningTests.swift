import Foundation
import Testing

/// `gatewayd check-config` and `dpcd check-config` print warnings at their file:line and exit 0 when there are
/// only warnings; a key file the daemons would refuse makes it exit 1.
@Suite("check-config warnings")
struct CheckConfigWarningTests {
    static let key = "3f8a1c5e9b27d04f6a1e8c3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f"

    static func write(_ text: String, _ path: String, mode: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    @Test("gatewayd: metrics on all interfaces and a weak key warned of at their lines, exit 0; an exposed key file exit 1")
    func gatewayd() throws {
        let dir = makeWorkDirectory("check-config-warnings")
        try Self.write(Self.key + "\n", dir + "/dpc.key", mode: 0o640)
        let config = """
            gateway_id: g
            metrics: 0.0.0.0:9464
            dpc:
              address: 127.0.0.1:7001
              key_file: dpc.key
            stations:
              - name: A
                listen: 0.0.0.0:5001
            """
        try Self.write(config, dir + "/gateway.yaml", mode: 0o640)
        var check = try DaemonProcess.run("gatewayd", ["check-config", "gateway.yaml"], directory: dir)
        #expect(check.status == 0, "\(check.error)")
        #expect(check.error.contains("gateway.yaml:2: warning: metrics 0.0.0.0:9464 listens on all interfaces"), "\(check.error)")
        #expect(check.output.contains("gateway.yaml: OK"))

        try Self.write(String(Self.key.prefix(40)) + "\n", dir + "/dpc.key", mode: 0o640)
        check = try DaemonProcess.run("gatewayd", ["check-config", "gateway.yaml"], directory: dir)
        #expect(check.status == 0 && check.error.contains("gateway.yaml:5: warning: dpc.key_file: key file dpc.key: the shared key is 20 bytes"), "\(check.error)")

        try Self.write(Self.key + "\n", dir + "/dpc.key", mode: 0o644)
        check = try DaemonProcess.run("gatewayd", ["check-config", "gateway.yaml"], directory: dir)
        #expect(check.status == 1 && check.error.contains("gateway.yaml:5: dpc.key_file: key file dpc.key has mode 0644: others can read it"), "\(check.error)")
        let run = try DaemonProcess.run("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        #expect(run.status == 1 && run.error.contains("chmod 0640 dpc.key"), "\(run.error)")
    }

    @Test("dpcd check-config: the link on all interfaces warned of, exit 0")
    func dpcd() throws {
        let dir = makeWorkDirectory("dpcd-check-config")
        try Self.write("listen: 0.0.0.0:7001\nstore: ./store\nkey: \(Self.key)\n", dir + "/dpcd.yaml", mode: 0o640)
        let check = try DaemonProcess.run("dpcd", ["check-config", "dpcd.yaml"], directory: dir)
        #expect(check.status == 0, "\(check.error)")
        #expect(check.error.contains("dpcd.yaml:1: warning: listen 0.0.0.0:7001 listens on all interfaces"), "\(check.error)")
        #expect(check.output.contains("dpcd.yaml: OK"), "\(check.output)")
    }
}
