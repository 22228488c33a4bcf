import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The host's clock stepped under running daemons (an NTP step, an operator's `date -s`): gatewayd and dpcd run with
/// libfaketime preloaded, which moves the wall clock they read (CLOCK_REALTIME) and leaves the monotonic one alone, as
/// a real step does. Timeouts, keep-alives and retries run on the monotonic clock, so a step neither closes the link
/// as idle nor stalls it; records go on to the store exactly once.
@Suite("Host clock steps", .serialized)
struct HostClockJumpTests {
    static let library = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                          "/usr/lib/faketime/libfaketime.so.1"].first { FileManager.default.fileExists(atPath: $0) }

    @Test("the wall clock stepped an hour forward, then two back, while data flows: every record stored once, the link never idle-closed",
          .enabled(if: library != nil, "needs libfaketime (apt-get install faketime)"))
    func clockSteps() throws {
        let ports = SequenceRecoveryTests.Ports(link: 7231, dpcMetrics: 9631, gatewayMetrics: 9632, udp: 5231)
        let dir = SequenceRecoveryTests.prepare("clock-steps", ports)
        let offsetFile = dir + "/clock-offset"
        try "+0".write(toFile: offsetFile, atomically: true, encoding: .utf8)
        let environment = ["LD_PRELOAD": Self.library ?? "", "FAKETIME_TIMESTAMP_FILE": offsetFile, "FAKETIME_CACHE_DURATION": "1",
                           "FAKETIME_DONT_FAKE_MONOTONIC": "1"]
        let data = try SequenceRecoveryTests.capture()
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir, environment: environment)
        defer { dpcd.stop() }
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir, environment: environment)
        defer { gatewayd.stop() }
        #expect(SequenceRecoveryTests.ready(dir), "\(gatewayd.output)")

        // The capture in three parts, a step of the clock before each: its station and ephemeris messages and a third
        // of its observation epochs, then a third, then the rest.
        let frames = Self.frames(data)
        let firstEpoch = try #require(frames.firstIndex { (1071...1127).contains($0.type) })
        let epochs = frames.count - firstEpoch
        let cuts = [0, frames[firstEpoch + epochs / 3].start, frames[firstEpoch + 2 * epochs / 3].start, data.count]
        var spooled = 0, latencies: [Double] = []
        for (k, offset) in ["+0", "+3600", "-3600"].enumerated() {
            try offset.write(toFile: offsetFile, atomically: true, encoding: .utf8)
            usleep(3_000_000)  // past libfaketime's cache of the offset file (1 s, counted in whole seconds)
            SequenceRecoveryTests.stream(data[cuts[k]..<cuts[k + 1]], port: ports.udp)
            let state = try #require(SequenceRecoveryTests.quiet(dir, acknowledged: true), "offset \(offset): \(gatewayd.output)")
            #expect(state.last > spooled, "offset \(offset): nothing new spooled")
            spooled = state.last
            // Both daemons answer, and what they report of the time moved with the host's clock.
            #expect(httpGet(port: ports.dpcMetrics, path: "/metrics") != nil, "dpcd at offset \(offset)")
            let gatewayMetrics = httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? ""
            latencies.append(metric(gatewayMetrics, "gateway_station_epoch_latency_seconds{station=\"REF\"}") ?? .nan)
        }
        // A keep-alive period and more with the clock two hours behind where it was: a wall-clock timer would fire
        // or stall here.
        usleep(3_000_000)
        print("spooled \(spooled) records across clock steps of +1 h and -2 h; epoch latencies \(latencies) s")

        // The daemons did see the steps: an epoch's latency (its arrival by the wall clock less its time) moved with them.
        #expect(latencies.count == 3 && abs(latencies[1] - latencies[0] - 3600) < 60 && abs(latencies[2] - latencies[1] + 7200) < 60,
                "\(latencies)")

        let records = try dump(store: "dpc-store", directory: dir)
        let sequences = records.compactMap { $0["sequence"] as? Int }
        #expect(sequences.sorted() == Array(1...spooled), "stored \(sequences.count) of \(spooled)")
        let dpcMetrics = httpGet(port: ports.dpcMetrics, path: "/metrics") ?? ""
        #expect(metric(dpcMetrics, "dpc_records_duplicate_total") == 0, "\(dpcMetrics)")
        #expect(metric(dpcMetrics, "dpc_links_idle_closed_total") == 0)
        #expect(metric(dpcMetrics, "dpc_links_authenticated") == 1)
        #expect(metric(dpcMetrics, "dpc_sequence_regressions_total") == 0)
        let gatewayMetrics = httpGet(port: ports.gatewayMetrics, path: "/metrics") ?? ""
        #expect(metric(gatewayMetrics, "gateway_dpc_link_up") == 1, "\(gatewayMetrics)")
        #expect(metric(gatewayMetrics, "gateway_records_acknowledged_total") == Double(spooled))
        #expect(metric(gatewayMetrics, "gateway_spool_records_dropped_total") ?? 0 == 0)
        #expect(metric(gatewayMetrics, "gateway_dpc_link_refused_total") ?? 0 == 0)
        #expect(!gatewayd.output.contains("reconnect"), "\(gatewayd.output)")
    }

    /// Where each RTCM 3 frame of `bytes` starts, and its message type.
    static func frames(_ bytes: [UInt8]) -> [(start: Int, type: Int)] {
        var found: [(start: Int, type: Int)] = [], i = 0
        while i + 5 <= bytes.count {
            guard bytes[i] == 0xD3 else { i += 1; continue }
            found.append((i, Int(bytes[i + 3]) << 4 | Int(bytes[i + 4]) >> 4))
            i += 6 + (Int(bytes[i + 1] & 3) << 8 | Int(bytes[i + 2]))
        }
        return found
    }
}
