import CSystemd

/// Talks to systemd's notification socket (`NOTIFY_SOCKET`) through libsystemd:
/// readiness, a one-line status, watchdog keep-alives and stopping. Outside
/// systemd (no `NOTIFY_SOCKET`) every call does nothing.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Sends one or more `KEY=VALUE` assignments, newline-separated.
    public func notify(_ assignments: String) {
        _ = sd_notify(0, assignments)
    }

    public func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    public func status(_ line: String) { notify("STATUS=\(line)") }
    public func watchdog() { notify("WATCHDOG=1") }
    public func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }

    /// The watchdog period systemd expects keep-alives within (`WatchdogSec=`), or nil when none is set for this process.
    public var watchdogInterval: Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(usec))
    }
}
