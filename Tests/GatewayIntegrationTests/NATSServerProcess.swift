import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real `nats-server` with JetStream, started by a test in its working directory: a single node
/// (`-js -p PORT -sd DIR`) or a cluster node from a configuration file.
final class NATSServerProcess {
    /// The server's path, or nil when it is not installed (the tests that need it are skipped then).
    static let executable: String? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin"]
        return paths.map { $0 + "/nats-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static var available: Bool { executable != nil }

    let process = Process()
    let port: Int
    let log: String

    /// A single JetStream node on `port`, storing under `directory/storage`.
    convenience init(port: Int, directory: String, storage: String) throws {
        try self.init(port: port, directory: directory, arguments: ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", storage],
                      logName: "nats-\(port)")
    }

    init(port: Int, directory: String, arguments: [String], logName: String) throws {
        guard let executable = Self.executable else { throw NATSServerMissing() }
        self.port = port
        log = directory + "/" + logName + ".log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = FileHandle(forWritingAtPath: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits until the client port takes connections.
    func ready(seconds: Double = 10) -> Bool {
        eventually(seconds: seconds) { TCPProbe(port: port) != nil }
    }

    func kill9() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        kill9()
    }

    deinit { stop() }
}

struct NATSServerMissing: Error, CustomStringConvertible {
    var description: String { "nats-server is not on PATH (Debian: apt-get install nats-server)" }
}
