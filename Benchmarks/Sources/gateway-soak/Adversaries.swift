import BenchmarkSupport
import Foundation
import GNSSCore
import GNSSFormats
#if canImport(Glibc)
import Glibc
#endif

/// What the adversaries did, for the summary.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func add(_ name: String, _ n: Int = 1) {
        lock.lock()
        counts[name, default: 0] += n
        lock.unlock()
    }

    var snapshot: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return counts
    }
}

/// A connected stream socket (TCP on loopback or a Unix socket) that writes without blocking for long and never reads.
final class RawStream {
    let fd: Int32

    init?(tcpPort port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(port: port)
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard ok == 0 else { close(fd); return nil }
        setTimeouts()
    }

    init?(unixPath path: String) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { close(fd); return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        guard ok == 0 else { close(fd); return nil }
        setTimeouts()
    }

    private func setTimeouts() {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes `message` up to `times` times, stopping when the peer stops taking bytes (a full send buffer for a
    /// second) or closes; returns how many whole messages went.
    @discardableResult
    func send(_ message: [UInt8], times: Int) -> Int {
        var sent = 0
        while sent < times {
            let n = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n == message.count else { break }
            sent += 1
        }
        return sent
    }

    deinit { close(fd) }
}

/// The adversaries a soak runs beside the real traffic, each on its own thread until `deadline`.
struct Adversaries: Sendable {
    var metricsPort: Int
    var controlSocket: String
    var casterPort: Int
    var casterMountpoints: [String]
    var dpcPort: Int
    var stationPorts: [Int]
    var roverPort: Int
    var referencePort: Int
    var ephemeris: KeplerEphemeris
    var deadline: Date
    var tally: Tally

    static let names = ["metrics", "control", "idle", "caster", "garbage", "ephemerides", "dpc"]

    /// Starts every adversary but those named in `skipping` (`names`).
    func start(skipping: Set<String> = []) -> [Thread] {
        let jobs: [(String, @Sendable () -> Void)] = [
            ("metrics", pipelinedScrapes), ("control", pipelinedControl), ("idle", idleConnections), ("caster", silentCasterClients),
            ("garbage", garbageDatagrams), ("ephemerides", distinctEphemerides), ("dpc", unauthenticatedFrames),
        ]
        return jobs.filter { !skipping.contains($0.0) }.map { name, job in
            let t = Thread(block: job)
            t.name = name
            t.start()
            return t
        }
    }

    private var running: Bool { Date() < deadline }

    private func pause(_ seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

    /// Every 10 s a connection pipelines up to 5000 `GET /metrics` and never reads; each is held a minute.
    private func pipelinedScrapes() {
        let request = Array("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        var held: [RawStream] = []
        while running {
            if let s = RawStream(tcpPort: metricsPort) {
                tally.add("metrics requests never read", s.send(request, times: 5000))
                held.append(s)
            }
            if held.count > 6 { held.removeFirst() }
            pause(10)
        }
    }

    /// Every 10 s a connection writes up to 20 000 control requests and never reads; each is held a minute.
    private func pipelinedControl() {
        let request = Array("{\"command\":\"status\"}\n".utf8)
        var held: [RawStream] = []
        while running {
            if let s = RawStream(unixPath: controlSocket) {
                tally.add("control requests never read", s.send(request, times: 20_000))
                held.append(s)
            }
            if held.count > 6 { held.removeFirst() }
            pause(10)
        }
    }

    /// Every 30 s, 30 connections to the metrics endpoint and 15 to the control socket that send nothing, held until
    /// the daemon closes them (idle timeout) or for 60 s.
    private func idleConnections() {
        var held: [[RawStream]] = []
        while running {
            held.append((0..<30).compactMap { _ in RawStream(tcpPort: metricsPort) } + (0..<15).compactMap { _ in RawStream(unixPath: controlSocket) })
            tally.add("idle connections", held.last?.count ?? 0)
            if held.count > 2 { held.removeFirst() }
            pause(30)
        }
    }

    /// Every 10 s, 8 NTRIP 1.0 clients ask for a reference station's mountpoint and never read; each held 40 s.
    private func silentCasterClients() {
        var held: [[RawStream]] = []
        var k = 0
        while running {
            var batch: [RawStream] = []
            for _ in 0..<8 {
                let mount = casterMountpoints[k % casterMountpoints.count]
                k += 1
                guard let s = RawStream(tcpPort: casterPort) else { continue }
                let request = "GET /\(mount) HTTP/1.0\r\nUser-Agent: NTRIP soak\r\nAuthorization: Basic \(Data("soak:soak".utf8).base64EncodedString())\r\n\r\n"
                s.send(Array(request.utf8), times: 1)
                batch.append(s)
            }
            tally.add("caster clients never reading", batch.count)
            held.append(batch)
            if held.count > 4 { held.removeFirst() }
            pause(10)
        }
    }

    /// 200 datagrams a second of random bytes (1 to 1400) into the stations' ports.
    private func garbageDatagrams() {
        let sender = UDPSender()
        var generator = SystemRandomNumberGenerator()
        while running {
            for _ in 0..<200 {
                let bytes = (0..<Int.random(in: 1...1400, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                sender.send(bytes, port: stationPorts.randomElement(using: &generator)!)
            }
            tally.add("garbage datagrams", 200)
            pause(1)
        }
    }

    /// 40 distinct GPS ephemerides a second (20 into a rover, 20 into a reference station): a real one with its
    /// reference time moved a year ahead, 16 s further each time (so no solution can pick one), and its issue of
    /// data counted on.
    private func distinctEphemerides() {
        let sender = UDPSender()
        var k = 0
        while running {
            for port in [roverPort, referencePort] {
                var datagram: [UInt8] = []
                for _ in 0..<20 {
                    var e = ephemeris
                    let toe = ephemeris.toe + 365 * 86_400 + Double(16 * k)
                    e.toe = toe
                    e.toc = toe
                    e.week = toe.gpsWeek
                    e.toeSeconds = toe.secondOfWeek
                    e.iode = k % 256
                    e.iodc = k % 256
                    k += 1
                    if let payload = try? RTCM3EphemerisCodec.encode(.kepler(e)) { datagram += RTCM3Framer.frame(payload) }
                }
                sender.send(datagram, port: port)
            }
            tally.add("distinct ephemerides", 40)
            pause(1)
        }
    }

    /// Every 10 s, 8 connections to dpcd's link announce a 4 MiB frame (type byte, big-endian length) and send 64 KiB of it, and 2 send random
    /// bytes; each held 20 s.
    private func unauthenticatedFrames() {
        var held: [[RawStream]] = []
        var generator = SystemRandomNumberGenerator()
        while running {
            var batch: [RawStream] = []
            for i in 0..<10 {
                guard let s = RawStream(tcpPort: dpcPort) else { continue }
                if i < 8 {
                    s.send([0x01, 0x00, 0x40, 0x00, 0x00] + [UInt8](repeating: 0x5A, count: 65_536), times: 1)
                } else {
                    s.send((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }, times: 1)
                }
                batch.append(s)
            }
            tally.add("unauthenticated link connections", batch.count)
            held.append(batch)
            if held.count > 2 { held.removeFirst() }
            pause(10)
        }
    }
}

/// The first GPS ephemeris (message 1019) of an RTCM 3 file.
func firstGPSEphemeris(in path: String) throws -> KeplerEphemeris {
    var framer = RTCM3Framer()
    framer.append(try Data(contentsOf: URL(fileURLWithPath: path)))
    while let item = framer.next() {
        guard case .frame(let f) = item, f.payload.count > 2, (Int(f.payload[0]) << 4) | Int(f.payload[1] >> 4) == 1019,
              case .kepler(let e)? = try? RTCM3EphemerisCodec.decode(payload: f.payload[...], referenceTime: nil) else { continue }
        return e
    }
    throw BenchmarkError("\(path) holds no GPS ephemeris")
}
