import Foundation

/// Buffered stdout: inspect can print millions of lines.
final class StandardOutput {
    private var buffer: [UInt8] = []

    func writeLine(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        buffer.append(0x0A)
        if buffer.count > 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}

enum StandardError {
    static func writeLine(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }
}
