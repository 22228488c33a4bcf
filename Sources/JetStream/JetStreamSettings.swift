/// How a daemon reaches the JetStream cluster and which stream it uses: the servers (`nats://HOST:PORT`, any
/// of the cluster's), the stream's name, how many servers keep each record, the subjects' prefix (records go
/// on `PREFIX.GATEWAY.STATION`), how much the stream holds before it drops its oldest records, and for a DPC
/// its durable consumer's name.
public struct JetStreamSettings: Sendable, Hashable {
    public static let defaultStream = "GNSS_RECORDS"
    public static let defaultSubjectPrefix = "gnss.records"
    public static let defaultCorrectionsSubject = "gnss.corrections"
    public static let replicaRange = 1...5

    public var servers: [String]
    public var stream = JetStreamSettings.defaultStream
    public var replicas = 1
    public var subjectPrefix = JetStreamSettings.defaultSubjectPrefix
    public var maxBytes: Int64 = 1 << 30
    /// The DPC's durable consumer (each DPC process its own, for a full copy of every record).
    public var durable: String?
    /// The plain subject (no stream stores it) the DPC's corrections go out on and gateways take them from.
    public var correctionsSubject = JetStreamSettings.defaultCorrectionsSubject

    public init(servers: [String]) {
        self.servers = servers
    }

    /// Every subject the stream takes.
    public var streamSubjects: String { subjectPrefix + ".>" }

    /// The stream as the daemons create it or expect to find it.
    public var streamDefinition: StreamDefinition {
        StreamDefinition(name: stream, subjects: [streamSubjects], replicas: replicas, maxBytes: maxBytes)
    }

    /// The subject of one station's records from one gateway; characters a subject token cannot hold become `_`.
    public func subject(gateway: String, station: String) -> String {
        "\(subjectPrefix).\(Self.token(gateway)).\(Self.token(station))"
    }

    /// Every subject of one gateway's records.
    public func subjects(gateway: String) -> String {
        "\(subjectPrefix).\(Self.token(gateway)).>"
    }

    static func token(_ name: String) -> String {
        let cleaned = String(name.map { c -> Character in
            c == "." || c == "*" || c == ">" || c.isWhitespace || !c.isASCII || c.asciiValue.map({ $0 < 0x21 }) == true ? "_" : c
        })
        return cleaned.isEmpty ? "_" : cleaned
    }

    /// Why `url` is not a server address the client takes (`nats://HOST:PORT`, `tls://HOST:PORT` or `HOST:PORT`),
    /// or nil when it is.
    public static func problem(server url: String) -> String? {
        let shown = ServerListText.redacted(url)
        var rest = Substring(url)
        if let scheme = url.range(of: "://") {
            let name = url[..<scheme.lowerBound]
            guard name == "nats" || name == "tls" else { return "server '\(shown)' must start nats:// or tls://" }
            rest = url[scheme.upperBound...]
        }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        guard let colon = rest.lastIndex(of: ":") else { return "server '\(shown)' needs a port: nats://HOST:PORT" }
        let host = rest[..<colon]
        let port = rest[rest.index(after: colon)...]
        guard !host.isEmpty, !host.contains("/"), !host.contains(" ") else { return "server '\(shown)' has no host: nats://HOST:PORT" }
        guard let p = Int(port), (1...65_535).contains(p) else { return "server '\(shown)' needs a port from 1 to 65535" }
        return nil
    }

    /// Why `name` cannot name a stream or a durable consumer, or nil when it can.
    public static func problem(name: String, what: String) -> String? {
        guard !name.isEmpty, name.count <= 64 else { return "\(what) must be 1 to 64 characters" }
        let bad = name.first { $0 == "." || $0 == "*" || $0 == ">" || $0 == "/" || $0 == "\\" || $0.isWhitespace || !$0.isASCII }
        if let bad { return "\(what) '\(name)' cannot hold '\(bad)'" }
        return nil
    }

    /// Why `prefix` cannot start the record subjects, or nil when it can.
    public static func problem(subjectPrefix prefix: String) -> String? {
        let tokens = prefix.split(separator: ".", omittingEmptySubsequences: false)
        guard !prefix.isEmpty, tokens.allSatisfy({ !$0.isEmpty }) else { return "subject_prefix '\(prefix)' must be dot-separated words" }
        if tokens.contains(where: { $0.contains { c in c == "*" || c == ">" || c.isWhitespace || !c.isASCII } }) {
            return "subject_prefix '\(prefix)' cannot hold wildcards, spaces or non-ASCII characters"
        }
        return nil
    }
}
