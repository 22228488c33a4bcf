import Foundation
import GNSSCore
import GNSSFormats
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Streams pushed into a caster as an NTRIP server does: RTKLIB's `str2str` pushes the GMSD capture into gatewayd's
/// caster over NTRIP 1.0 (`SOURCE`) and a puller gets it back frame for frame; one gatewayd pushes its reference
/// station's corrections to another's caster over NTRIP 1.0 and 2.0 (`POST`, chunked) and curl pulls them there;
/// wrong passwords are refused as casters refuse them, counted, and reported once by the pushing side.
@Suite("NTRIP push (source side and push:)", .serialized, .enabled(if: SharedData.available, "needs ../shared/data"))
struct NTRIPPushTests {
    static let sourcePassword = "push-s3cret"

    /// The capture's whole frames, concatenated: what a relay of it carries.
    static func captureFrames() throws -> [UInt8] {
        var framer = RTCM3Framer()
        framer.append(Array(try Data(contentsOf: URL(fileURLWithPath: CasterInteropTests.capture))))
        var out: [UInt8] = []
        while let item = framer.next() { if case .frame(let f) = item { out += f.bytes } }
        return out
    }

    static func fileSize(_ path: String) -> Int {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    /// The first line a caster answers to `request`, as a raw client reads it.
    static func answer(port: Int, request: String) throws -> String {
        let script = """
            import socket, sys
            s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10)
            s.sendall(sys.argv[2].encode().decode('unicode_escape').encode('latin-1'))
            data = b''
            while b'\\n' not in data:
                chunk = s.recv(1024)
                if not chunk: break
                data += chunk
            print(data.split(b'\\n')[0].decode('latin-1').strip())
            """
        return try CasterInteropTests.run(["python3", "-c", script, "\(port)", request]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("str2str pushes the GMSD capture over NTRIP 1.0 SOURCE; str2str pulls the same frames back; one source at a time",
          .enabled(if: CasterPeers.str2strAndPyrtcm, "needs str2str and pyrtcm"))
    func str2strPushesIntoTheCaster() throws {
        let (gatewayd, dir, ports) = try CasterInteropTests.start("push-source", casterExtra: """
              sources:
                - {mountpoint: PUSHED, password: \(Self.sourcePassword)}
              source_timeout: 5
            """)
        defer { gatewayd.stop() }
        let m = { CasterInteropTests.metrics(ports.metrics) }
        #expect(metric(m(), "gateway_caster_sources") == 0)
        #expect(metric(m(), "gateway_caster_source_bytes_total{mountpoint=\"PUSHED\"}") == 0)

        let pusher = try StationSourceInteropTests.Str2str(output: "ntrips://:\(Self.sourcePassword)@127.0.0.1:\(ports.caster)/PUSHED",
                                                            directory: dir, logName: "pusher.log")
        defer { pusher.stop() }
        try #require(eventually(seconds: 20) { metric(m(), "gateway_caster_sources") == 1 }, "\(gatewayd.output)")
        // The sourcetable lists the pushed mountpoint while its server is connected.
        #expect(httpGet(port: ports.caster, path: "/")?.contains("STR;PUSHED;") == true)

        // A second server for the same mountpoint is refused while the first pushes.
        #expect(try Self.answer(port: ports.caster, request: "SOURCE \(Self.sourcePassword) /PUSHED\\r\\n\\r\\n").hasPrefix("ERROR"))
        #expect(metric(m(), "gateway_caster_refused_total{reason=\"source_busy\"}") == 1)

        let puller = try CasterInteropTests.spawn(["str2str", "-in", "ntrip://rover:\(CasterInteropTests.password)@127.0.0.1:\(ports.caster)/PUSHED",
                                                   "-out", "file://out.rtcm3"], directory: dir, log: "puller.log")
        defer { if puller.isRunning { kill(puller.processIdentifier, SIGKILL); puller.waitUntilExit() } }
        try #require(eventually(seconds: 20) { metric(m(), "gateway_caster_clients{mountpoint=\"PUSHED\"}") == 1 }, "\(gatewayd.output)")

        let capture = Array(try Data(contentsOf: URL(fileURLWithPath: CasterInteropTests.capture)))
        let done = StationSourceInteropTests.Flag()
        pusher.feed(capture, rate: CasterInteropTests.bytesPerSecond) { done.set() }
        try #require(eventually(seconds: 120) { done.isSet })
        let expected = try Self.captureFrames()
        #expect(eventually(seconds: 20) { Self.fileSize(dir + "/out.rtcm3") >= expected.count },
                "out.rtcm3 has \(Self.fileSize(dir + "/out.rtcm3")) of \(expected.count) bytes")
        kill(puller.processIdentifier, SIGKILL)
        puller.waitUntilExit()

        let pulled = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.rtcm3")))
        #expect(pulled == expected, "pulled \(pulled.count) bytes, the capture's frames are \(expected.count)")
        let decoded = try CasterInteropTests.run(["python3", "-c", CasterInteropTests.pyrtcmScript, dir + "/out.rtcm3"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(decoded.output.utf8)) as? [String: Any])
        let counts = json["counts"] as? [String: Int] ?? [:]
        print("str2str push through the caster: \(pulled.count) bytes, pyrtcm counts \(counts.sorted { $0.key < $1.key })")
        for type in ["1077", "1087", "1117", "1127"] { #expect((counts[type] ?? 0) >= 250, "\(type): \(counts[type] ?? 0)") }

        let metrics = m()
        #expect(metric(metrics, "gateway_caster_source_bytes_total{mountpoint=\"PUSHED\"}") == Double(capture.count))
        #expect(metric(metrics, "gateway_caster_published_bytes_total{mountpoint=\"PUSHED\"}") == Double(expected.count))
        // The capture's bytes outside frames are dropped and counted (a frame cut off at its end waits for the rest).
        #expect(metric(metrics, "gateway_caster_source_dropped_bytes_total{mountpoint=\"PUSHED\"}") == Double(CasterInteropTests.frames(capture).skipped))

        // A pusher that goes silent is disconnected after source_timeout, and counted.
        #expect(eventually(seconds: 20) { metric(m(), "gateway_caster_sources") == 0 }, "\(gatewayd.output)")
        #expect(metric(m(), "gateway_caster_source_timeouts_total") == 1)
    }

    @Test("wrong credentials: SOURCE is answered ERROR - Bad Password, POST 401, an unknown mountpoint refused; each counted",
          .enabled(if: CasterPeers.curl, "needs curl"))
    func wrongPasswordsAreRefused() throws {
        let (gatewayd, _, ports) = try CasterInteropTests.start("push-refusals", casterExtra: """
              sources:
                - {mountpoint: PUSHED, user: server, password: \(Self.sourcePassword)}
            """)
        defer { gatewayd.stop() }
        #expect(try Self.answer(port: ports.caster, request: "SOURCE wrong /PUSHED\\r\\nSource-Agent: NTRIP test\\r\\n\\r\\n") == "ERROR - Bad Password")
        #expect(try Self.answer(port: ports.caster, request: "SOURCE \(Self.sourcePassword) /ELSEWHERE\\r\\n\\r\\n") == "ERROR - Bad Mountpoint")
        let post = try CasterInteropTests.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", "x",
                                               "-H", "Ntrip-Version: Ntrip/2.0", "-u", "server:wrong",
                                               "http://127.0.0.1:\(ports.caster)/PUSHED"])
        #expect(post.output == "401")
        let wrongUser = try CasterInteropTests.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "--data-binary", "x",
                                                    "-H", "Ntrip-Version: Ntrip/2.0", "-u", "other:\(Self.sourcePassword)",
                                                    "http://127.0.0.1:\(ports.caster)/PUSHED"])
        #expect(wrongUser.output == "401")
        let metrics = CasterInteropTests.metrics(ports.metrics)
        #expect(metric(metrics, "gateway_caster_refused_total{reason=\"source_unauthorized\"}") == 3)
        #expect(metric(metrics, "gateway_caster_refused_total{reason=\"source_mountpoint\"}") == 1)
        #expect(metric(metrics, "gateway_caster_sources") == 0)
    }

    /// gatewayd B: a caster taking pushes at `sources` (`{mountpoint, user?, password}` lines), with an idle rover.
    static func startCaster(_ name: String, sources: String) throws -> (DaemonProcess, String, metrics: Int, caster: Int) {
        let metrics = try StationSourceInteropTests.freePort(), caster = try StationSourceInteropTests.freePort()
        let idle = try StationSourceInteropTests.freePort()
        let dir = makeWorkDirectory(name)
        try """
            gateway_id: push-target
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(metrics)
            state_directory: ./state
            stations:
              - {name: IDLE, listen: 127.0.0.1:\(idle), role: rover, processing: none}
            caster:
              listen: 127.0.0.1:\(caster)
              users:
                - {name: rover, password: \(CasterInteropTests.password)}
              sources:
            \(sources)
            """.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        try #require(eventually(seconds: 30) { httpGet(port: metrics, path: "/healthz") == "ok\n" }, "\(gatewayd.output)")
        return (gatewayd, dir, metrics, caster)
    }

    /// gatewayd A: the GMSD reference station on UDP, pushing to `push` (YAML list items).
    static func startPusher(_ name: String, push: String) throws -> (DaemonProcess, String, metrics: Int, station: Int) {
        let metrics = try StationSourceInteropTests.freePort(), station = try StationSourceInteropTests.freePort()
        let dir = makeWorkDirectory(name)
        let gmsd = CasterInteropTests.gmsd
        try """
            gateway_id: push-source
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(metrics)
            state_directory: ./state
            stations:
              - name: GMSD
                listen: 127.0.0.1:\(station)
                role: reference
                processing: none
                position: [\(gmsd.x), \(gmsd.y), \(gmsd.z)]
                push:
            \(push)
            """.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        try #require(eventually(seconds: 30) { httpGet(port: metrics, path: "/healthz") == "ok\n" }, "\(gatewayd.output)")
        return (gatewayd, dir, metrics, station)
    }

    @Test("one gatewayd pushes GMSD's corrections to another's caster over NTRIP 1.0 and 2.0; curl pulls MSM7 and 1006 there",
          .enabled(if: CasterPeers.curl, "needs curl"))
    func gatewayPushesToGateway() throws {
        let b = try Self.startCaster("push-b", sources: """
                - {mountpoint: GMSD1, password: \(Self.sourcePassword)}
                - {mountpoint: GMSD2, user: server, password: \(Self.sourcePassword)}
            """)
        defer { b.0.stop() }
        let v1 = "ntrip://:\(Self.sourcePassword)@127.0.0.1:\(b.caster)/GMSD1"
        let v2 = "ntrip://server:\(Self.sourcePassword)@127.0.0.1:\(b.caster)/GMSD2"
        let a = try Self.startPusher("push-a", push: """
                  - {url: "\(v1)", ntrip_version: 1}
                  - "\(v2)"
            """)
        defer { a.0.stop() }
        let bMetrics = { CasterInteropTests.metrics(b.metrics) }
        let aMetrics = { CasterInteropTests.metrics(a.metrics) }
        try #require(eventually(seconds: 20) { metric(bMetrics(), "gateway_caster_sources") == 2 }, "\(a.0.output)\n\(b.0.output)")
        let t1 = "ntrip://:***@127.0.0.1:\(b.caster)/GMSD1", t2 = "ntrip://server:***@127.0.0.1:\(b.caster)/GMSD2"
        #expect(metric(aMetrics(), "gateway_push_connected{station=\"GMSD\",target=\"\(t1)\"}") == 1)
        #expect(metric(aMetrics(), "gateway_push_connected{station=\"GMSD\",target=\"\(t2)\"}") == 1)
        let listed = (try control("ctl.sock", ["sources"], directory: a.1))?["pushes"] as? [[String: Any]] ?? []
        #expect(Set(listed.compactMap { $0["target"] as? String }) == [t1, t2] && listed.allSatisfy { $0["connected"] as? Bool == true },
                "\(listed)")

        var pullers: [Process] = []
        defer { for p in pullers where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        for mount in ["GMSD1", "GMSD2"] {
            pullers.append(try CasterInteropTests.spawn(["curl", "-s", "-N", "--max-time", "90", "-o", "\(mount).rtcm3", "-H", "Ntrip-Version: Ntrip/2.0",
                                                         "-u", "rover:\(CasterInteropTests.password)", "http://127.0.0.1:\(b.caster)/\(mount)"],
                                                        directory: b.1, log: "curl-\(mount).log"))
        }
        try #require(eventually(seconds: 20) {
            let m = bMetrics()
            return metric(m, "gateway_caster_clients{mountpoint=\"GMSD1\"}") == 1 && metric(m, "gateway_caster_clients{mountpoint=\"GMSD2\"}") == 1
        })
        _ = try CasterInteropTests.feed(port: a.station)
        // Every byte A pushed reaches B's clients.
        var pushed = 0.0
        #expect(eventually(seconds: 30) {
            usleep(500_000)
            let am = aMetrics(), bm = bMetrics()
            pushed = metric(am, "gateway_push_bytes_total{station=\"GMSD\",target=\"\(t1)\"}") ?? 0
            let pushed2 = metric(am, "gateway_push_bytes_total{station=\"GMSD\",target=\"\(t2)\"}") ?? 0
            return pushed > 0 && pushed2 == pushed && metric(bm, "gateway_caster_bytes_total{mountpoint=\"GMSD1\"}") == pushed
                && metric(bm, "gateway_caster_bytes_total{mountpoint=\"GMSD2\"}") == pushed
        }, "\(aMetrics())")
        for p in pullers { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        #expect(metric(aMetrics(), "gateway_push_dropped_bytes_total{station=\"GMSD\",target=\"\(t1)\"}") == 0)
        #expect(metric(bMetrics(), "gateway_caster_source_dropped_bytes_total{mountpoint=\"GMSD2\"}") == 0)

        let one = Array(try Data(contentsOf: URL(fileURLWithPath: b.1 + "/GMSD1.rtcm3")))
        let two = Array(try Data(contentsOf: URL(fileURLWithPath: b.1 + "/GMSD2.rtcm3")))
        #expect(one.count == Int(pushed) && one == two)
        let frames = CasterInteropTests.frames(one)
        print("pushed A -> B: \(one.count) bytes, frames \(frames.types.sorted { $0.key < $1.key })")
        #expect(frames.skipped == 0 && frames.crcErrors == 0)
        for type in [1077, 1087, 1117, 1127] { #expect((frames.types[type] ?? 0) >= 250, "\(type): \(frames.types[type] ?? 0)") }
        #expect((frames.types[1006] ?? 0) >= 20, "\(frames.types)")
        if CasterPeers.str2strAndPyrtcm {
            let decoded = try CasterInteropTests.run(["python3", "-c", CasterInteropTests.pyrtcmScript, b.1 + "/GMSD2.rtcm3"])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(decoded.output.utf8)) as? [String: Any])
            let position = try #require(json["position"] as? [Double])
            #expect(ECEF(position[0], position[1], position[2]).distance(to: CasterInteropTests.gmsd) < 0.001, "\(position)")
        }
    }

    @Test("ntrips://: a push over TLS to a caster whose certificate the trust anchor signs flows; with another CA it is refused as tls",
          .enabled(if: SharedData.hasTool("openssl"), "needs the openssl command"))
    func pushOverTLS() throws {
        let certificates = makeWorkDirectory("push-tls-certificates")
        try NTRIPTLSTests.makeAuthority("test", in: certificates)
        try NTRIPTLSTests.makeAuthority("other", in: certificates)
        try NTRIPTLSTests.makeCasterCertificate(signedBy: "test", in: certificates)
        let (b, _, ports) = try CasterInteropTests.start("push-tls-b", casterExtra: """
              tls: {certificate: \(certificates)/caster.pem, key: \(certificates)/caster.key}
              sources:
                - {mountpoint: SECURE, user: server, password: \(Self.sourcePassword)}
                - {mountpoint: UNTRUSTED, password: \(Self.sourcePassword)}
            """)
        defer { b.stop() }
        let url = "ntrips://server:\(Self.sourcePassword)@127.0.0.1:\(ports.caster)"
        let a = try Self.startPusher("push-tls-a", push: """
                  - {url: "\(url)/SECURE", trust_anchor: \(certificates)/test-ca.pem}
                  - {url: "\(url)/UNTRUSTED", trust_anchor: \(certificates)/other-ca.pem, ntrip_version: 1}
            """)
        defer { a.0.stop() }
        let secure = "ntrips://server:***@127.0.0.1:\(ports.caster)/SECURE", untrusted = "ntrips://server:***@127.0.0.1:\(ports.caster)/UNTRUSTED"
        try #require(eventually(seconds: 20) { metric(CasterInteropTests.metrics(ports.metrics), "gateway_caster_sources") == 1 },
                     "\(a.0.output)\n\(b.output)")
        #expect(eventually(seconds: 20) {
            (metric(CasterInteropTests.metrics(a.metrics), "gateway_push_errors_total{station=\"GMSD\",target=\"\(untrusted)\",reason=\"tls\"}") ?? 0) >= 2
        }, "\(a.0.output)")
        #expect(metric(CasterInteropTests.metrics(a.metrics), "gateway_push_connected{station=\"GMSD\",target=\"\(secure)\"}") == 1)
        _ = try CasterInteropTests.feed(port: a.station)
        #expect(eventually(seconds: 30) {
            let pushed = metric(CasterInteropTests.metrics(a.metrics), "gateway_push_bytes_total{station=\"GMSD\",target=\"\(secure)\"}") ?? 0
            return pushed > 200_000
                && metric(CasterInteropTests.metrics(ports.metrics), "gateway_caster_published_bytes_total{mountpoint=\"SECURE\"}") == pushed
        }, "\(CasterInteropTests.metrics(a.metrics))")
        #expect(metric(CasterInteropTests.metrics(ports.metrics), "gateway_caster_refused_total{reason=\"tls\"}") ?? 0 >= 2)
        #expect(a.0.output.split(separator: "\n").filter { $0.contains("TLS with the caster failed") }.count == 1, "\(a.0.output)")
    }

    @Test("a push with a wrong password is refused over NTRIP 1.0 and 2.0, counted on both sides, logged once, retried with backoff")
    func wrongPushPasswordIsReportedOnce() throws {
        let b = try Self.startCaster("push-b-refusing", sources: """
                - {mountpoint: GMSD1, password: \(Self.sourcePassword)}
                - {mountpoint: GMSD2, user: server, password: \(Self.sourcePassword)}
            """)
        defer { b.0.stop() }
        let a = try Self.startPusher("push-a-wrong", push: """
                  - {url: "ntrip://:wrong@127.0.0.1:\(b.caster)/GMSD1", ntrip_version: 1}
                  - {url: "ntrip://server:wrong@127.0.0.1:\(b.caster)/GMSD2", ntrip_version: 2}
            """)
        defer { a.0.stop() }
        let t1 = "ntrip://:***@127.0.0.1:\(b.caster)/GMSD1", t2 = "ntrip://server:***@127.0.0.1:\(b.caster)/GMSD2"
        #expect(eventually(seconds: 20) {
            let m = CasterInteropTests.metrics(a.metrics)
            return (metric(m, "gateway_push_errors_total{station=\"GMSD\",target=\"\(t1)\",reason=\"unauthorized\"}") ?? 0) >= 3
                && (metric(m, "gateway_push_errors_total{station=\"GMSD\",target=\"\(t2)\",reason=\"unauthorized\"}") ?? 0) >= 3
        }, "\(a.0.output)")
        let m = CasterInteropTests.metrics(a.metrics)
        #expect((metric(m, "gateway_push_reconnects_total{station=\"GMSD\",target=\"\(t1)\"}") ?? 0) >= 2)
        #expect(metric(m, "gateway_push_connected{station=\"GMSD\",target=\"\(t1)\"}") == 0)
        #expect((metric(CasterInteropTests.metrics(b.metrics), "gateway_caster_refused_total{reason=\"source_unauthorized\"}") ?? 0) >= 6)
        let lines = a.0.output.split(separator: "\n")
        #expect(lines.filter { $0.contains("ERROR - Bad Password") }.count == 1, "\(a.0.output)")
        #expect(lines.filter { $0.contains("401 Unauthorized") }.count == 1, "\(a.0.output)")
        #expect(!a.0.output.contains("wrong"), "the password must not be logged")
    }
}
