import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A gateway whose numbering starts over — its state directory lost, or its spool cut short by a power
/// cut — against a dpcd that already holds records under those numbers: every record it spools from then
/// on reaches the store, and both sides count the event.
@Suite("Gateway sequence numbers after lost state", .serialized)
struct SequenceRecoveryTests {
    static let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

    struct Ports {
        var link: Int, dpcMetrics: Int, gatewayMetrics: Int, udp: Int
    }

    static func prepare(_ name: String, _ ports: Ports) -> String {
        let dir = makeWorkDirectory(name)
        let gateway = """
            gateway_id: recovery-test
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(ports.gatewayMetrics)
            state_directory: ./gateway-state
            dpc:
              address: 127.0.0.1:\(ports.link)
              key: \(key)
            stations:
              - name: REF
                listen: 127.0.0.1:\(ports.udp)
                role: reference
                processing: none
            """
        let dpc = """
            listen: 127.0.0.1:\(ports.link)
            store: ./dpc-store
            metrics: 127.0.0.1:\(ports.dpcMetrics)
            key: \(key)
            """
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml", contents: Data(gateway.utf8))
        _ = FileManager.default.createFile(atPath: dir + "/dpcd.yaml", contents: Data(dpc.utf8))
        return dir
    }

    static func capture() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("demo.rtcm3"))))
    }

    /// The forwarder of the gateway whose control socket is `socket`, as its status reports it.
    static func forwarder(_ dir: String, socket: String = "ctl.sock") -> (acked: Int, pending: Int, last: Int)? {
        guard let f = (try? control(socket, ["status"], directory: dir))?["forwarder"] as? [String: Any],
              let a = f["acked"] as? Int, let p = f["pending"] as? Int, let l = f["last_sequence"] as? Int else { return nil }
        return (a, p, l)
    }

    static func ready(_ dir: String) -> Bool {
        eventually(seconds: 30) { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }
    }

    /// Waits until the spool's last sequence has stayed put for three polls (the last epoch is closed
    /// 0.8 s after its last message) and, when `acknowledged`, the DPC has acknowledged all of it.
    static func quiet(_ dir: String, socket: String = "ctl.sock", acknowledged: Bool,
                      seconds: Double = 40) -> (acked: Int, pending: Int, last: Int)? {
        var previous = -1, still = 0
        var state: (acked: Int, pending: Int, last: Int)?
        let ok = eventually(seconds: seconds) {
            usleep(300_000)
            state = forwarder(dir, socket: socket)
            guard let s = state else { return false }
            still = s.last == previous && s.last > 0 ? still + 1 : 0
            previous = s.last
            return still >= 3 && (!acknowledged || (s.pending == 0 && s.acked == s.last))
        }
        return ok ? state : nil
    }

    static func stream(_ bytes: ArraySlice<UInt8>, port: Int) {
        let sender = UDPSender()
        _ = sender.stream(Array(bytes), to: port)
        sender.close()
    }

    @Test("the gateway's state directory wiped between two runs: every record of the second run is stored, the new generation counted")
    func wipedStateDirectory() throws {
        let ports = Ports(link: 7211, dpcMetrics: 9611, gatewayMetrics: 9612, udp: 5211)
        let dir = Self.prepare("wiped-state", ports)
        let data = try Self.capture()
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }

        var gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        #expect(Self.ready(dir), "\(gatewayd.output)")
        Self.stream(data[...], port: ports.udp)
        let first = try #require(Self.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        gatewayd.stop()
        #expect(first.last > 5)

        try FileManager.default.removeItem(atPath: dir + "/gateway-state")
        gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir, logName: "gatewayd-2")
        defer { gatewayd.stop() }
        #expect(Self.ready(dir), "\(gatewayd.output)")
        Self.stream(data[...], port: ports.udp)
        let second = try #require(Self.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        print("run 1 spooled \(first.last) records, run 2 after the wipe \(second.last)")

        let records = try dump(store: "dpc-store", directory: dir)
        let generations = Dictionary(grouping: records) { $0["generation"] as? String ?? "?" }
        #expect(records.count == first.last + second.last, "stored \(records.count) of \(first.last) + \(second.last)")
        #expect(generations.count == 2)
        for (generation, list) in generations {
            #expect(list.compactMap { $0["sequence"] as? Int }.count == list.count, "\(generation)")
        }
        let sequences = generations.values.map { $0.compactMap { $0["sequence"] as? Int } }.sorted { $0.count < $1.count }
        #expect(sequences.contains(Array(1...second.last)))
        #expect(sequences.contains(Array(1...first.last)))

        let dpcMetrics = httpGet(port: ports.dpcMetrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_gateway_generations_new_total") == 1, "\(dpcMetrics)")
        #expect(metric(dpcMetrics, "dpc_records_duplicate_total") == 0)
        let gatewayMetrics = httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? ""
        #expect(metric(gatewayMetrics, "gateway_spool_generations_total{reason=\"created\"}") == 1)
        #expect(metric(gatewayMetrics, "gateway_records_acknowledged_total") == Double(second.last))
        #expect(dpcd.output.contains("new generation"), "\(dpcd.output)")
    }

    @Test("a spool cut mid-record after records reached a stalled dpcd: the gateway restarts, repairs, is told, and nothing is lost")
    func spoolTruncatedMidRecord() throws {
        let ports = Ports(link: 7221, dpcMetrics: 9621, gatewayMetrics: 9622, udp: 5221)
        let dir = Self.prepare("truncated-spool", ports)
        let data = try Self.capture()
        let third = data.count / 3
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        defer { dpcd.stop() }
        var gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(Self.ready(dir), "\(gatewayd.output)")
        Self.stream(data[..<third], port: ports.udp)
        let acknowledged = try #require(Self.quiet(dir, acknowledged: true), "\(gatewayd.output)")

        // dpcd stops reading: records sent now wait in its socket, unacknowledged.
        dpcd.signal(SIGSTOP)
        Self.stream(data[third..<2 * third], port: ports.udp)
        let sent = try #require(Self.quiet(dir, acknowledged: false))
        #expect(sent.last > acknowledged.last && sent.pending > 0)
        #expect(eventually(seconds: 5) {
            metric(httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? "", "gateway_records_forwarded_total") == Double(sent.last)
        })

        // Power cut: the gateway dies and its last segment loses the end of its last record.
        gatewayd.signal(SIGKILL)
        gatewayd.wait()
        let spool = dir + "/gateway-state/spool"
        let segments = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasSuffix(".seg") }.sorted()
        let last = spool + "/" + (try #require(segments.last))
        let size = try #require(try FileManager.default.attributesOfItem(atPath: last)[.size] as? Int)
        #expect(truncate(last, off_t(size - 20)) == 0)

        dpcd.signal(SIGCONT)  // it now stores what was in flight, the record the spool lost included
        #expect(eventually(seconds: 10) { (try? dump(store: "dpc-store", directory: dir).count) == sent.last })

        gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir, logName: "gatewayd-2")
        #expect(Self.ready(dir), "\(gatewayd.output)")
        Self.stream(data[(2 * third)...], port: ports.udp)
        let final = try #require(Self.quiet(dir, acknowledged: true), "\(gatewayd.output)")
        #expect(gatewayd.output.contains("spool repaired on open"))
        #expect(gatewayd.process.isRunning)

        let records = try dump(store: "dpc-store", directory: dir)
        // One record per epoch: those sent before the cut (the lost one included) and every one the
        // restarted gateway spooled, each epoch's time once.
        let times = Set(records.compactMap { $0["time"] as? String })
        #expect(times.count == final.last + 1, "epochs stored \(times.count), expected \(final.last + 1)")
        let byGeneration = Dictionary(grouping: records) { $0["generation"] as? String ?? "?" }
        #expect(byGeneration.count == 2)
        let old = try #require(byGeneration.values.first { $0.count == sent.last })
        #expect(old.compactMap { $0["sequence"] as? Int } == Array(1...sent.last), "everything acknowledged or received before the cut")
        let new = try #require(byGeneration.values.first { $0.count != sent.last })
        // Under the new generation: the unacknowledged records left after the cut, then the third part's.
        #expect(new.compactMap { $0["sequence"] as? Int } == Array((acknowledged.last + 1)...final.last))
        print("acknowledged \(acknowledged.last), in flight to the stalled dpcd \(sent.last), the spool kept \(sent.last - 1), "
              + "new generation stored \(new.count) records up to \(final.last)")

        let dpcMetrics = httpGet(port: ports.dpcMetrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_sequence_regressions_total") == 1, "\(dpcMetrics)")
        #expect(metric(dpcMetrics, "dpc_records_duplicate_total") == 0)
        let gatewayMetrics = httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? ""
        #expect(metric(gatewayMetrics, "gateway_spool_generations_total{reason=\"sequence_regression\"}") == 1)
    }
}
