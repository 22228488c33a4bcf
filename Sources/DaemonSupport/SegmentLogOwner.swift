import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The process that holds a segment log's lock, recorded in `owner.pid` beside the segments when it takes the
/// lock, so that a second instance started on the same directory can say which process is already running.
/// The file is read only while its lock is held by someone else, so one left by a process that ended is harmless.
enum SegmentLogOwner {
    static let fileName = "owner.pid"

    /// Records this process as the owner; a failure only loses the name from a later message.
    static func record(in directory: String) {
        let path = directory + "/" + fileName
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = Array("\(getpid())\n".utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// The recorded owner: its pid, and its program name while that process exists.
    static func recorded(in directory: String) -> (pid: Int32, program: String?)? {
        guard let text = try? String(contentsOfFile: directory + "/" + fileName, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        let program = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return (pid, program?.isEmpty == false ? program : nil)
    }

    /// The error for a lock another process holds.
    static func lockedError(directory: String) -> SegmentLogError {
        let advice = "stop it first, or give this instance a directory of its own"
        guard let owner = recorded(in: directory) else {
            return SegmentLogError("\(directory) is locked by another process (an instance already running?): \(advice)")
        }
        let who = owner.program.map { "\($0) is" } ?? "another process is"
        return SegmentLogError("\(directory) is locked: \(who) already running (pid \(owner.pid)) with it: \(advice)")
    }
}
