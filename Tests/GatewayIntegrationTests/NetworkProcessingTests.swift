import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The DPC's own processing, live: `gnss-sim stream` simulates six reference stations over Europe on the real sky of
/// 2020-06-25 (its final orbits and clocks) with the day's real broadcast ephemerides in their streams; gatewayd
/// forwards them; dpcd estimates orbit and clock corrections and sends them out as RTCM 3 SSR over UDP.
@Suite("DPC network processing live", .serialized)
struct NetworkProcessingTests {
    static let key = "6c6f63616c2d64656d6f2d6b65792d6368616e67652d6d652d696e2d70726f64"
    static let stations: [(String, Double, Double)] = [("NA", 47, -8), ("NB", 47, 14), ("NC", 55, 3), ("ND", 55, 25), ("NE", 63, -8), ("NF", 63, 14)]

    static func gatewayConfiguration() -> String {
        var text = """
            gateway_id: network-gateway
            control_socket: ./ctl.sock
            metrics: 127.0.0.1:9681
            state_directory: ./state
            dpc:
              address: 127.0.0.1:7381
              key: \(key)
            stations:

            """
        for (i, s) in stations.enumerated() {
            text += """
                  - name: \(s.0)
                    listen: 127.0.0.1:\(5361 + i)
                    format: rtcm3
                    role: reference
                    processing: spp

                """
        }
        return text
    }

    static let dpcConfiguration = """
        listen: 127.0.0.1:7381
        store: ./state/dpc
        metrics: 127.0.0.1:9682
        key: \(key)
        processing:
          interval: 30
          holdback: 10
          ssr_output: 127.0.0.1:5379
        """

    @Test("dpcd turns the network's forwarded observations into SSR orbit and clock corrections for GPS and Galileo",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func dpcdComputesCorrections() throws {
        let dir = makeWorkDirectory("network")
        try Self.gatewayConfiguration().write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
        try Self.dpcConfiguration.write(toFile: dir + "/dpcd.yaml", atomically: true, encoding: .utf8)
        let receiver = try UDPReceiver(port: 5379)
        let dpcd = try DaemonProcess("dpcd", ["--config", "dpcd.yaml"], directory: dir)
        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop(); dpcd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "not ready: \(gatewayd.output)")

        var arguments = ["stream", "--sky", "precise", "--no-leo", "--minutes", "8", "--interval", "5", "--speed", "30", "--seed", "9",
                         "--data", SharedData.path("ppp-esbc-2020177")]
        for (i, s) in Self.stations.enumerated() {
            arguments += ["--station", "\(s.0)@\(s.1),\(s.2),100", "--to", "\(s.0)=127.0.0.1:\(5361 + i)"]
        }
        let sim = try DaemonProcess.run("gnss-sim", arguments, directory: dir)
        #expect(sim.status == 0, "gnss-sim: \(sim.error)")

        // The corrections: SSR frames until the stream goes quiet.
        var stream: [UInt8] = []
        _ = eventually(seconds: 30) {
            let got = receiver.receive()
            stream += got
            return got.isEmpty && stream.count > 1_000
        }
        var framer = RTCM3Framer()
        framer.append(stream)
        var messages: [SSRMessage] = []
        while let item = framer.next() {
            if case .frame(let f) = item, let m = try? RTCM3SSRCodec.decode(payload: f.payload[...]) { messages.append(m) }
        }
        let types = Set(messages.map(\.messageType))
        #expect(types.isSuperset(of: [1057, 1058, 1240, 1241]), "SSR message types \(types.sorted()); dpcd: \(dpcd.output)")
        let lastGPSClocks = messages.last { $0.messageType == 1058 }?.satellites ?? []
        #expect(lastGPSClocks.count >= 6, "GPS clocks in the last epoch: \(lastGPSClocks.count)")
        // Every orbit correction names an ephemeris of the day's navigation file and stays within what broadcast errors are.
        let products = try Products.load(navigation: [SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz")],
                                         sp3: [], clock: [])
        for m in messages where m.kind == .orbit {
            for s in m.satellites {
                let issues = products.ephemerides.all(for: s.satellite).compactMap { SSRGenerator.issueOfData($0) }
                #expect(issues.contains(s.iod ?? -1), "\(s.satellite) IOD \(s.iod ?? -1)")
                #expect((s.orbit ?? []).prefix(3).allSatisfy { abs($0) < 10 }, "\(s.satellite) orbit \(s.orbit ?? [])")
            }
        }

        let metrics = try #require(httpGet(port: 9682, path: "/metrics"))
        #expect(metric(metrics, "dpc_network_stations") == Double(Self.stations.count), "\(metrics)")
        #expect((metric(metrics, "dpc_network_epochs_total") ?? 0) >= 14)
        #expect((metric(metrics, "dpc_network_satellites") ?? 0) >= 12)
        #expect((metric(metrics, "dpc_network_phase_residual_rms_metres") ?? 1) < 0.05)
    }
}

/// A UDP socket of the test's own, bound on loopback, read without blocking for long.
final class UDPReceiver {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &local.sin_addr)
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(bound == 0, "cannot bind UDP port \(port)")
        var timeout = timeval(tv_sec: 0, tv_usec: 500_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// What the next datagram holds, empty after half a second without one.
    func receive() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    deinit { close(fd) }
}
