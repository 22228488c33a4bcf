import Foundation
import Logging

/// Writes one line per log event to standard error: the label, the message and the metadata as `key=value`
/// pairs (station names, addresses, counts). When standard error is the journal (`JournalStream`) the line
/// starts with its `<N>` syslog priority, which journald takes off and keeps, so
/// `journalctl -p warning -u gatewayd` filters as operators expect; on a terminal or in a file, warnings and
/// errors say so in words instead (`gatewayd: error: …`), as `StandardError.error` does.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level = .info
    private let label: String
    private let toJournal: Bool

    public init(label: String, toJournal: Bool = JournalStream.isStandardError) {
        self.label = label
        self.toJournal = toJournal
    }

    /// Installs this handler for every logger of the process, at `level`.
    public static func bootstrap(level: Logger.Level = .info) {
        LoggingSystem.bootstrap { label in
            var h = JournalLogHandler(label: label)
            h.logLevel = level
            return h
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let m = event.metadata { all.merge(m) { _, new in new } }
        let line = Self.line(label: label, level: event.level, message: "\(event.message)", metadata: all, toJournal: toJournal)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// One log line without its newline.
    static func line(label: String, level: Logger.Level, message: String, metadata: Logger.Metadata, toJournal: Bool) -> String {
        var line = toJournal ? "<\(priority(level))>\(label): " : "\(label): \(severityWord(level))"
        line += message
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            let text = "\(value)"
            line += text.contains(" ") ? " \(key)=\"\(text)\"" : " \(key)=\(text)"
        }
        return line
    }

    /// What stands for the priority off the journal: `error: `, `warning: ` or nothing.
    static func severityWord(_ level: Logger.Level) -> String {
        switch level {
        case .error, .critical: "error: "
        case .warning: "warning: "
        default: ""
        }
    }

    /// syslog priorities (sd-daemon.h's SD_ERR … SD_DEBUG).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
