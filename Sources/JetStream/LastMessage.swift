import CNats

extension JetStreamConnection {
    /// The message id of the stream's last message on `subject` (wildcards allowed), or nil when the stream holds
    /// none there (or the last one has no id).
    public func lastMessageID(stream: String, subject: String) async throws -> String? {
        try await calls.run { () throws -> String? in
            var message: OpaquePointer?
            var code = jsErrCode(0)
            let status = js_GetLastMsg(&message, self.context, stream, subject, nil, &code)
            defer { if let message { natsMsg_Destroy(message) } }
            do {
                try JetStreamError.check(status, code: code, "looking up the last message on \(subject) in stream \(stream)")
            } catch let error as JetStreamError where error.notFound || error.code == JSNoMessageFoundErr.rawValue {
                return nil
            }
            guard let message else { return nil }
            var id: UnsafePointer<CChar>?
            guard natsMsgHeader_Get(message, "Nats-Msg-Id", &id) == NATS_OK, let id else { return nil }
            return String(cString: id)
        }
    }
}
