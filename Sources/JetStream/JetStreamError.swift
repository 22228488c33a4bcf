import CNats

/// A failure of the NATS client or of the JetStream API: what was being done, the client's status and
/// text, and JetStream's own error code when the server gave one.
public struct JetStreamError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    /// The client's `natsStatus`.
    public var status: UInt32
    /// JetStream's error code (`jsErrCode`), 0 when there is none.
    public var code: UInt32
    public var detail: String

    public init(operation: String, status: UInt32, code: UInt32 = 0, detail: String) {
        self.operation = operation
        self.status = status
        self.code = code
        self.detail = detail
    }

    /// No server of the list could be reached.
    public var noServerReachable: Bool { status == NATS_NO_SERVER.rawValue || status == NATS_CONNECTION_CLOSED.rawValue }
    /// A server refused the connection's credentials (user and password in the server URL).
    public var credentialsRefused: Bool { status == NATS_CONNECTION_AUTH_FAILED.rawValue || detail.contains("Authorization Violation") }
    /// Nothing came within the time allowed (a fetch with no message, a publish without its acknowledgement).
    public var timedOut: Bool { status == NATS_TIMEOUT.rawValue }
    /// The stream or consumer asked for does not exist.
    public var notFound: Bool {
        status == NATS_NOT_FOUND.rawValue || code == JSStreamNotFoundErr.rawValue || code == JSConsumerNotFoundErr.rawValue
    }

    public var description: String {
        var text = "\(operation): \(detail)"
        if code != 0 { text += " (JetStream error \(code))" }
        return text
    }

    /// Throws unless `status` is `NATS_OK`; must be called on the thread that made the call, where the client
    /// keeps its last error's text.
    static func check(_ status: natsStatus, code: jsErrCode = jsErrCode(0), _ operation: @autoclosure () -> String) throws(JetStreamError) {
        guard status != NATS_OK else { return }
        var last = NATS_OK
        var lastText = nats_GetLastError(&last).map { String(cString: $0) } ?? ""
        // The client's text starts with where in its source the error arose, "(conn.c:2088): ": not for operators.
        if lastText.hasPrefix("("), let end = lastText.range(of: "): ") { lastText = String(lastText[end.upperBound...]) }
        let statusText = natsStatus_GetText(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        let detail = lastText.isEmpty || lastText == statusText ? statusText : "\(statusText): \(lastText)"
        throw JetStreamError(operation: operation(), status: status.rawValue, code: code.rawValue, detail: detail)
    }
}
