import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Whether standard error goes to the systemd journal. systemd says so by setting `JOURNAL_STREAM` to the
/// device and inode (`DEVICE:INODE`, in decimal) of the stream it connected; the variable is inherited by
/// children whose standard error is somewhere else, so it counts only when standard error is that very stream.
public enum JournalStream {
    /// Standard error of this process is the journal: log lines carry `<N>` syslog priorities.
    public static let isStandardError: Bool = matches(ProcessInfo.processInfo.environment["JOURNAL_STREAM"], descriptor: STDERR_FILENO)

    /// Whether `value` (a `JOURNAL_STREAM`) names the file open on `descriptor`.
    public static func matches(_ value: String?, descriptor: Int32) -> Bool {
        guard let value else { return false }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
