#if canImport(Glibc)
import Glibc
#endif

/// A file read whole only when it is no larger than a limit: its size is checked before anything is read, and no
/// more than one byte past the limit is ever read (a pipe or device has no size to check first).
public struct SmallFile: Sendable {
    public var bytes: [UInt8]
    /// The file's permission bits (`st_mode & 0o7777`).
    public var permissions: UInt32

    /// Reads `path` when it holds at most `limit` bytes.
    public init(path: String, limit: Int) throws(SmallFileError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(Self.systemReason()) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(Self.systemReason()) }
        let type = status.st_mode & S_IFMT
        guard type != S_IFDIR else { throw .unreadable("it is a directory") }
        if type == S_IFREG, status.st_size > limit { throw .tooLarge(size: Int(status.st_size), limit: limit) }
        permissions = UInt32(status.st_mode & 0o7777)
        bytes = []
        var chunk = [UInt8](repeating: 0, count: min(limit + 1, 1 << 16))
        while bytes.count <= limit {
            let wanted = min(chunk.count, limit + 1 - bytes.count)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, wanted) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(Self.systemReason())
            }
            if n == 0 { break }
            bytes += chunk[..<n]
        }
        guard bytes.count <= limit else { throw .tooLarge(size: nil, limit: limit) }
    }

    private static func systemReason() -> String { String(cString: strerror(errno)) }
}

/// Why a small file was not read.
public enum SmallFileError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The system's reason (no such file, permission denied, a directory).
    case unreadable(String)
    /// Larger than the limit; its size when the file is a regular one.
    case tooLarge(size: Int?, limit: Int)

    public var description: String {
        switch self {
        case .unreadable(let reason): "cannot read the file: \(reason)"
        case .tooLarge(let size?, let limit): "the file is \(size) bytes, more than the \(Self.bytes(limit)) it may hold"
        case .tooLarge(nil, let limit): "the file holds more than the \(Self.bytes(limit)) it may hold"
        }
    }

    /// A byte count as its binary unit when it is a whole one (`4 MiB`, `1 KiB`), else in bytes.
    static func bytes(_ n: Int) -> String {
        if n >= 1 << 20, n % (1 << 20) == 0 { return "\(n >> 20) MiB" }
        if n >= 1 << 10, n % (1 << 10) == 0 { return "\(n >> 10) KiB" }
        return "\(n) bytes"
    }
}
