import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `ntrips://`: NTRIP over TLS to a caster whose certificate a CA of the test's own signs (made with the `openssl`
/// command), served by `openssl s_server` on loopback with the caster's answer written to its input. With that CA
/// as `trust_anchor` the stream flows; with another CA the handshake is refused, reported and counted.
@Suite("NTRIP over TLS", .serialized, .enabled(if: SharedData.hasTool("openssl"), "needs the openssl command"))
struct NTRIPTLSTests {
    /// Runs `openssl` with `arguments` in `directory`; its exit status.
    @discardableResult
    static func openssl(_ arguments: [String], in directory: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl"] + arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// `NAME-ca.pem` and its key: a self-signed certificate authority.
    static func makeAuthority(_ name: String, in dir: String) throws {
        let status = try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name)-ca.key", "-out", "\(name)-ca.pem",
                                  "-subj", "/CN=\(name) test CA", "-days", "2", "-addext", "basicConstraints=critical,CA:TRUE",
                                  "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: dir)
        try #require(status == 0, "openssl could not make the CA")
    }

    /// `caster.pem` and `caster.key`, for 127.0.0.1 and localhost, signed by `authority`.
    static func makeCasterCertificate(signedBy authority: String, in dir: String) throws {
        _ = FileManager.default.createFile(atPath: dir + "/caster.ext",
                                           contents: Data("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".utf8))
        try #require(try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "caster.key", "-out", "caster.csr",
                                  "-subj", "/CN=localhost"], in: dir) == 0)
        try #require(try openssl(["x509", "-req", "-in", "caster.csr", "-CA", "\(authority)-ca.pem", "-CAkey", "\(authority)-ca.key",
                                  "-CAcreateserial", "-out", "caster.pem", "-days", "2", "-extfile", "caster.ext"], in: dir) == 0)
    }

    /// `openssl s_server` on `port` with the caster's certificate: what the client sends goes to `NAME.out`, what is
    /// written to `input` goes to the client.
    final class TLSServer {
        let process = Process()
        let input: Int32
        let output: String

        init(port: Int, directory: String, name: String) throws {
            output = directory + "/\(name).out"
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:\(port)", "-cert", "caster.pem", "-key", "caster.key"]
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let pipe = Pipe()
            process.standardInput = pipe
            process.standardOutput = FileHandle(forWritingAtPath: output)
            process.standardError = FileHandle(forWritingAtPath: output)
            try process.run()
            input = pipe.fileHandleForWriting.fileDescriptor
        }

        var received: String { (try? String(contentsOfFile: output, encoding: .utf8)) ?? "" }

        func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { Glibc.write(input, $0.baseAddress, min($0.count, 4096)) }
                if n <= 0 { return }
                offset += n
                usleep(5_000)
            }
        }

        /// SIGKILL: the server is a stand-in with nothing to save, and a child of the test runner may have SIGTERM blocked.
        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    static func gateway(_ dir: String, port: Int, metrics: Int, anchor: String) throws -> DaemonProcess {
        let yaml = """
            gateway_id: tls-source
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(metrics)
            state_directory: ./state
            stations:
              - name: TLS
                source: ntrips://gw:pw@127.0.0.1:\(port)/MNT
                trust_anchor: \(anchor)
                processing: none
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(yaml.utf8))
        return try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
    }

    @Test("ntrips:// to a caster whose certificate the trust anchor signs: the sourcetable and mountpoint requests go through TLS and the stream flows")
    func trustedCaster() throws {
        let dir = makeWorkDirectory("ntrips")
        try Self.makeAuthority("project", in: dir)
        try Self.makeCasterCertificate(signedBy: "project", in: dir)
        let port = try ScriptedCasterTests.freePort(), metrics = try ScriptedCasterTests.freePort()
        let server = try TLSServer(port: port, directory: dir, name: "s_server")
        usleep(300_000)
        let gatewayd = try Self.gateway(dir, port: port, metrics: metrics, anchor: "project-ca.pem")
        defer { gatewayd.stop() }
        #expect(eventually(seconds: 20) { server.received.contains("\r\n\r\n") }, "\(server.received)\n\(gatewayd.output)")
        let tableRequest = server.received
        #expect(tableRequest.hasPrefix("GET / HTTP/1.1\r\n") && tableRequest.contains("Basic Z3c6cHc="), "\(tableRequest)")
        server.send(Array(("HTTP/1.1 200 OK\r\nContent-Type: gnss/sourcetable\r\n\r\n" + ScriptedCasterTests.table(["MNT"])).utf8))
        #expect(eventually(seconds: 20) { server.received.contains("GET /MNT") }, "\(server.received)\n\(gatewayd.output)")
        #expect(eventually(seconds: 5) { server.received.hasSuffix("\r\n\r\n") }, "\(server.received)")
        let received = server.received
        let request = received.range(of: "GET /MNT").map { String(received[$0.lowerBound...]) } ?? ""
        #expect(request.hasPrefix("GET /MNT HTTP/1.1\r\n") && request.contains("Ntrip-Version: Ntrip/2.0") && request.contains("Basic Z3c6cHc="),
                "\(request)")
        let stream = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("demo.rtcm3"))).prefix(20_000))
        server.send(Array("ICY 200 OK\r\n\r\n".utf8) + stream)
        #expect(eventually(seconds: 20) {
            metric(httpGet(port: metrics, path: "/metrics") ?? "", "gateway_source_bytes_total{station=\"TLS\"}") == Double(stream.count)
        }, "\(gatewayd.output)")
        let m = httpGet(port: metrics, path: "/metrics") ?? ""
        #expect(metric(m, "gateway_source_connected{station=\"TLS\"}") == 1)
        #expect((metric(m, "gateway_frames_decoded_total{station=\"TLS\",type=\"1077\"}") ?? 0) > 0, "\(m)")
        #expect(gatewayd.output.contains("source streaming (ICY 200 OK)") && gatewayd.output.contains("ntrips://gw:***@127.0.0.1"))
    }

    @Test("ntrips:// to a caster whose certificate another CA signed: refused in the handshake, reported once, counted as tls")
    func untrustedCaster() throws {
        let dir = makeWorkDirectory("ntrips-wrong")
        try Self.makeAuthority("caster", in: dir)
        try Self.makeAuthority("other", in: dir)
        try Self.makeCasterCertificate(signedBy: "caster", in: dir)
        let port = try ScriptedCasterTests.freePort(), metrics = try ScriptedCasterTests.freePort()
        let server = try TLSServer(port: port, directory: dir, name: "s_server")
        usleep(300_000)
        let gatewayd = try Self.gateway(dir, port: port, metrics: metrics, anchor: "other-ca.pem")
        defer { gatewayd.stop() }
        let series = "gateway_source_errors_total{station=\"TLS\",reason=\"tls\"}"
        #expect(eventually(seconds: 30) { (metric(httpGet(port: metrics, path: "/metrics") ?? "", series) ?? 0) >= 2 }, "\(gatewayd.output)")
        let m = httpGet(port: metrics, path: "/metrics") ?? ""
        #expect(metric(m, "gateway_source_connected{station=\"TLS\"}") == 0)
        #expect(metric(m, "gateway_source_bytes_total{station=\"TLS\"}") == 0)
        let lines = gatewayd.output.split(separator: "\n").filter { $0.contains("TLS with the caster failed") }
        #expect(lines.count == 1, "\(gatewayd.output)")
        #expect(lines.first?.contains("CERTIFICATE_VERIFY_FAILED") == true, "\(lines)")
        // Nothing of the request went out before the certificate was refused.
        #expect(!server.received.contains("GET /"), "\(server.received)")
    }
}
