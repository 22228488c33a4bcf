import DaemonSupport
import DPCLink
import Foundation
import GNSSCore
import GNSSFormats
import Testing
@testable import Gateway

/// The caster's pieces on their own: its `caster:` settings (file:line problems), the request heads real NTRIP
/// clients send (RTKLIB 2.4.3's `str2str`, curl), the sourcetable it generates and what it says of a stream.
@Suite struct CasterTests {
    static func load(_ caster: String, stations: String? = nil) -> ConfigurationLoader.Outcome {
        ConfigurationLoader.parse("""
            gateway_id: net1
            stations:
            \(stations ?? "  - {name: GMSD, listen: 127.0.0.1:5001, role: reference}\n  - {name: BASE, listen: 127.0.0.1:5002, role: reference}\n  - {name: ROVER, listen: 127.0.0.1:5003}")
            caster:
            \(caster)
            """, file: "gateway.yaml")
    }

    @Test("caster: listen, inline users with an optional mountpoint list, users_file, limits")
    func settingsAreRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("caster-users-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/users"
        try "# name:password\r\nfield:pa:ss word\r\n\nsurvey:x\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o640)
        let outcome = Self.load("""
              listen: 127.0.0.1:2101
              users:
                - {name: rover, password: s3cret}
                - {name: base-only, password: pw, mountpoints: [BASE]}
              users_file: \(file)
              max_clients: 250
              client_buffer_bytes: 65536
              request_timeout: 2.5
            """)
        #expect(outcome.problems.isEmpty, "\(outcome.problems)")
        let c = try #require(outcome.configuration?.caster)
        #expect(c.listen == NetworkAddress(host: "127.0.0.1", port: 2101))
        #expect(c.users.map(\.name) == ["rover", "base-only", "field", "survey"])
        #expect(c.user("field", password: "pa:ss word") != nil && c.user("rover", password: "S3cret") == nil)
        #expect(c.user("base-only", password: "pw")?.may(stream: "BASE") == true)
        #expect(c.user("base-only", password: "pw")?.may(stream: "GMSD") == false)
        #expect(c.maxClients == 250 && c.clientBufferBytes == 65536 && c.requestTimeout == 2.5)
    }

    @Test("caster problems are reported at their line", arguments: [
        ("  users: [{name: a, password: b}]", 7, "caster needs a listen address"),
        ("  listen: 127.0.0.1:2101", 7, "caster needs users"),
        ("  listen: 127.0.0.1:2101\n  users: [{name: a, password: b}]\n  max_clients: 0", 9, "max_clients must be"),
        ("  listen: 127.0.0.1:2101\n  users: [{name: 'a b', password: b}]", 8, "must be 1 to 64 ASCII characters"),
        ("  listen: 127.0.0.1:2101\n  users: [{name: a, password: b, mountpoints: [ROVER]}]", 7, "'ROVER' is not a station or a source"),
        ("  listen: 127.0.0.1:2101\n  users: [{name: a, password: b}]\n  port: 3", 9, "unknown setting 'port'"),
        ("  listen: 127.0.0.1:2101\n  users_file: /nonexistent/users", 8, "caster.users_file /nonexistent/users"),
        ("  listen: 127.0.0.1:2101\n  users: [{name: a, password: b}]\n  tls: {certificate: /nonexistent.pem, key: /nonexistent.key}", 9,
         "caster.tls.certificate '/nonexistent.pem': cannot read the file: No such file or directory"),
        ("  listen: 127.0.0.1:2101\n  users:\n    - {name: a, password: b}\n    - {name: a, password: c}", 10, "user 'a' is given twice"),
        ("  listen: 127.0.0.1:2101\n  users: [{name: a, password: b}]\n  tls: {certificate: /nonexistent.pem}", 9, "caster.tls needs certificate and key"),
    ])
    func problemsHaveLines(_ c: (caster: String, line: Int, message: String)) {
        let (caster, line, message) = c
        let outcome = Self.load(caster)
        #expect(outcome.configuration == nil)
        #expect(outcome.problems.contains { $0.line == line && $0.message.contains(message) }, "\(outcome.problems)")
    }

    /// RTKLIB 2.4.3's NTRIP client request (stream.c: `GET %s/%s HTTP/1.0`, `User-Agent: NTRIP RTKLIB/…`, basic
    /// authentication), as str2str sends it.
    static let rtklibRequest = "GET /GMSD HTTP/1.0\r\nUser-Agent: NTRIP RTKLIB/2.4.3 b34\r\nAuthorization: Basic cm92ZXI6czNjcmV0\r\n\r\n"

    @Test("str2str's NTRIP 1.0 request: the mountpoint, an NTRIP 1.0 client, its credentials")
    func rtklibRequest() throws {
        let bytes = Array(Self.rtklibRequest.utf8)
        let end = try #require(CasterRequest.headEnd(bytes))
        #expect(end == bytes.count)
        #expect(CasterRequest.headEnd(Array(bytes.dropLast())) == nil)
        let r = try CasterRequest(head: bytes[..<end])
        #expect(r.mountpoint == "GMSD" && r.ntrip1Client && !r.ntripVersion2 && !r.http11)
        #expect(r.user == "rover" && r.password == "s3cret")
    }

