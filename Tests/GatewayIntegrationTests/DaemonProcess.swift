import Foundation
import Gateway
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A real daemon process started from the built products, in its own working directory,
/// without capabilities, as the hardened systemd units run it.
final class DaemonProcess {
    let process = Process()
    let log: String

    /// The directory holding the built executables (beside the test bundle).
    static let products: URL = {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: runner.appendingPathComponent("gatewayd").path) { return runner }
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.appendingPathComponent(".build/debug")
    }()

    init(_ executable: String, _ arguments: [String], directory: String, environment: [String: String] = [:], logName: String? = nil) throws {
        log = directory + "/" + (logName ?? executable) + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        let path = Self.products.appendingPathComponent(executable).path
        if let dropping = Self.capabilityDropper {
            process.executableURL = URL(fileURLWithPath: dropping)
            process.arguments = ["--bounding-set=-all", "--inh-caps=-all", "--", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "WATCHDOG_USEC")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// As root, daemons start through `setpriv` with an empty capability bounding set, so a socket
    /// option or system call that needs a privilege fails here as it would under the units.
    /// Other users have no capabilities to drop.
    static let capabilityDropper: String? = {
        guard geteuid() == 0 else { return nil }
        let setpriv = "/usr/bin/setpriv"
        guard FileManager.default.isExecutableFile(atPath: setpriv) else {
            print("note: running as root without \(setpriv); daemons under test keep their capabilities")
            return nil
        }
        return setpriv
    }()

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to end; its exit status, or nil on timeout.
    @discardableResult
    func wait(seconds: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    func stop() {
        guard process.isRunning else { return }
        signal(SIGTERM)
        if wait(seconds: 10) == nil {
            signal(SIGKILL)
            wait(seconds: 5)
        }
    }

    deinit { stop() }

    /// Runs a command to completion and returns its status and standard output.
    static func run(_ executable: String, _ arguments: [String], directory: String) throws -> (status: Int32, output: String, error: String) {
        let p = Process()
        p.executableURL = products.appendingPathComponent(executable)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// Polls until `condition` holds or the time is up.
func eventually(seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(50_000)
    }
    return try condition()
}

/// A scratch working directory for one test.
func makeWorkDirectory(_ name: String) -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-it-\(name)-\(UUID().uuidString.prefix(8))").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Sends datagrams from a real UDP socket.
struct UDPSender {
    let fd: Int32

    /// A socket bound to `source` (any port) so tests can send from an address a station does not allow.
    init(source: String = "127.0.0.1") {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = 0
        inet_pton(AF_INET, source, &local.sin_addr)
        _ = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }

    func send(_ bytes: [UInt8], to port: Int, host: String = "127.0.0.1") {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
    }

    /// Streams a capture in datagrams of `chunk` bytes (so frames span datagrams), pausing now and then
    /// so a debug build keeps up; calls `between` after each datagram with its index.
    func stream(_ data: [UInt8], to port: Int, chunk: Int = 700, between: (Int) -> Void = { _ in }) -> Int {
        var count = 0
        var offset = 0
        while offset < data.count {
            send(Array(data[offset..<min(offset + chunk, data.count)]), to: port)
            offset += chunk
            count += 1
            between(count)
            if count.isMultiple(of: 20) { usleep(20_000) }
        }
        return count
    }

    func close() { Glibc.close(fd) }
}

/// `GET` over plain HTTP on loopback; the body.
func httpGet(port: Int, path: String) -> String? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
    let ok = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard ok == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        response += buffer[..<n]
    }
    let text = String(decoding: response, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return nil }
    return String(text[split.upperBound...])
}

/// The value of one sample line of a Prometheus text exposition (`name{labels}` exactly as written).
func metric(_ body: String, _ series: String) -> Double? {
    for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// One `gatewayctl … --json` reply, parsed.
func control(_ socket: String, _ arguments: [String], directory: String) throws -> [String: Any]? {
    let r = try DaemonProcess.run("gatewayctl", arguments + ["--socket", socket, "--json"], directory: directory)
    return try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any]
}

/// Records in a DPC store, from `dpcd dump --json`.
func dump(store: String, directory: String) throws -> [[String: Any]] {
    let r = try DaemonProcess.run("dpcd", ["dump", "--store", store, "--json"], directory: directory)
    return r.output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}
