import ArgumentParser
import DPC
import DaemonSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `dpcd status`: what a running dpcd's metrics endpoint answers at `/status`, as tables (or its JSON).
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running dpcd's store and network processing (its metrics endpoint's /status).",
        discussion: "The address is the configuration's metrics address (--config), or given (--metrics HOST:PORT).")

    @Option(name: .long, help: "The running dpcd's YAML configuration, for its metrics address.")
    var config: String?

    @Option(name: .long, help: "The metrics endpoint, HOST:PORT (instead of --config).")
    var metrics: String?

    @Flag(name: .long, help: "The JSON as dpcd answers it.")
    var json = false

    func run() throws {
        let address: NetworkAddress
        if let metrics {
            guard let a = NetworkAddress(metrics) else { throw ValidationError("--metrics must be HOST:PORT, not '\(metrics)'") }
            address = a
        } else if let config {
            let loaded = DPCConfiguration.load(path: config)
            guard let c = loaded.configuration else {
                for p in loaded.problems { StandardError.error("\(p)") }
                throw ExitCode(1)
            }
            guard let m = c.metrics else {
                StandardError.error("\(config) has no metrics address: dpcd answers /status on its metrics endpoint")
                throw ExitCode(1)
            }
            address = m
        } else {
            throw ValidationError("give --config (the running dpcd's configuration) or --metrics HOST:PORT")
        }
        let host = address.host == "0.0.0.0" ? "127.0.0.1" : address.host == "::" ? "::1" : address.host
        let body: [UInt8]
        do {
            body = try StatusRequest.get(host: host, port: address.port, path: "/status")
        } catch {
            StandardError.error("cannot ask dpcd at \(host):\(address.port) for its status: \(error)")
            throw ExitCode(1)
        }
        if json {
            FileHandle.standardOutput.write(Data(body))
            return
        }
        let status: DPCStatus
        do {
            status = try JSONDecoder().decode(DPCStatus.self, from: Data(body))
        } catch {
            StandardError.error("dpcd at \(host):\(address.port) answered /status with something other than its status (an older dpcd?)")
            throw ExitCode(1)
        }
        print(Self.text(status), terminator: "")
    }

    static func text(_ s: DPCStatus) -> String {
        var out = "dpcd \(s.version): store \(String(format: "%.1f", Double(s.storeBytes) / 1_048_576)) MiB, \(s.gateways.count) gateways\n"
        for g in s.gateways {
            out += "  \(g.id): \(g.generations) generation\(g.generations == 1 ? "" : "s"), last sequence \(g.lastSequence)\n"
        }
        guard let n = s.network else { return out + "network processing: off\n" }
        out += "network processing every \(Int(n.interval)) s: \(n.stations.count) stations, \(n.epochs) epochs (\(n.late) late)\n"
        if let t = n.lastEpoch {
            out += "  last epoch \(t): \(n.stationsInSolution ?? 0) stations, \(n.satellitesInSolution ?? 0) satellites, "
            out += String(format: "phase RMS %.1f cm, code RMS %.2f m, %d rejected", (n.phaseRMS ?? 0) * 100, n.codeRMS ?? 0, n.rejected ?? 0)
            out += n.fixedAmbiguities.map { ", \($0) ambiguities fixed" } ?? ""
            out += n.latency.map { String(format: ", processed %.1f s after it", $0) } ?? ""
            out += "\n"
        }
        if !n.stations.isEmpty { out += "  stations: " + n.stations.joined(separator: " ") + "\n" }
        guard !n.satellites.isEmpty else { return out }
        out += "  SAT   IOD   CLOCK m  RADIAL m   ALONG m   CROSS m   URA σ m  SEEN\n"
        for sat in n.satellites {
            let iod = sat.iod.map(String.init) ?? "-"
            out += "  " + sat.satellite.padding(toLength: 4, withPad: " ", startingAt: 0)
                + String(repeating: " ", count: max(0, 5 - iod.count)) + iod
                + String(format: " %9.3f %9.3f %9.3f %9.3f %9.3f  ", sat.clock, sat.radial, sat.along, sat.cross, sat.sigma) + sat.seen + "\n"
        }
        return out
    }
}

/// One blocking HTTP/1.1 GET with a timeout: the body of a 200 answer.
enum StatusRequest {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func get(host: String, port: Int, path: String, timeout: Int = 5) throws -> [UInt8] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { throw Failure(description: "cannot resolve \(host)") }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw Failure(description: String(cString: strerror(errno)))
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw Failure(description: String(cString: strerror(errno)))
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while response.count < 64 << 20 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw Failure(description: "no answer: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            response += buffer[..<n]
        }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else {
            throw Failure(description: "not an HTTP answer")
        }
        let head = String(decoding: response[..<end], as: UTF8.self)
        guard head.hasPrefix("HTTP/1.1 200") || head.hasPrefix("HTTP/1.0 200") else {
            throw Failure(description: String(head.prefix { $0 != "\r" }))
        }
        return Array(response[(end + 4)...])
    }
}
