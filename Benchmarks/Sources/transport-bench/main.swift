import DPC
import DPCLink
import DaemonSupport
import Foundation
import GNSSCore
import Gateway
import JetStream
import Logging
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// The gateway-to-DPC transports side by side, in one run on this machine: the direct link (Forwarder → DPCServer)
// and NATS JetStream (JetStreamForwarder → a single `nats-server -js` node → JetStreamIntake), each from a real
// spool to a real store, in one process. Records are the size of a reference station's epoch (600 bytes of RTCM).
//
// Reports per transport: records per second (N records appended at once, until the store holds them all, fsynced)
// and spool-to-store latency p50/p99 (records appended at a steady rate; each one's time from `Spool.append` to
// its sequence showing in the store, polled every 0.2 ms).
//
// Usage: transport-bench [--records 5000] [--paced 1000] [--rate 200] [--nats-server PATH] [--port 14299]
//
// Measured on this machine (2 cores shared with other builds, load average 10 to 12, release build), three runs:
// link 11807, 10034 and 5314 records/s, p50 1.89, 3.13 and 1.81 ms, p99 16.2, 17.0 and 15.0 ms; JetStream 4193, 5863
// and 4920 records/s, p50 1.97, 2.19 and 1.61 ms, p99 17.0, 32.2 and 14.3 ms.

/// How much each transport is given.
struct Load: Sendable {
    var total = 5000
    var paced = 1000
    var rate = 200.0
}
var load = Load()
var natsServer = "/usr/sbin/nats-server"
var natsPort = 14299
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--records": load.total = Int(arguments.next() ?? "") ?? load.total
    case "--paced": load.paced = Int(arguments.next() ?? "") ?? load.paced
    case "--rate": load.rate = Double(arguments.next() ?? "") ?? load.rate
    case "--nats-server": natsServer = arguments.next() ?? natsServer
    case "--port": natsPort = Int(arguments.next() ?? "") ?? natsPort
    default:
        print("usage: transport-bench [--records 5000] [--paced 1000] [--rate 200] [--nats-server PATH] [--port 14299]")
        exit(2)
    }
}