    @Test("curl's NTRIP 2.0 request with -u; a plain HTTP client; bare line feeds")
    func curlRequest() throws {
        let curl = "GET /GMSD HTTP/1.1\r\nHost: 127.0.0.1:2101\r\nAuthorization: Basic cm92ZXI6czNjcmV0\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nNtrip-Version: Ntrip/2.0\r\n\r\n"
        let r = try CasterRequest(head: Array(curl.utf8)[...])
        #expect(r.ntripVersion2 && !r.ntrip1Client && r.http11 && r.user == "rover" && r.password == "s3cret")
        let plain = try CasterRequest(head: Array("GET /?x=1 HTTP/1.1\nHost: h\n\n".utf8)[...])
        #expect(plain.mountpoint == "" && !plain.ntrip1Client && plain.user == nil)
        #expect(CasterRequest.headEnd(Array("GET / HTTP/1.1\nHost: h\n\n".utf8)) == 24)
    }

    @Test("str2str's NTRIP 1.0 SOURCE (no '/' before the mountpoint) and an NTRIP 2.0 POST with a chunked body")
    func serverRequests() throws {
        let source = try CasterRequest(head: Array("SOURCE pw1 MNT\r\nSource-Agent: NTRIP RTKLIB/2.4.3\r\nSTR: \r\n\r\n".utf8)[...])
        #expect(source.method == .source(password: "pw1") && source.mountpoint == "MNT" && source.ntrip1Client)
        let slash = try CasterRequest(head: Array("SOURCE pw1 /MNT\r\n\r\n".utf8)[...])
        #expect(slash.mountpoint == "MNT")
        let post = "POST /MNT HTTP/1.1\r\nHost: h\r\nNtrip-Version: Ntrip/2.0\r\nAuthorization: Basic cm92ZXI6czNjcmV0\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n"
        let r = try CasterRequest(head: Array(post.utf8)[...])
        #expect(r.method == .post && r.mountpoint == "MNT" && r.chunkedBody && r.user == "rover" && r.password == "s3cret")
    }

    @Test("what is not a GET, SOURCE or POST request is refused with a reason, never a crash", arguments: [
        "SOURCE pw\r\n\r\n", "SOURCE pw /\r\n\r\n", "PUT /GMSD HTTP/1.1\r\n\r\n", "GET GMSD HTTP/1.1\r\n\r\n", "GET /GMSD SPDY/3\r\n\r\n",
        "\u{16}\u{03}\u{01}\u{00}\r\n\r\n", "\r\n\r\n",
    ])
    func badRequests(_ text: String) {
        #expect(throws: CasterRequest.Failure.self) { try CasterRequest(head: Array(text.utf8)[...]) }
    }

    /// A frame of `type` with an otherwise empty body.
    static func frame(_ type: Int) -> [UInt8] {
        RTCM3Framer.frame([UInt8(type >> 4), UInt8((type & 0xF) << 4), 0, 0])
    }

    @Test("the sourcetable lists each mountpoint's message types with their intervals, systems, position and bit rate")
    func sourcetable() throws {
        var content = MountpointContent()
        let t0 = GNSSTime(seconds: 1_034_208_000)
        for s in 0..<21 {
            var frames = Self.frame(1077) + Self.frame(1087) + Self.frame(1127)
            if s % 10 == 0 { frames += Self.frame(1006) + Self.frame(1033) }
            content.add(frames: frames, time: t0 + Double(s))
        }
        #expect(content.formatDetails == "1006(10),1033(10),1077(1),1087(1),1127(1)")
        #expect(content.navigationSystems == "GPS+GLO+BDS")
        // GMSD (Nakatane, Japan): 30.5565 N, 131.0156 E.
        let gmsd = ECEF(-3_607_665.5445, 4_147_867.8813, 3_223_716.9188)
        let table = Sourcetable(network: "net;1", mountpoints: [
            .init(name: "GMSD", position: gmsd, content: content), .init(name: "BASE", position: nil, content: MountpointContent()),
        ]).text
        let lines = table.components(separatedBy: "\r\n")
        #expect(lines.count == 4 && lines[2] == "ENDSOURCETABLE" && lines[3] == "")
        let fields = lines[1].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        #expect(fields.count == 19)
        #expect(Array(fields[0...6]) == ["STR", "GMSD", "GMSD", "RTCM 3.3", "1006(10),1033(10),1077(1),1087(1),1127(1)", "2", "GPS+GLO+BDS"])
        #expect(fields[7] == "net_1" && fields[9] == "30.56" && fields[10] == "131.02")
        #expect(Array(fields[11...16]) == ["0", "0", Sourcetable.generator, "none", "B", "N"])
        // 690 bytes (21 epochs of three 10-byte frames, three of two more) over 20 s.
        #expect(Int(fields[17]) == 690 * 8 / 20)
        #expect(lines[0].hasPrefix("STR;BASE;BASE;RTCM 3.3;;0;;"))
        // The project's NTRIP client reads the mountpoints back from it.
        #expect(NTRIPResponseParser.mountpoints(Array(table.utf8)) == ["BASE", "GMSD"])
    }
}
