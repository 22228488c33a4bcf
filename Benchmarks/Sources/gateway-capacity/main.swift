import Foundation
import GNSSFormats
#if canImport(Glibc)
import Glibc
#endif

// Capacity of one gatewayd (release build) on this machine: N stations, each streaming RTCM 3 MSM7 at 1 Hz over
// loopback UDP (one datagram per epoch, the stations spread evenly over each second), processed with SPP.
// Reports, per N: datagrams sent and received (loss), epoch-to-solution latency p50/p99 from gatewayd's own
// histogram, and gatewayd's resident memory.
// Usage: gateway-capacity [--stations 100,250,500,750] [--seconds 20] [--gatewayd PATH]

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
var stationCounts = [100, 250, 500, 750]
var duration = 20
var gatewayd = root.appendingPathComponent(".build/release/gatewayd").path
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--stations": stationCounts = (arguments.next() ?? "").split(separator: ",").compactMap { Int($0) }
    case "--seconds": duration = Int(arguments.next() ?? "") ?? duration
    case "--gatewayd": gatewayd = arguments.next() ?? gatewayd
    default: print("usage: gateway-capacity [--stations 100,250,500] [--seconds 20] [--gatewayd PATH]"); exit(2)
    }
}
guard FileManager.default.isExecutableFile(atPath: gatewayd) else {
    print("no gatewayd at \(gatewayd): run `swift build -c release` in the main package first")
    exit(1)
}

/// The bundled fixture's epochs, each as one datagram (ephemerides and station messages ride with the first).
func epochDatagrams() throws -> [[UInt8]] {
    let data = try Data(contentsOf: root.appendingPathComponent("fixtures/demo.rtcm3"))
    var framer = RTCM3Framer()
    framer.append(data)
    var epochs: [[UInt8]] = []
    var current: [UInt8] = []
    while let item = framer.next() {
        guard case .frame(let f) = item else { continue }
        current += f.bytes
        if let msm = try? MSMMessage.decode(f.payload), !msm.multipleMessage {
            epochs.append(current)
            current = []
        }
    }
    return epochs
}

func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
    let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard ok == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    return text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) }
}

/// Sum of every sample of a metric family (all label sets).
func total(_ body: String, _ name: String) -> Double {
    body.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
        .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
}

/// A quantile from a cumulative histogram, interpolated linearly inside its bucket.
func quantile(_ body: String, _ name: String, _ q: Double) -> Double? {
    var buckets: [(le: Double, count: Double)] = []
    for line in body.split(separator: "\n") where line.hasPrefix(name + "_bucket{le=\"") {
        let le = line.split(separator: "\"")[1]
        guard let count = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        buckets.append((le == "+Inf" ? .infinity : Double(le) ?? .infinity, count))
    }
    guard let all = buckets.last?.count, all > 0 else { return nil }
    let target = q * all
    var previous: (le: Double, count: Double) = (0, 0)
    for b in buckets {
        if b.count >= target {
            guard b.le.isFinite else { return previous.le }
            let inside = b.count - previous.count
            return inside > 0 ? previous.le + (b.le - previous.le) * (target - previous.count) / inside : b.le
        }
        previous = b
    }
    return nil
}

func residentMegabytes(pid: Int32) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
    return kb / 1024
}

let epochs = try epochDatagrams()
print("fixture: \(epochs.count) epochs, datagrams of \(epochs.map(\.count).min() ?? 0)–\(epochs.map(\.count).max() ?? 0) bytes")
let sender = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
var sendBuffer: Int32 = 4 << 20
setsockopt(sender, SOL_SOCKET, SO_SNDBUF, &sendBuffer, socklen_t(MemoryLayout<Int32>.size))

for n in stationCounts {
    let dir = NSTemporaryDirectory() + "gateway-capacity-\(n)"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let basePort = 20_000
    var yaml = "gateway_id: capacity\ncontrol_socket: \(dir)/ctl.sock\nmetrics: 127.0.0.1:9764\nstate_directory: \(dir)\nstations:\n"
    for i in 0..<n { yaml += "  - {name: S\(i), listen: \"127.0.0.1:\(basePort + i)\", processing: spp}\n" }
    try yaml.write(toFile: dir + "/gateway.yaml", atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: gatewayd)
    process.arguments = ["run", "--config", dir + "/gateway.yaml", "--log-level", "warning"]
    process.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try process.run()
    var up = false
    for _ in 0..<200 where !up {
        usleep(50_000)
        up = httpGet(port: 9764, path: "/healthz") == "ok\n"
    }
    guard up else { print("\(n) stations: gatewayd did not start"); process.terminate(); continue }

    var sent = 0
    let start = DispatchTime.now().uptimeNanoseconds
    for second in 0..<duration {
        let datagram = epochs[second % epochs.count]
        for i in 0..<n {
            // Station i sends at offset i/n of each second, as unsynchronised receivers would.
            let due = start + UInt64(second) * 1_000_000_000 + UInt64(i) * 1_000_000_000 / UInt64(n)
            let now = DispatchTime.now().uptimeNanoseconds
            if due > now { usleep(UInt32((due - now) / 1000)) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(basePort + i).bigEndian)
            address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
            let r = datagram.withUnsafeBytes { raw in
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(sender, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            if r > 0 { sent += 1 }
        }
    }
    usleep(1_500_000)
    let metrics = httpGet(port: 9764, path: "/metrics") ?? ""
    let received = Int(total(metrics, "gateway_udp_datagrams_received_total"))
    let dropped = Int(total(metrics, "gateway_udp_datagrams_dropped_total"))
    let solved = Int(total(metrics, "gateway_solutions_total"))
    let rss = residentMegabytes(pid: process.processIdentifier)
    let p50 = quantile(metrics, "gateway_epoch_solution_latency_seconds", 0.5).map { $0 * 1000 }
    let p99 = quantile(metrics, "gateway_epoch_solution_latency_seconds", 0.99).map { $0 * 1000 }
    process.interrupt()
    process.waitUntilExit()
    let loss = sent > 0 ? Double(sent - received) / Double(sent) * 100 : 100
    print(String(format: "%4d stations: %6d datagrams sent, %6d received (loss %.3f%%), %d dropped in gatewayd, %d epochs solved; latency p50 %@ ms, p99 %@ ms; RSS %@ MB",
                 n, sent, received, loss, dropped, solved,
                 p50.map { String(format: "%.2f", $0) } ?? "-", p99.map { String(format: "%.2f", $0) } ?? "-",
                 rss.map { String(format: "%.0f", $0) } ?? "-"))
}
