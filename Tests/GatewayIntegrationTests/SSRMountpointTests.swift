import Foundation
import GNSSFormats
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A corrections stream served by the caster at a mountpoint named after its station: real SSR captures (Galileo and
/// BeiDou RTCM SSR, IGS SSR) sent over UDP to a `role: corrections` station, pulled by str2str over NTRIP and by
/// curl's sourcetable request, read back by pyrtcm.
@Suite("SSR mountpoints", .serialized)
struct SSRMountpointTests {
    static let captures = ["rtcm3/pygpsdata-1240-1264.log", "rtcm3/pygpsdata-NTRIP-4076.log"]
    static let password = "ssr-mountpoint"

    /// The whole frames of a capture, each as sent in its own datagram.
    static func frames(_ path: String) throws -> [[UInt8]] {
        var framer = RTCM3Framer()
        framer.append(Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.path(path)))))
        var out: [[UInt8]] = []
        while let item = framer.next() { if case .frame(let f) = item { out.append(f.bytes) } }
        return out
    }

    static let pyrtcmCounts = """
        import sys, json
        from collections import Counter
        from pyrtcm import RTCMReader
        counts = Counter()
        with open(sys.argv[1], 'rb') as f:
            for raw, parsed in RTCMReader(f, quitonerror=2):
                counts[parsed.identity] += 1
        print(json.dumps(counts))
        """

    @Test("str2str pulls a corrections station's SSR frames byte for byte; the sourcetable lists its messages and systems",
          .enabled(if: SharedData.available, "needs ../shared/data"), .enabled(if: CasterPeers.str2strAndPyrtcm, "needs str2str and pyrtcm"))
    func correctionsStationAtMountpoint() throws {
        let metricsPort = try StationSourceInteropTests.freePort(), caster = try StationSourceInteropTests.freePort()
        let station = try StationSourceInteropTests.freePort()
        let dir = makeWorkDirectory("ssr-mountpoint")
        try """
            gateway_id: ssr-caster
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(metricsPort)
            state_directory: ./state
            caster:
              listen: 127.0.0.1:\(caster)
              users:
                - {name: rover, password: \(Self.password)}
            stations:
              - {name: SSRA, listen: 127.0.0.1:\(station), role: corrections}
            """.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        try #require(eventually(seconds: 30) { httpGet(port: metricsPort, path: "/healthz") == "ok\n" }, "\(gatewayd.output)")
        #expect(metric(CasterInteropTests.metrics(metricsPort), "gateway_caster_published_bytes_total{mountpoint=\"SSRA\"}") == 0)

        let str2str = try CasterInteropTests.spawn(["str2str", "-in", "ntrip://rover:\(Self.password)@127.0.0.1:\(caster)/SSRA",
                                                    "-out", "file://out.rtcm3"], directory: dir, log: "str2str.log")
        defer { if str2str.isRunning { kill(str2str.processIdentifier, SIGKILL); str2str.waitUntilExit() } }
        #expect(eventually(seconds: 20) {
            metric(CasterInteropTests.metrics(metricsPort), "gateway_caster_clients{mountpoint=\"SSRA\"}") == 1
        }, "\(gatewayd.output)")

        var sent: [UInt8] = []
        let sender = UDPSender()
        defer { sender.close() }
        for capture in Self.captures {
            for frame in try Self.frames(capture) {
                sender.send(frame, to: station)
                sent += frame
                usleep(20_000)
            }
        }
        #expect(eventually(seconds: 10) {
            (try? Data(contentsOf: URL(fileURLWithPath: dir + "/out.rtcm3")).count) == sent.count
        }, "str2str wrote \((try? Data(contentsOf: URL(fileURLWithPath: dir + "/out.rtcm3")).count) ?? 0) of \(sent.count) bytes")
        kill(str2str.processIdentifier, SIGKILL)
        str2str.waitUntilExit()
        let pulled = Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/out.rtcm3")))
        #expect(pulled == sent)

        // pyrtcm reads the same messages in what came through the caster as in the captures themselves.
        let decoded = try CasterInteropTests.run(["python3", "-c", Self.pyrtcmCounts, dir + "/out.rtcm3"])
        let counts = try #require(try JSONSerialization.jsonObject(with: Data(decoded.output.utf8)) as? [String: Int])
        var expected: [String: Int] = [:]
        for capture in Self.captures {
            let r = try CasterInteropTests.run(["python3", "-c", Self.pyrtcmCounts, SharedData.path(capture)])
            let c = try #require(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Int])
            expected.merge(c, uniquingKeysWith: +)
        }
        #expect(counts == expected)
        #expect(counts["1240"] == 1 && counts["4076_065"] == 2, "\(counts)")
        #expect(metric(CasterInteropTests.metrics(metricsPort), "gateway_caster_published_bytes_total{mountpoint=\"SSRA\"}") == Double(sent.count))

        // The sourcetable names the mountpoint with its RTCM SSR message types and the systems they correct.
        let table = try CasterInteropTests.run(["curl", "-s", "-u", "rover:\(Self.password)", "http://127.0.0.1:\(caster)/"])
        let line = try #require(table.output.split(separator: "\r\n").first { $0.hasPrefix("STR;SSRA;") }, "\(table.output)")
        let fields = line.split(separator: ";", omittingEmptySubsequences: false)
        #expect(fields[4].contains("1240") && fields[4].contains("1258") && fields[4].contains("4076"), "\(line)")
        #expect(fields[5] == "0", "no observations, so no carrier: \(line)")
        #expect(fields[6] == "GAL+BDS", "\(line)")
    }
}
