/// Server URLs as logs and messages show them: a password given in a URL (`nats://USER:PASSWORD@HOST:PORT`)
/// is replaced by `***`, so it never reaches a log or a terminal.
public enum ServerListText {
    public static func redacted(_ url: String) -> String {
        let start = url.range(of: "://")?.upperBound ?? url.startIndex
        guard let at = url[start...].lastIndex(of: "@") else { return url }
        let credentials = url[start..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return String(url[..<url.index(after: colon)]) + "***" + String(url[at...])
    }

    /// The list, redacted, joined by `separator`.
    public static func text(_ servers: [String], separator: String = ",") -> String {
        servers.map(redacted).joined(separator: separator)
    }
}
