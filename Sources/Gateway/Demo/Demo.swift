import DPC
import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import Logging
import NIOPosix
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayd demo`: a DPC module and a gateway on loopback in one process, a
/// recorded stream played to the gateway over real UDP epoch by epoch, the
/// station's status while it runs, and a summary at the end.
public struct Demo {
    public var streams: [String]
    public var directory: String
    /// Epochs played per second.
    public var rate: Double = 10
    public var report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }

    public init(streams: [String], directory: String) {
        self.streams = streams
        self.directory = directory
    }

    public struct Summary: Sendable {
        public var solutions: [String: Int] = [:]
        public var epochs = 0
        public var forwarded: UInt64 = 0
        public var acknowledged: UInt64 = 0
        public var stored = 0
        public var lastPosition: [Double]?
    }

    public func run() async throws -> Summary {
        let fm = FileManager.default
        try? fm.removeItem(atPath: directory)
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var logger = Logger(label: "demo")
        logger.logLevel = .warning
        let keyHex = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let group = MultiThreadedEventLoopGroup.singleton

        let store = try DPCStore(directory: directory + "/dpc")
        let dpc = try await DPCServer(listen: NetworkAddress(host: "127.0.0.1", port: 0), key: try SharedKey(hex: keyHex), store: store,
                                      metrics: DPCMetrics(), group: group, logger: logger)
        let dpcPort = dpc.localAddress?.port ?? 0

        var configuration = GatewayConfiguration()
        configuration.gatewayID = "demo-gateway"
        configuration.controlSocket = directory + "/gatewayd.sock"
        configuration.metrics = nil
        configuration.stateDirectory = directory
        configuration.spoolDirectory = directory + "/spool"
        configuration.spoolMaxBytes = 64 << 20
        configuration.dpcAddress = NetworkAddress(host: "127.0.0.1", port: dpcPort)
        configuration.dpcKey = keyHex
        var ports: [Int] = []
        for (i, path) in streams.enumerated() {
            let port = try Self.freeUDPPort()
            ports.append(port)
            let name = streams.count == 1 ? "DEMO" : "DEMO\(i + 1)"
            configuration.stations.append(StationConfiguration(name: name, listen: NetworkAddress(host: "127.0.0.1", port: port), allow: [],
                                                               format: .rtcm3, role: .reference, position: nil, processing: .spp,
                                                               reference: nil, line: 0))
            report("station \(name): \(path) → udp://127.0.0.1:\(port)")
        }
        report("DPC module on tcp://127.0.0.1:\(dpcPort), store \(directory)/dpc")

        let daemon = GatewayDaemon(configuration: configuration, path: "", logger: logger)
        let services = ServiceGroup(configuration: .init(services: [.init(service: daemon)], logger: logger))
        let running = Task { try await services.run() }
        var ready = false
        for _ in 0..<200 where !ready {
            try await Task.sleep(for: .milliseconds(25))
            ready = daemon.answer(.init(command: "status")).ready == true
        }
        guard ready else {
            await services.triggerGracefulShutdown()
            throw DemoError(description: "the gateway did not become ready")
        }

        let sender = try DatagramSender()
        let epochsByStream = try streams.map { try Self.epochFrames(path: $0) }
        let longest = epochsByStream.map(\.count).max() ?? 0
        let interval = Duration.milliseconds(Int64(1000 / max(rate, 0.1)))
        for e in 0..<longest {
            for (s, epochs) in epochsByStream.enumerated() where e < epochs.count {
                for frame in epochs[e] { sender.send(frame, port: ports[s]) }
            }
            try await Task.sleep(for: interval)
            if e % max(1, Int(rate)) == 0 || e == longest - 1 { report(line(daemon.answer(.init(command: "status")))) }
        }
        // Let the last epoch be solved and acknowledged.
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(50))
            if let f = daemon.answer(.init(command: "status")).forwarder, f.pending == 0, f.acked == f.lastSequence { break }
        }
        let final = daemon.answer(.init(command: "status"))
        report(line(final))
        await services.triggerGracefulShutdown()
        try await running.value
        await dpc.close()

        var summary = Summary()
        for s in final.stations ?? [] {
            summary.epochs += s.epochs
            for (q, n) in s.solutions { summary.solutions[q, default: 0] += n }
            if let p = s.ecef { summary.lastPosition = p }
        }
        summary.forwarded = final.forwarder?.lastSequence ?? 0
        summary.acknowledged = final.forwarder?.acked ?? 0
        try DPCStore.records(directory: directory + "/dpc") { _ in summary.stored += 1 }
        return summary
    }

    private func line(_ r: ControlProtocol.Reply) -> String {
        let stations = (r.stations ?? []).map { s in
            let position = s.llh.map { String(format: "%.6f° %.6f° %.1f m", $0[0], $0[1], $0[2]) } ?? "no position yet"
            return "\(s.name): \(s.epochs) epochs, \(s.quality), \(s.satellites) sats, \(position)"
        }
        let f = r.forwarder.map { "forwarded \($0.lastSequence), acknowledged \($0.acked)" } ?? ""
        return (stations + [f]).joined(separator: " | ")
    }

    /// The frames of a recorded RTCM 3 stream grouped by epoch: a group closes with an MSM whose multiple-message bit is clear.
    static func epochFrames(path: String) throws -> [[[UInt8]]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var framer = RTCM3Framer()
        framer.append(data)
        var epochs: [[[UInt8]]] = []
        var current: [[UInt8]] = []
        while let item = framer.next() {
            guard case .frame(let f) = item else { continue }
            current.append(f.bytes)
            if let msm = try? MSMMessage.decode(f.payload), !msm.multipleMessage {
                epochs.append(current)
                current = []
            }
        }
        if !current.isEmpty { epochs.append(current) }
        return epochs
    }

    static func freeUDPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw DemoError(description: "no free UDP port on loopback") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct DemoError: Error, CustomStringConvertible {
    public var description: String
}

/// A UDP socket sending to loopback ports.
struct DatagramSender {
    private let fd: Int32

    init() throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError(description: "cannot open a UDP socket") }
    }

    func send(_ bytes: [UInt8], port: Int) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }
}
