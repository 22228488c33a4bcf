/// Collects what `inspect` decodes: each record goes to `emit` (one JSON
/// object per line), and counts per record type and per error kind are kept
/// for the summary.
public final class InspectSink {
    private let output: (String) -> Void
    public private(set) var counts: [String: Int] = [:]
    public private(set) var errorCounts: [String: Int] = [:]
    public private(set) var firstErrors: [FormatError] = []
    public let writeJSON: Bool

    /// - Parameters:
    ///   - writeJSON: when false, records are counted but not printed.
    ///   - output: receives each line of JSON text (without newline).
    public init(writeJSON: Bool, output: @escaping (String) -> Void) {
        self.writeJSON = writeJSON
        self.output = output
    }

    /// One decoded record of the given summary type (e.g. `rtcm3 1077`, `rinex-obs epoch`).
    public func emit(_ record: @autoclosure () -> JSONValue, type: String) {
        counts[type, default: 0] += 1
        if writeJSON { output(record().serialized()) }
    }

    /// A decode error; also printed as a JSON record with an `error` key when `record` is given.
    public func error(_ e: FormatError, record: JSONValue? = nil) {
        errorCounts[e.kind.rawValue, default: 0] += 1
        if firstErrors.count < 20 { firstErrors.append(e) }
        if writeJSON, let record { output(record.serialized()) }
    }

    public var totalErrors: Int { errorCounts.values.reduce(0, +) }

    /// Human-readable summary lines (for stderr).
    public func summaryLines() -> [String] {
        var lines: [String] = []
        for (type, n) in counts.sorted(by: { $0.key.localizedStandardLess($1.key) }) {
            lines.append("  \(type): \(n)")
        }
        for (kind, n) in errorCounts.sorted(by: { $0.key < $1.key }) {
            lines.append("  errors (\(kind)): \(n)")
        }
        for e in firstErrors { lines.append("  error: \(e)") }
        return lines
    }
}

extension String {
    /// Orders embedded numbers numerically ("rtcm3 1005" < "rtcm3 1019" < "rtcm3 4076").
    func localizedStandardLess(_ other: String) -> Bool {
        let a = self.split(separator: " "), b = other.split(separator: " ")
        for (x, y) in zip(a, b) where x != y {
            if let i = Int(x), let j = Int(y) { return i < j }
            return x < y
        }
        return a.count < b.count
    }
}
