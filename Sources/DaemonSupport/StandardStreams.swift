import Foundation

/// Buffered standard output: a dump or an inspection can print millions of lines.
public final class StandardOutput {
    private var buffer: [UInt8] = []
    private let handle: FileHandle

    /// Standard output.
    public init() {
        handle = FileHandle.standardOutput
    }

    /// A file created, or truncated, at `path`; throws the system's reason when it cannot be.
    public init(creating path: String) throws(OutputFileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }

    public func writeLine(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count > 1 << 16 { flush() }
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

public struct OutputFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

public enum StandardError {
    public static func writeLine(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// Reports a failure the one way every program of the project does: `gatewayd: error: MESSAGE` on a
    /// terminal or in a file, `<3>gatewayd: MESSAGE` when standard error is the journal (`JournalStream`).
    public static func error(_ message: String) {
        writeLine(errorLine(message, program: program, toJournal: JournalStream.isStandardError))
    }

    static func errorLine(_ message: String, program: String, toJournal: Bool) -> String {
        toJournal ? "<3>\(program): \(message)" : "\(program): error: \(message)"
    }

    /// The name this program was started by (`gatewayd`), without its directory.
    public static let program: String = {
        let name = (CommandLine.arguments.first ?? "").split(separator: "/").last.map(String.init) ?? ""
        return name.isEmpty ? ProcessInfo.processInfo.processName : name
    }()
}
