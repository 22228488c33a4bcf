import Foundation
import Testing
@testable import DaemonSupport

@Suite struct SegmentLogOwnerTests {
    @Test("A second writer on a locked log is told which process is already running, not the flock errno")
    func secondWriterNamesTheFirst() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let first = try SegmentLog(directory: dir.path)
        #expect(try String(contentsOfFile: dir.file("owner.pid"), encoding: .utf8) == "\(getpid())\n")
        let message: String
        do {
            _ = try SegmentLog(directory: dir.path)
            Issue.record("the second open should fail")
            return
        } catch {
            message = "\(error)"
        }
        let program = try String(contentsOfFile: "/proc/self/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(message == "\(dir.path) is locked: \(program) is already running (pid \(getpid())) with it: "
                + "stop it first, or give this instance a directory of its own")
        #expect(!message.contains("flock") && !message.contains("Resource temporarily unavailable"))
        _ = first
        // A read-only reader neither locks nor records itself.
        _ = try SegmentLog(directory: dir.path, readOnly: true)
        #expect(SegmentLogOwner.recorded(in: dir.path)?.pid == getpid())
    }

    @Test("Without an owner file the lock is still explained")
    func lockedWithoutOwnerFile() throws {
        let dir = TempDir()
        defer { dir.remove() }
        let first = try SegmentLog(directory: dir.path)
        try FileManager.default.removeItem(atPath: dir.file("owner.pid"))
        #expect(throws: (any Error).self) { try SegmentLog(directory: dir.path) }
        #expect(SegmentLogOwner.lockedError(directory: dir.path).description.contains("locked by another process (an instance already running?)"))
        _ = first
    }
}
