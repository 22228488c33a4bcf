import BenchmarkSupport
import Foundation
import GNSSCore
#if canImport(Glibc)
import Glibc
#endif

// Soak: one gatewayd (release build) with N stations at 1 Hz for M minutes, under adversarial clients the whole
// time, with a dpcd taking the reference stations' records over the link. Half the stations are reference stations
// (SPP, forwarding), a quarter SPP rovers and a quarter PPP rovers on an SSR stream, plus the corrections station.
// Every station is sent the ESBC day of ../shared/data/ppp-esbc-2020177 as MSM7, one 30 s epoch a second (as
// gateway-capacity does), and the SSR stream `gatewayd ssr encode` makes from the day's products.
//
// The adversaries (Adversaries.swift): pipelined `GET /metrics` and control requests never read, idle connections
// on both, NTRIP clients that never read, 200 garbage datagrams a second, 40 distinct ephemerides a second into a
// rover and a reference station, and unauthenticated 4 MiB frames and random bytes on dpcd's link.
//
// Every `--sample` seconds it prints both daemons' resident memory and the counters; at the end the curve against
// the value after the first `--settle` minutes (the requirement: within 10 %), whether the daemons still answer, the
// good datagrams sent against received and counted as lost, and every limit the daemons counted.
//
// Usage: gateway-soak [--minutes 30] [--stations 200] [--sample 30] [--settle 5] [--without ADVERSARY,...] [--bin DIR] [--data DIR]
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
var minutes = 30
var stationCount = 200
var sampleSeconds = 30
var settleMinutes = 5
var bin = root.appendingPathComponent(".build/release").path
var skipped: Set<String> = []
var dataDirectory = root.deletingLastPathComponent().appendingPathComponent("shared/data/ppp-esbc-2020177").path
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--minutes": minutes = Int(arguments.next() ?? "") ?? minutes
    case "--stations": stationCount = max(4, Int(arguments.next() ?? "") ?? stationCount)
    case "--sample": sampleSeconds = max(1, Int(arguments.next() ?? "") ?? sampleSeconds)
    case "--settle": settleMinutes = Int(arguments.next() ?? "") ?? settleMinutes
    case "--bin": bin = arguments.next() ?? bin
    case "--data": dataDirectory = arguments.next() ?? dataDirectory
    case "--without":
        skipped = Set((arguments.next() ?? "").split(separator: ",").map(String.init))
        guard skipped.isSubset(of: Adversaries.names) else { say("--without takes some of " + Adversaries.names.joined(separator: ",")); exit(2) }
    default:
        say("usage: gateway-soak [--minutes 30] [--stations 200] [--sample 30] [--settle 5] [--without ADVERSARY,...] [--bin DIR] [--data DIR]")
        exit(2)
    }
}
let gatewayd = bin + "/gatewayd"
let dpcd = bin + "/dpcd"
for path in [gatewayd, dpcd] where !FileManager.default.isExecutableFile(atPath: path) {
    say("no \(path): run `swift build -c release` in the main package first")
    exit(1)
}
signal(SIGPIPE, SIG_IGN)

/// A line on standard output at once (not held in a buffer when the output is a pipe), from any thread.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let work = NSTemporaryDirectory() + "gateway-soak-\(getpid())"
try FileManager.default.createDirectory(atPath: work + "/state", withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: work) }
say("encoding the SSR stream and \(minutes * 60) epochs of ESBC…")
let feed: PPPFeed
let ephemeris: KeplerEphemeris
do {
    feed = try PPPFeed(seconds: minutes * 60, startOfDay: 2 * 3600, directory: dataDirectory, gatewayd: gatewayd, work: work)
    ephemeris = try firstGPSEphemeris(in: root.appendingPathComponent("fixtures/demo.rtcm3").path)
} catch {
    say("\(error)")
    exit(1)
}

