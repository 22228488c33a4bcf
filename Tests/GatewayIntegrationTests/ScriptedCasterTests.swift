import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A caster scripted by the test on a loopback socket, for what RTKLIB's caster does not do: NTRIP 2.0 (HTTP/1.1,
/// chunked), the GGA a mountpoint may need, 404, a sourcetable answer, 5xx, a caster that goes silent and one that
/// answers garbage, the sourcetable checked for the mountpoint. gatewayd runs as a real process against it.
@Suite("NTRIP sources against a scripted caster", .serialized)
struct ScriptedCasterTests {
    /// A listening loopback socket taking one connection at a time.
    final class Listener {
        let fd: Int32
        let port: Int

        init() throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = self.fd
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            try #require(ok && listen(fd, 4) == 0)
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        /// The next connection within `seconds`, or nil.
        func accept(seconds: Double = 20) -> Connection? {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(seconds * 1000)) == 1 else { return nil }
            let client = Glibc.accept(fd, nil, nil)
            return client >= 0 ? Connection(fd: client) : nil
        }

        deinit { close(fd) }
    }

    /// One accepted connection: reads with a timeout, writes without SIGPIPE.
    final class Connection {
        let fd: Int32

        init(fd: Int32) {
            self.fd = fd
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        /// Reads until `marker` has arrived or `seconds` pass; all that was read.
        func read(until marker: String, seconds: Double = 10) -> String {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline && String(decoding: received, as: UTF8.self).range(of: marker) == nil {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { break }
                if n > 0 { received += buffer[..<n] }
            }
            return String(decoding: received, as: UTF8.self)
        }

        @discardableResult
        func send(_ bytes: [UInt8]) -> Bool {
            bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
        }

        func send(_ text: String) { send(Array(text.utf8)) }

        deinit { close(fd) }
    }

    static func freePort() throws -> Int { try Listener().port }

    static func start(_ name: String, source: String, metrics: Int, extra: String, processing: String = "none") throws -> (DaemonProcess, String) {
        let dir = makeWorkDirectory(name)
        let yaml = """
            gateway_id: scripted-caster
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(metrics)
            state_directory: ./state
            stations:
              - name: CAST
                source: \(source)
                processing: \(processing)
            \(extra)
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(yaml.utf8))
        return (try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir), dir)
    }

    /// A sourcetable of `mountpoints` (STR records asking for GGA when `nmea`), with `ENDSOURCETABLE`.
    static func table(_ mountpoints: [String], nmea: Bool = false) -> String {
        mountpoints.map { "STR;\($0);\($0);RTCM 3.3;1077(1),1087(1);2;GPS+GLO;TEST;JPN;30.56;131.02;\(nmea ? 1 : 0);0;sNTRIP;none;B;N;5000;\r\n" }.joined()
            + "ENDSOURCETABLE\r\n"
    }

    /// Takes the next connection, reads its request and sends `answer`; the request.
    static func serve(_ caster: Listener, _ answer: String, _ gatewayd: DaemonProcess) throws -> String {
        let connection = try #require(caster.accept(), "\(gatewayd.output)")
        let request = connection.read(until: "\r\n\r\n")
        connection.send(answer)
        return request
    }

    @Test("NTRIP 2.0: the request carries the version, the credentials and the user agent; a chunked sourcetable and a chunked answer are decoded; GGA goes upstream")
    func ntrip2ChunkedWithGGA() throws {
        let caster = try Listener()
        let metricsPort = try Self.freePort()
        let (gatewayd, _) = try Self.start("scripted-ntrip2", source: "ntrip://u:p@127.0.0.1:\(caster.port)/MNT", metrics: metricsPort,
                                           extra: "    gga: {lat: 30.5, lon: 131.0, height: 137, interval: 1}")
        defer { gatewayd.stop() }
        // The sourcetable first, in two chunks, the mountpoint needing GGA (which the station sends).
        let table = Array(Self.table(["OTHER", "MNT"], nmea: true).utf8)
        let body = [table[..<40], table[40...]].map { String($0.count, radix: 16) + "\r\n" + String(decoding: $0, as: UTF8.self) + "\r\n" }.joined() + "0\r\n\r\n"
        let tableRequest = try Self.serve(caster, "HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\nContent-Type: gnss/sourcetable\r\nTransfer-Encoding: chunked\r\n\r\n" + body, gatewayd)
        #expect(tableRequest.hasPrefix("GET / HTTP/1.1\r\n") && tableRequest.contains("\r\nNtrip-Version: Ntrip/2.0")
                && tableRequest.contains("\r\nAuthorization: Basic dTpw"), "\(tableRequest)")
        let connection = try #require(caster.accept(), "\(gatewayd.output)")
        let request = connection.read(until: "\r\n\r\n")
        #expect(request.hasPrefix("GET /MNT HTTP/1.1\r\n"), "\(request)")
        for line in ["Host: 127.0.0.1:\(caster.port)", "Ntrip-Version: Ntrip/2.0", "Authorization: Basic dTpw", "User-Agent: NTRIP gnss-gateway/"] {
            #expect(request.contains("\r\n" + line), "\(line) in \(request)")
        }
        connection.send("HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\nContent-Type: gnss/data\r\nTransfer-Encoding: chunked\r\n\r\n")
        // The GGA sentence of the configured position: 30.5° N is 30°30', 131° E is 131°00'.
        let upstream = connection.read(until: "*", seconds: 5)
        #expect(upstream.contains("$GPGGA,") && upstream.contains(",3030.0000000,N,13100.0000000,E,"), "\(upstream)")

        // 40 KiB of a real capture in chunks of odd sizes, the size lines themselves split across writes.
        var bytes: [UInt8] = []
        if SharedData.available {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))).prefix(40_960))
        } else {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("demo.rtcm3"))).prefix(40_960))
        }
        var offset = 0, size = 777
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(offset + size, bytes.count)])
            let head = Array((String(chunk.count, radix: 16) + "\r\n").utf8)
            connection.send(Array(head.prefix(1)))
            connection.send(Array(head.dropFirst()) + chunk + Array("\r\n".utf8))
            offset += chunk.count
            size = size * 7 % 1500 + 100
            usleep(2_000)
        }
        #expect(eventually(seconds: 20) {
            metric(httpGet(port: metricsPort, path: "/metrics") ?? "", "gateway_source_bytes_total{station=\"CAST\"}") == Double(bytes.count)
        }, "\(gatewayd.output)")
        let metrics = httpGet(port: metricsPort, path: "/metrics") ?? ""
        #expect(metric(metrics, "gateway_source_connected{station=\"CAST\"}") == 1)
        #expect((metric(metrics, "gateway_frames_decoded_total{station=\"CAST\",type=\"1077\"}") ?? 0) > 10, "\(metrics)")
        #expect(gatewayd.output.contains("source streaming (HTTP/1.1 200 OK)"))
        #expect(gatewayd.output.contains("the caster's sourcetable lists MNT: format RTCM 3.3 (1077(1),1087(1)), carrier L1+L2, systems GPS+GLO, needs GGA: yes"),
                "\(gatewayd.output)")
        #expect(!gatewayd.output.contains("give the station gga:"))
        // A second GGA a second later.
        #expect(connection.read(until: "$GPGGA", seconds: 3).contains("$GPGGA"))
    }

    @Test("gga: {from: solution}: nothing goes upstream before the station has a position, then its own SPP solution does",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func ggaFromTheStationsSolution() throws {
        let caster = try Listener()
        let metricsPort = try Self.freePort()
        let (gatewayd, dir) = try Self.start("scripted-gga-solution", source: "ntrip://127.0.0.1:\(caster.port)/GMSD7", metrics: metricsPort,
                                             extra: "    gga: {from: solution, interval: 1}\n    sourcetable: false", processing: "spp")
        defer { gatewayd.stop() }
        let connection = try #require(caster.accept(), "\(gatewayd.output)")
        _ = connection.read(until: "\r\n\r\n")
        connection.send("ICY 200 OK\r\n")
        // No solution, no configured position: no GGA.
        #expect(connection.read(until: "$GPGGA", seconds: 1.5).isEmpty)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))))
        var offset = 0
        while offset < bytes.count {
            connection.send(Array(bytes[offset..<min(offset + 2048, bytes.count)]))
            offset += 2048
            usleep(20_000)
        }
        #expect(eventually(seconds: 30) {
            let station = ((try? control("ctl.sock", ["stations"], directory: dir))?["stations"] as? [[String: Any]])?.first
            return station?["quality"] as? String == "single"
        }, "\(gatewayd.output)")
        // GMSD is at 30°33.39' N, 131°00.93' E: the sentence carries the SPP solution, metres off.
        let upstream = connection.read(until: "*", seconds: 5)
        #expect(upstream.contains("$GPGGA,") && upstream.contains(",3033.") && upstream.contains(",N,13100."), "\(upstream)")
    }

    @Test("404, a sourcetable instead of the stream, 5xx, a silent caster and garbage: each reported once, counted by reason, retried")
    func refusalsAndFailures() throws {
        let caster = try Listener()
        let metricsPort = try Self.freePort()
        let (gatewayd, dir) = try Self.start("scripted-refusals", source: "ntrip://u:p@127.0.0.1:\(caster.port)/MNT", metrics: metricsPort,
                                             extra: "    ntrip_version: 1\n    no_data_timeout: 1\n    sourcetable: false")
        defer { gatewayd.stop() }
        let answers = [
            "HTTP/1.1 404 Not Found\r\n\r\n",
            "HTTP/1.1 404 Not Found\r\n\r\n",
            "SOURCETABLE 200 OK\r\nContent-Type: text/plain\r\n\r\nSTR;OTHER;\r\nENDSOURCETABLE\r\n",
            "HTTP/1.1 503 Service Unavailable\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "SSH-2.0-OpenSSH_9.2\r\n",
        ]
        for (i, answer) in answers.enumerated() {
            let connection = try #require(caster.accept(), "connection \(i + 1): \(gatewayd.output)")
            let request = connection.read(until: "\r\n\r\n")
            #expect(request.hasPrefix("GET /MNT HTTP/1.0\r\n") && !request.contains("Ntrip-Version"), "\(request)")
            connection.send(answer)
            if answer.hasPrefix("ICY") {
                // Silent after accepting: dropped after no_data_timeout (1 s).
                #expect(connection.read(until: "never", seconds: 4).isEmpty)
            } else {
                usleep(100_000)
            }
        }
        let expected = ["mountpoint_missing": 3, "server_error": 1, "no_data": 1, "protocol": 1]
        #expect(eventually(seconds: 10) {
            let m = httpGet(port: metricsPort, path: "/metrics") ?? ""
            return expected.allSatisfy { metric(m, "gateway_source_errors_total{station=\"CAST\",reason=\"\($0.key)\"}") == Double($0.value) }
        }, "\(httpGet(port: metricsPort, path: "/metrics") ?? "")")
        let metrics = httpGet(port: metricsPort, path: "/metrics") ?? ""
        #expect(metric(metrics, "gateway_source_reconnects_total{station=\"CAST\"}") == Double(answers.count - 1))
        let log = gatewayd.output
        // Two 404s in a row: one line.
        #expect(log.components(separatedBy: "no such mountpoint (HTTP/1.1 404 Not Found)").count - 1 == 1, "\(log)")
        for text in ["the caster sent its sourcetable, listing OTHER", "the caster failed (HTTP/1.1 503 Service Unavailable)",
                     "no data for 1 s: reconnecting", "not an NTRIP answer: 'SSH-2.0-OpenSSH_9.2'"] {
            #expect(log.contains(text), "\(text):\n\(log)")
        }
        let source = try #require(((try? control("ctl.sock", ["sources"], directory: dir))?["sources"] as? [[String: Any]])?.first)
        #expect(source["connected"] as? Bool == false && (source["problem"] as? String)?.contains("SSH-2.0") == true, "\(source)")
    }

    @Test("The sourcetable is fetched before the first connection and after a missing mountpoint, not at every reconnection")
    func sourcetableChecked() throws {
        let caster = try Listener()
        let metricsPort = try Self.freePort()
        let (gatewayd, _) = try Self.start("scripted-sourcetable", source: "ntrip://u:p@127.0.0.1:\(caster.port)/MNT", metrics: metricsPort,
                                           extra: "    ntrip_version: 1")
        defer { gatewayd.stop() }
        func fetches() -> Double? { metric(httpGet(port: metricsPort, path: "/metrics") ?? "", "gateway_source_sourcetable_fetches_total{station=\"CAST\"}") }
        func errors(_ reason: String) -> Double? {
            metric(httpGet(port: metricsPort, path: "/metrics") ?? "", "gateway_source_errors_total{station=\"CAST\",reason=\"\(reason)\"}")
        }
        // Not listed: missing, the listed mountpoints named, and the sourcetable fetched again.
        var request = try Self.serve(caster, "SOURCETABLE 200 OK\r\nContent-Type: text/plain\r\n\r\n" + Self.table(["OTHER", "THIRD"]), gatewayd)
        #expect(request.hasPrefix("GET / HTTP/1.0\r\n") && request.contains("\r\nAuthorization: Basic dTpw") && !request.contains("Ntrip-Version"),
                "\(request)")
        request = try Self.serve(caster, "SOURCETABLE 200 OK\r\n\r\n" + Self.table(["OTHER", "MNT"], nmea: true), gatewayd)
        #expect(request.hasPrefix("GET / HTTP/1.0\r\n"), "\(request)")
        #expect(errors("mountpoint_missing") == 1 && fetches() == 2)
        // Listed: the mountpoint asked for in the same attempt; it streams, then closes.
        request = try Self.serve(caster, "ICY 200 OK\r\n\r\nsome bytes", gatewayd)
        #expect(request.hasPrefix("GET /MNT HTTP/1.0\r\n"), "\(request)")
        // The reconnection goes straight to the mountpoint, which is gone now.
        request = try Self.serve(caster, "HTTP/1.1 404 Not Found\r\n\r\n", gatewayd)
        #expect(request.hasPrefix("GET /MNT HTTP/1.0\r\n"), "\(request)")
        #expect(fetches() == 2)
        // Missing: the sourcetable again, this time over 1 MiB.
        let connection = try #require(caster.accept(), "\(gatewayd.output)")
        request = connection.read(until: "\r\n\r\n")
        #expect(request.hasPrefix("GET / HTTP/1.0\r\n"), "\(request)")
        connection.send("SOURCETABLE 200 OK\r\n\r\n")
        let filler = String(repeating: Self.table(["OTHER"]).replacingOccurrences(of: "ENDSOURCETABLE\r\n", with: ""), count: 12_000)
        connection.send(filler)
        #expect(eventually(seconds: 10) { errors("protocol") == 1 }, "\(gatewayd.output)")
        // A caster accepting GET / with something else than a sourcetable: the mountpoint is asked for all the same.
        request = try Self.serve(caster, "ICY 200 OK\r\n\r\n", gatewayd)
        #expect(request.hasPrefix("GET / HTTP/1.0\r\n"), "\(request)")
        request = try Self.serve(caster, "ICY 200 OK\r\n\r\nmore bytes", gatewayd)
        #expect(request.hasPrefix("GET /MNT HTTP/1.0\r\n"), "\(request)")
        #expect(eventually(seconds: 10) { fetches() == 4 && errors("mountpoint_missing") == 2 }, "\(httpGet(port: metricsPort, path: "/metrics") ?? "")")
        let log = gatewayd.output
        for text in ["the caster sent its sourcetable, listing OTHER, THIRD", "the caster's sourcetable lists MNT: format RTCM 3.3",
                     "needs GGA: yes", "the caster's sourcetable says MNT needs the user's position (NMEA GGA)",
                     "the caster's sourcetable is longer than 1 MiB"] {
            #expect(log.contains(text), "\(text):\n\(log)")
        }
    }
}
