import Foundation

/// Buffered standard output: a dump or an inspection can print millions of lines.
public final class StandardOutput {
    private var buffer: [UInt8] = []
    private let handle: FileHandle

    /// Standard output, or a file created (truncated) at `path`.
    public init(path: String? = nil) {
        if let path, FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) {
            handle = h
        } else {
            if let path { StandardError.writeLine("error: cannot write \(path); writing to standard output") }
            handle = FileHandle.standardOutput
        }
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

public enum StandardError {
    public static func writeLine(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}
