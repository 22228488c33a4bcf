import CNats

/// One message to publish: its subject, its bytes and the id the server drops a resend by.
public struct OutgoingMessage: Sendable {
    public var subject: String
    public var payload: [UInt8]
    public var messageID: String

    public init(subject: String, payload: [UInt8], messageID: String) {
        self.subject = subject
        self.payload = payload
        self.messageID = messageID
    }
}

/// How far an in-order publish got: the messages the stream acknowledged (from the first), how many of those
/// it had already (a resend inside the duplicate window), and why it stopped short, if it did.
public struct PublishProgress: Sendable {
    public var acknowledged = 0
    public var duplicates = 0
    public var failure: JetStreamError?
}

extension JetStreamConnection {
    /// Publishes `messages` one after the other, each waiting for the stream's acknowledgement (stored, and
    /// replicated as the stream asks) before the next goes, so the stream holds them in this order; stops at the
    /// first that is not acknowledged within `timeout`.
    public func publishInOrder(_ messages: [OutgoingMessage], stream: String, timeout: Duration) async -> PublishProgress {
        let outcome = try? await calls.run { () throws -> PublishProgress in
            var progress = PublishProgress()
            stream.withCString { streamName in
                for message in messages {
                    var options = jsPubOptions()
                    jsPubOptions_Init(&options)
                    options.MaxWait = timeout.milliseconds
                    options.ExpectStream = streamName
                    var ack: UnsafeMutablePointer<jsPubAck>?
                    var code = jsErrCode(0)
                    let status = message.messageID.withCString { id in
                        options.MsgId = id
                        return message.payload.withUnsafeBytes { bytes in
                            js_Publish(&ack, self.context, message.subject, bytes.baseAddress, Int32(bytes.count), &options, &code)
                        }
                    }
                    defer { if let ack { jsPubAck_Destroy(ack) } }
                    do {
                        try JetStreamError.check(status, code: code, "publishing \(message.messageID) on \(message.subject)")
                    } catch {
                        progress.failure = error as? JetStreamError
                            ?? JetStreamError(operation: "publishing \(message.messageID)", status: NATS_ERR.rawValue, detail: "\(error)")
                        return
                    }
                    progress.acknowledged += 1
                    if ack?.pointee.Duplicate == true { progress.duplicates += 1 }
                }
            }
            return progress
        }
        return outcome ?? PublishProgress()
    }
}