// Ports: stations from 31000, the corrections station 30999; gatewayd's metrics and caster, dpcd's link and metrics
// wherever the kernel finds them free.
let basePort = 31_000
let correctionsPort = basePort - 1
let (metricsPort, casterPort, dpcPort, dpcMetricsPort) = (freeTCPPort(), freeTCPPort(), freeTCPPort(), freeTCPPort())
let references = stationCount / 2
let sppRovers = stationCount / 4
let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
var stations: [(name: String, line: String)] = []
for i in 0..<stationCount {
    let port = basePort + i
    switch i {
    case ..<references: stations.append(("R\(i)", "{name: R\(i), listen: \"127.0.0.1:\(port)\", role: reference, processing: spp, systems: [G, E]}"))
    case ..<(references + sppRovers): stations.append(("S\(i)", "{name: S\(i), listen: \"127.0.0.1:\(port)\", processing: spp, systems: [G, E]}"))
    default: stations.append(("P\(i)", "{name: P\(i), listen: \"127.0.0.1:\(port)\", processing: ppp, systems: [G, E]}"))
    }
}
let gatewayConfiguration = """
    gateway_id: soak
    control_socket: ./ctl.sock
    metrics: 127.0.0.1:\(metricsPort)
    state_directory: ./state
    spool: {directory: ./state/spool, max_bytes: 268435456}
    dpc: {address: "127.0.0.1:\(dpcPort)", key: \(key)}
    products: {navigation: [\(feed.navigation)]}
    caster: {listen: "127.0.0.1:\(casterPort)", users: [{name: soak, password: soak}], max_clients: 48}
    stations:
      - {name: SSR, listen: "127.0.0.1:\(correctionsPort)", role: corrections, ssr_reference: com}
    \(stations.map { "  - " + $0.line }.joined(separator: "\n"))
    """
let dpcConfiguration = """
    listen: 127.0.0.1:\(dpcPort)
    store: ./state/dpc
    metrics: 127.0.0.1:\(dpcMetricsPort)
    key: \(key)
    """
try gatewayConfiguration.write(toFile: work + "/gateway.yaml", atomically: true, encoding: .utf8)
try dpcConfiguration.write(toFile: work + "/dpcd.yaml", atomically: true, encoding: .utf8)
for file in ["gateway.yaml", "dpcd.yaml"] { try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: work + "/" + file) }

