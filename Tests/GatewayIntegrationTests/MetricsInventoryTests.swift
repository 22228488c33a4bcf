import Foundation
import Testing
import TestSupport

/// The README's metric list against what the daemons export: a gatewayd with a station of every kind, a caster and
/// a DPC link, and a dpcd with network processing, scraped before any data arrives.
@Suite("Metrics the README lists", .serialized)
struct MetricsInventoryTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md").path
    static let key = "6c6f63616c2d64656d6f2d6b65792d6368616e67652d6d652d696e2d70726f64"

    /// Families whose label values come from what a stream brings (a message type, an SSR system or reason), and
    /// gauges with no value before data (a zero would read as a measurement), so they appear with their first event,
    /// as the README says; and one that only a configuration with products makes.
    static let appearLater: Set<String> = [
        "gateway_frames_decoded_total", "gateway_ssr_corrections_total", "gateway_ssr_satellites", "gateway_ssr_age_seconds",
        "gateway_ssr_refused_total", "gateway_ssr_uncorrected_total",
        "gateway_station_completeness_ratio", "gateway_station_multipath_meters", "gateway_station_cn0_dbhz",
        "gateway_station_epoch_latency_seconds", "gateway_station_epoch_latency_mean_seconds",
        "gateway_station_outage_longest_seconds", "gateway_station_outage_last_seconds",
        "gateway_ssr_published_bytes_total",  // `ssr_publish` needs SP3 and clock files; created at start there
    ]
    /// Names in the README's text that are not metrics.
    static let notMetrics: Set<String> = ["gateway_id"]

    /// Every `gateway_…` and `dpc_…` name the README writes in backquotes.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: "`((?:gateway|dpc)_[a-z0-9_]+)")
        let range = NSRange(text.startIndex..., in: text)
        let names = pattern.matches(in: text, range: range).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
        return Set(names).subtracting(notMetrics)
    }

    static func exported(_ body: String) -> Set<String> {
        Set(body.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("# TYPE ") else { return nil }
            return line.split(separator: " ").dropFirst(2).first.map(String.init)
        })
    }

    @Test("every metric exported is listed, and every one listed is there from the start, at zero")
    func inventory() throws {
        let dir = makeWorkDirectory("metrics-inventory")
        let link = try StationSourceInteropTests.freePort(), dpcMetrics = try StationSourceInteropTests.freePort()
        let gatewayMetrics = try StationSourceInteropTests.freePort(), caster = try StationSourceInteropTests.freePort()
        let silentServer = try StationSourceInteropTests.freePort()
        let udp = try (0..<4).map { _ in try StationSourceInteropTests.freePort() }
        try """
            listen: 127.0.0.1:\(link)
            store: ./state/dpc
            metrics: 127.0.0.1:\(dpcMetrics)
            key: \(Self.key)
            processing:
              interval: 30
              holdback: 10
            """.write(toFile: dir + "/dpcd.yaml", atomically: true, encoding: .utf8)
        try """
            gateway_id: inventory
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:\(gatewayMetrics)
            state_directory: ./state
            dpc:
              address: 127.0.0.1:\(link)
              key: \(Self.key)
            caster:
              listen: 127.0.0.1:\(caster)
              users:
                - {name: rover, password: inventory-password}
              sources:
                - {mountpoint: PUSHED, password: inventory-push}
            stations:
              - {name: REF, listen: 127.0.0.1:\(udp[0]), role: reference, processing: spp,
                 push: ["ntrip://:inventory-push@127.0.0.1:\(caster)/PUSHED"]}
              - {name: CORR, listen: 127.0.0.1:\(udp[1]), role: corrections}
              - {name: ROV, listen: 127.0.0.1:\(udp[2]), role: rover, processing: ppp, corrections: CORR}
              - {name: LEO, listen: 127.0.0.1:\(udp[3]), format: leo, role: rover, processing: none}
              - {name: TCP, source: "tcp://127.0.0.1:\(silentServer)", role: rover, processing: rtk, reference: REF}
            """.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "not ready: \(gatewayd.output)")
        let gateway = try #require(httpGet(port: gatewayMetrics, path: "/metrics"))
        let dpc = try #require(httpGet(port: dpcMetrics, path: "/metrics"), "\(dpcd.output)")

        let documented = try Self.documented()
        let exported = Self.exported(gateway).union(Self.exported(dpc))
        #expect(exported.subtracting(documented).isEmpty, "exported but not in the README: \(exported.subtracting(documented).sorted())")
        let missing = documented.subtracting(exported).subtracting(Self.appearLater)
        #expect(missing.isEmpty, "in the README but absent at the start: \(missing.sorted())")

        // A few series a dashboard or an alert would watch, present at zero before the first byte.
        for series in ["gateway_epochs_total{station=\"REF\"}", "gateway_solutions_total{station=\"ROV\",quality=\"ppp\"}",
                       "gateway_solutions_total{station=\"TCP\",quality=\"fixed\"}", "gateway_epochs_refused_total{station=\"REF\",reason=\"repeated\"}",
                       "gateway_decode_errors_total{station=\"REF\",kind=\"truncated\"}", "gateway_leo_ephemerides_total{station=\"LEO\"}",
                       "gateway_spool_generations_total{reason=\"sequence_regression\"}", "gateway_source_errors_total{station=\"TCP\",reason=\"tls\"}",
                       "gateway_caster_source_bytes_total{mountpoint=\"PUSHED\"}",
                       "gateway_push_dropped_bytes_total{station=\"REF\",target=\"ntrip://:***@127.0.0.1:\(caster)/PUSHED\"}"] {
            #expect(metric(gateway, series) == 0, "\(series)")
        }
        #expect(metric(dpc, "dpc_links_refused_total{reason=\"bad_key\"}") == 0)
    }
}
