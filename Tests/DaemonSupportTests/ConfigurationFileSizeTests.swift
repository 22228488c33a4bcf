import DaemonSupport
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A configuration larger than the 4 MiB limit is refused at file level without being read whole.
@Suite(.serialized) struct ConfigurationFileSizeTests {
    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("config-size-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a 53 MB file is refused by its size, at line 0, with no YAML read")
    func largeRegularFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/huge.yaml"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        #expect(truncate(path, 53_000_000) == 0)
        let document = YAMLSettings.load(path: path)
        #expect(document.top == nil)
        #expect(document.problems.map(\.description) == ["\(path): the file is 53000000 bytes, more than the 4 MiB it may hold"])
    }

    /// A pipe has no size to check first: the reader must stop one byte past the limit. The writer offers 53 MB and
    /// counts what the pipe took before its reader went away; a reader that read the file whole would take it all.
    @Test("from a pipe, no more than the limit and one byte is read")
    func pipeReadOnlyToTheLimit() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/config.fifo"
        #expect(mkfifo(path, 0o600) == 0)
        signal(SIGPIPE, SIG_IGN)
        let offered = 53_000_000
        let taken = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        // A thread of its own: opening a pipe blocks until its other end is opened.
        Thread.detachNewThread {
            defer { done.signal() }
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            defer { close(fd) }
            let block = [UInt8](repeating: UInt8(ascii: "#"), count: 1 << 16)
            var written = 0
            while written < offered {
                let n = block.withUnsafeBytes { write(fd, $0.baseAddress, min($0.count, offered - written)) }
                if n <= 0 { break }
                written += n
            }
            taken.withLock { $0 = written }
        }
        let document = YAMLSettings.load(path: path)
        done.wait()
        let written = taken.withLock { $0 }
        #expect(document.problems.map(\.description) == ["\(path): the file holds more than the 4 MiB it may hold"])
        // What the pipe took: what was read, and at most what its buffer (64 KiB by default) held besides.
        #expect(written > YAMLSettings.maximumFileBytes && written < YAMLSettings.maximumFileBytes + (1 << 20), "\(written) bytes taken")
    }

    @Test("a file within the limit is read and parsed, its permissions kept for the checks that need them")
    func smallFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/small.yaml"
        _ = FileManager.default.createFile(atPath: path, contents: Data("a: 1\n".utf8), attributes: [.posixPermissions: 0o640])
        let document = YAMLSettings.load(path: path)
        #expect(document.problems.isEmpty && document.top != nil)
        #expect(document.checker?.filePermissions == 0o640)
        #expect(YAMLSettings.load(path: dir + "/missing.yaml").problems.map(\.description) == ["\(dir)/missing.yaml: cannot read the file: No such file or directory"])
    }
}