func start(_ path: String, _ configuration: String) throws -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = (path == dpcd ? ["serve"] : ["run", "--log-level", "warning"]) + ["--config", configuration]
    p.currentDirectoryURL = URL(fileURLWithPath: work)
    p.standardOutput = FileHandle.nullDevice
    _ = FileManager.default.createFile(atPath: work + "/" + configuration + ".log", contents: nil)
    p.standardError = FileHandle(forWritingAtPath: work + "/" + configuration + ".log")
    try p.run()
    return p
}
func answers(_ port: Int) -> Bool { httpGet(port: port, path: "/healthz") != nil }
let dpc = try start(dpcd, "dpcd.yaml")
let gateway = try start(gatewayd, "gateway.yaml")
defer {
    for p in [gateway, dpc] where p.isRunning {
        p.interrupt()
        p.waitUntilExit()
    }
}
// Interrupted (Ctrl-C, a timeout's SIGTERM): the daemons are stopped too, not left running.
let daemonPIDs = [gateway.processIdentifier, dpc.processIdentifier]
let interruptions = [SIGINT, SIGTERM].map { number in
    signal(number, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
    source.setEventHandler {
        for pid in daemonPIDs { kill(pid, SIGTERM) }
        exit(1)
    }
    source.resume()
    return source
}
var up = false
for _ in 0..<400 where !up {
    usleep(50_000)
    up = answers(metricsPort) && answers(dpcMetricsPort)
}
guard up else {
    say("the daemons did not start:")
    for log in ["dpcd.yaml.log", "gateway.yaml.log"] { say((try? String(contentsOfFile: work + "/" + log, encoding: .utf8)) ?? "") }
    for p in [gateway, dpc] where p.isRunning { p.terminate() }
    exit(1)
}

let tally = Tally()
let deadline = Date() + Double(minutes * 60)
let adversaries = Adversaries(
    metricsPort: metricsPort, controlSocket: work + "/ctl.sock", casterPort: casterPort,
    casterMountpoints: stations.prefix(references).map(\.name), dpcPort: dpcPort,
    stationPorts: (0..<stationCount).map { basePort + $0 }, roverPort: basePort + references,
    referencePort: basePort, ephemeris: ephemeris, deadline: deadline, tally: tally)

/// One sample of the curve.
struct Sample {
    var minute: Double
    var gatewayMB: Double
    var dpcMB: Double
    var solved: Int
    var stored: Int
}

/// Samples both daemons every `sampleSeconds` until the deadline, printing each line.
final class Sampler: @unchecked Sendable {
    private let lock = NSLock()
    private var taken: [Sample] = []
    private var failedScrapes = 0
    /// Scrapes of either daemon's metrics that got no answer within 10 s.
    var failures: Int { lock.withLock { failedScrapes } }
    var samples: [Sample] {
        lock.lock()
        defer { lock.unlock() }
        return taken
    }

    func run(gateway: Int32, dpc: Int32, every seconds: Int, until deadline: Date, started: Date, metricsPort: Int, dpcMetricsPort: Int) {
        say(" min  gatewayd MB  dpcd MB  solutions  records stored  datagrams dropped  caster slow dropped  refused (metrics/control/caster/link)")
        while Date() < deadline + 1 {
            let g = httpGet(port: metricsPort, path: "/metrics") ?? ""
            let d = httpGet(port: dpcMetricsPort, path: "/metrics") ?? ""
            if g.isEmpty || d.isEmpty {
                lock.withLock { failedScrapes += 1 }
                say(String(format: "%4.1f  a scrape of %@ got no answer within 10 s", Date().timeIntervalSince(started) / 60,
                           g.isEmpty ? "gatewayd" : "dpcd"))
            }
            let s = Sample(minute: Date().timeIntervalSince(started) / 60, gatewayMB: residentMegabytes(pid: gateway) ?? 0,
                           dpcMB: residentMegabytes(pid: dpc) ?? 0, solved: Int(total(g, "gateway_solutions_total")),
                           stored: Int(total(d, "dpc_records_stored_total")))
            lock.lock()
            taken.append(s)
            lock.unlock()
            let refused = [total(g, "gateway_metrics_connections_closed_total"), total(g, "gateway_control_connections_closed_total"),
                           total(g, "gateway_caster_refused_total"), total(d, "dpc_links_refused_total")].map { String(Int($0)) }
            say(String(format: "%4.1f  %11.1f  %7.1f  %9d  %14d  %17d  %19d  %@", s.minute, s.gatewayMB, s.dpcMB, s.solved, s.stored,
                         Int(total(g, "gateway_udp_datagrams_dropped_total")), Int(total(g, "gateway_caster_slow_clients_dropped_total")),
                         refused.joined(separator: "/")))
            let next = Date() + Double(seconds)
            while Date() < next && Date() < deadline + 1 { usleep(200_000) }
        }
    }
}

let started = Date()
let sampler = Sampler()
let (gatewayPID, dpcPID, every) = (gateway.processIdentifier, dpc.processIdentifier, sampleSeconds)
let samplerThread = Thread { [sampler] in
    sampler.run(gateway: gatewayPID, dpc: dpcPID, every: every, until: deadline, started: started,
                metricsPort: metricsPort, dpcMetricsPort: dpcMetricsPort)
}
samplerThread.start()
_ = adversaries.start(skipping: skipped)

// The traffic: each second the SSR datagrams due, then every station's epoch at offset i/N of the second.
let sender = UDPSender()
var sent = 0
for d in feed.corrections[0] where sender.send(d, port: correctionsPort) { sent += 1 }
let t0 = DispatchTime.now().uptimeNanoseconds
for second in 0..<(minutes * 60) where Date() < deadline {
    if second > 0 {
        let due = t0 + UInt64(second) * 1_000_000_000
        let now = DispatchTime.now().uptimeNanoseconds
        if due > now { usleep(UInt32((due - now) / 1000)) }
        for d in feed.corrections[second] where sender.send(d, port: correctionsPort) { sent += 1 }
    }
    for i in 0..<stationCount {
        let due = t0 + UInt64(second) * 1_000_000_000 + UInt64(i) * 1_000_000_000 / UInt64(stationCount)
        let now = DispatchTime.now().uptimeNanoseconds
        if due > now { usleep(UInt32((due - now) / 1000)) }
        if sender.send(feed.epochs[second], port: basePort + i) { sent += 1 }
    }
}
while Date() < deadline + 2 { usleep(200_000) }

// The summary.
let samples = sampler.samples
let gatewayMetrics = httpGet(port: metricsPort, path: "/metrics") ?? ""
let dpcMetrics = httpGet(port: dpcMetricsPort, path: "/metrics") ?? ""
say("")
say("gatewayd \(gateway.isRunning && !gatewayMetrics.isEmpty ? "running and answering" : "NOT ANSWERING"), "
      + "dpcd \(dpc.isRunning && !dpcMetrics.isEmpty ? "running and answering" : "NOT ANSWERING")")
if let settled = samples.first(where: { $0.minute >= Double(settleMinutes) }) {
    let after = samples.filter { $0.minute >= settled.minute }
    for (name, value) in [("gatewayd", \Sample.gatewayMB), ("dpcd", \Sample.dpcMB)] {
        let base = settled[keyPath: value]
        let high = after.map { $0[keyPath: value] }.max() ?? base
        let last = after.last?[keyPath: value] ?? base
        say(String(format: "%@: %.1f MB after %d min, at most %.1f MB (%+.1f %%) after it, %.1f MB at the end (%+.1f %%): %@", name, base,
                     settleMinutes, high, (high / base - 1) * 100, last, (last / base - 1) * 100,
                     high <= base * 1.1 ? "within 10 %" : "MORE THAN 10 %"))
    }
}
let received = Int(total(gatewayMetrics, "gateway_udp_datagrams_received_total"))
say("good datagrams sent \(sent); datagrams received \(received) (garbage included), "
      + "\(Int(total(gatewayMetrics, "gateway_udp_datagrams_dropped_total"))) counted as dropped, "
      + "\(Int(total(gatewayMetrics, "gateway_udp_datagrams_dropped_total", label: "reason=\"receive_buffer\""))) of them by the kernel")