var logger = Logger(label: "transport-bench")
logger.logLevel = .warning
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("transport-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

/// One transport under test: a spool feeding it and the store at its far end.
struct Transport {
    var name: String
    var spool: Spool
    var store: DPCStore
    var isUp: @Sendable () -> Bool
}

struct Figures {
    var recordsPerSecond: Double
    var p50: Double
    var p99: Double
}

let rtcm = [UInt8](repeating: 0xD3, count: 600)
func record(_ i: Int) -> CorrectionRecord {
    CorrectionRecord(station: "BENCH", time: GNSSTime(seconds: 1_300_000_000 + Int64(i)), rtcm: rtcm)
}

func measure(_ t: Transport, _ load: Load) async throws -> Figures {
    let (total, paced, rate) = (load.total, load.paced, load.rate)
    let deadline = ContinuousClock.now + .seconds(30)
    while !t.isUp() {
        guard ContinuousClock.now < deadline else { throw BenchFailure("\(t.name) did not come up") }
        try await Task.sleep(for: .milliseconds(50))
    }
    let stream = RecordStream(gateway: "bench", generation: t.spool.generation)

    // Throughput: everything at once.
    let start = ContinuousClock.now
    for i in 1...total { try t.spool.append(record(i)) }
    while t.store.lastSequence(stream) < UInt64(total) {
        guard ContinuousClock.now - start < .seconds(300) else { throw BenchFailure("\(t.name): store stuck at \(t.store.lastSequence(stream))") }
        try await Task.sleep(for: .milliseconds(1))
    }
    let seconds = (ContinuousClock.now - start).inSeconds

    // Latency: a steady rate, each record's time from append to store.
    let first = UInt64(total) + 1
    let appended = Mutex([ContinuousClock.Instant](repeating: .now, count: paced))
    let seen = Mutex([ContinuousClock.Instant?](repeating: nil, count: paced))
    let watcher = Task {
        var next = first
        while next < first + UInt64(paced), !Task.isCancelled {
            let last = t.store.lastSequence(stream)
            let now = ContinuousClock.now
            while next <= last && next < first + UInt64(paced) {
                let index = Int(next - first)
                seen.withLock { $0[index] = now }
                next += 1
            }
            try? await Task.sleep(for: .microseconds(200))
        }
    }
    let interval = Duration.seconds(1 / rate)
    var due = ContinuousClock.now
    for i in 0..<paced {
        try await Task.sleep(until: due)
        appended.withLock { $0[i] = .now }
        try t.spool.append(record(total + 1 + i))
        due += interval
    }
    _ = await withTaskGroup(of: Void.self) { group in
        group.addTask { await watcher.value }
        group.addTask {
            try? await Task.sleep(for: .seconds(60))
            watcher.cancel()
        }
        await group.next()
        group.cancelAll()
    }
    let latencies = zip(appended.withLock { $0 }, seen.withLock { $0 }).compactMap { a, s -> Double? in
        guard let s else { return nil }
        return (s - a).inSeconds * 1000
    }.sorted()
    guard latencies.count == paced else { throw BenchFailure("\(t.name): \(paced - latencies.count) paced records never stored") }
    return Figures(recordsPerSecond: Double(total) / seconds, p50: latencies[latencies.count / 2],
                   p99: latencies[min(latencies.count - 1, latencies.count * 99 / 100)])
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

// The direct link.
let group = MultiThreadedEventLoopGroup.singleton
let key = try SharedKey(hex: String(repeating: "5a", count: 32))
let linkStore = try DPCStore(directory: scratch + "/link-store")
let server = try await DPCServer(listen: NetworkAddress(host: "127.0.0.1", port: 0), key: key, store: linkStore, metrics: DPCMetrics(),
                                 group: group, logger: logger)
let linkPort = server.localAddress?.port ?? 0
let linkSpool = try Spool(directory: scratch + "/link-spool", maxBytes: 1 << 30, metrics: nil, logger: logger)
let forwarder = Forwarder(address: NetworkAddress(host: "127.0.0.1", port: linkPort), gatewayID: "bench", key: key, spool: linkSpool,
                          group: group, metrics: nil, logger: logger)
let linkTask = Task { await forwarder.run() }
let link = try await measure(Transport(name: "link", spool: linkSpool, store: linkStore, isUp: { forwarder.state == .connected }), load)
linkTask.cancel()
await server.close()

// JetStream, one node.
let nats = Process()
nats.executableURL = URL(fileURLWithPath: natsServer)
nats.arguments = ["-js", "-a", "127.0.0.1", "-p", "\(natsPort)", "-sd", scratch + "/nats"]
nats.standardOutput = FileHandle.nullDevice
nats.standardError = FileHandle.nullDevice
try nats.run()
defer { nats.terminate(); nats.waitUntilExit() }
var settings = JetStreamSettings(servers: ["nats://127.0.0.1:\(natsPort)"])
settings.durable = "bench"
let jsStore = try DPCStore(directory: scratch + "/js-store")
let intake = JetStreamIntake(settings: settings, store: jsStore, metrics: DPCMetrics(), logger: logger)
let intakeTask = Task { await intake.run() }
let jsSpool = try Spool(directory: scratch + "/js-spool", maxBytes: 1 << 30, metrics: nil, logger: logger)
let jsForwarder = JetStreamForwarder(settings: settings, gatewayID: "bench", spool: jsSpool, metrics: nil, logger: logger)
let jsTask = Task { await jsForwarder.run() }
let jetStream = try await measure(Transport(name: "jetstream", spool: jsSpool, store: jsStore, isUp: { jsForwarder.state == .connected }), load)
jsTask.cancel()
intakeTask.cancel()

func row(_ name: String, _ f: Figures) -> String {
    name.padding(toLength: 11, withPad: " ", startingAt: 0) + String(format: "%10.0f %9.2f %9.2f", f.recordsPerSecond, f.p50, f.p99)
}
print("\(load.total) records at once, then \(load.paced) at \(Int(load.rate))/s; 600-byte records, spool to fsynced store")
print("transport   records/s   p50 ms    p99 ms")
print(row("link", link))
print(row("jetstream", jetStream))
print(String(format: "jetstream / link: throughput %.2f, p50 %.2f, p99 %.2f", jetStream.recordsPerSecond / link.recordsPerSecond,
             jetStream.p50 / link.p50, jetStream.p99 / link.p99))