say("solutions \(Int(total(gatewayMetrics, "gateway_solutions_total"))), of which PPP \(Int(total(gatewayMetrics, "gateway_solutions_total", label: "quality=\"ppp\""))); "
      + "records forwarded \(Int(total(gatewayMetrics, "gateway_records_forwarded_total"))), stored by dpcd \(Int(total(dpcMetrics, "dpc_records_stored_total")))")
say("scrapes of the sampler that got no answer within 10 s: \(sampler.failures) of \(samples.count)")
say("the adversaries: " + tally.snapshot.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
say("limits the daemons counted (summed over stations):")
for body in [gatewayMetrics, dpcMetrics] {
    var sums: [String: Double] = [:]
    for line in body.split(separator: "\n") where !line.hasPrefix("#")
        && ["dropped", "refused", "closed", "paused", "garbage", "decode_errors", "errors", "set_aside"].contains(where: { line.contains($0) }) {
        guard let v = line.split(separator: " ").last.flatMap({ Double($0) }), v > 0 else { continue }
        let name = String(line.prefix { $0 != "{" && $0 != " " })
        let reason = line.components(separatedBy: "reason=\"").dropFirst().first?.split(separator: "\"").first
            ?? line.components(separatedBy: "kind=\"").dropFirst().first?.split(separator: "\"").first
        sums[name + (reason.map { "{\($0)}" } ?? ""), default: 0] += v
    }
    for (name, v) in sums.sorted(by: { $0.key < $1.key }) { say("  \(name) \(Int(v))") }
}
