import CNats

/// One message a durable consumer delivered: its subject, its headers' message id, its bytes, and where it
/// sits in the stream.
public struct DeliveredMessage: Sendable {
    public var subject: String
    public var messageID: String?
    public var payload: [UInt8]
    public var streamSequence: UInt64
    /// 1 the first time, more when the server delivers it again.
    public var deliveries: UInt64
}

/// A durable pull consumer on a stream, acknowledged cumulatively: acknowledging a batch's last message
/// acknowledges everything before it, so the consumer's acknowledgement floor is exactly what its owner has
/// made durable.
///
/// Opening it resumes at that floor. A consumer left with deliveries that were never acknowledged (its owner
/// died between fetching and acknowledging) is set up anew from the first unacknowledged message, so those
/// come again first and in stream order rather than after newer ones once their acknowledgement wait ran out.
/// One batch at a time is outstanding: fetching the next drops what was fetched and not acknowledged.
public final class DurablePullConsumer: @unchecked Sendable {
    /// How long the server waits for an acknowledgement before it delivers a message again.
    public static let acknowledgementWait = Duration.seconds(30)

    public let stream: String
    public let durable: String
    public let batchLimit: Int
    private let connection: JetStreamConnection
    /// `natsSubscription *`; used only on the connection's queue.
    private let subscription: OpaquePointer
    /// The last batch fetched and not yet acknowledged; touched only on the connection's queue.
    private let outstanding: OutstandingBatch

    private init(connection: JetStreamConnection, stream: String, durable: String, batchLimit: Int, subscription: OpaquePointer) {
        self.connection = connection
        self.stream = stream
        self.durable = durable
        self.batchLimit = batchLimit
        self.subscription = subscription
        outstanding = OutstandingBatch()
    }

    /// What opening found: a new consumer, one resumed as it was, or one set up anew from its floor.
    public enum Start: Sendable, Equatable {
        case created
        case resumed(acknowledgedThrough: UInt64)
        case restartedAfterUnacknowledged(from: UInt64, unacknowledged: Int64)
    }

    /// Opens the durable consumer `durable` on `stream` for `filter`, creating it when the stream has none of
    /// that name.
    public static func open(connection: JetStreamConnection, stream: String, durable: String, filter: String,
                            batchLimit: Int) async throws -> (DurablePullConsumer, Start) {
        let (handle, start) = try await connection.calls.run { () throws -> (UnsafeSendableHandle, Start) in
            let js = connection.context
            var info: UnsafeMutablePointer<jsConsumerInfo>?
            var code = jsErrCode(0)
            let status = js_GetConsumerInfo(&info, js, stream, durable, nil, &code)
            var start = Start.created
            var startSequence: UInt64?
            do {
                try JetStreamError.check(status, code: code, "looking up consumer \(durable) of stream \(stream)")
                let floor = info?.pointee.AckFloor.Stream ?? 0
                let pending = info?.pointee.NumAckPending ?? 0
                if pending > 0 {
                    startSequence = floor + 1
                    start = .restartedAfterUnacknowledged(from: floor + 1, unacknowledged: pending)
                } else {
                    start = .resumed(acknowledgedThrough: floor)
                }
            } catch let error as JetStreamError where error.notFound {
                start = .created
            }
            if let info { jsConsumerInfo_Destroy(info) }
            if startSequence != nil {
                code = jsErrCode(0)
                try JetStreamError.check(js_DeleteConsumer(js, stream, durable, nil, &code), code: code,
                                         "deleting consumer \(durable) to set it up again from its acknowledgement floor")
            }
            var exists = false
            if case .resumed = start { exists = true }
            if !exists {
                try durable.withCString { (name) throws in
                    try filter.withCString { (subject) throws in
                        var config = jsConsumerConfig()
                        jsConsumerConfig_Init(&config)
                        config.Durable = name
                        config.FilterSubject = subject
                        config.AckPolicy = js_AckAll
                        config.AckWait = acknowledgementWait.milliseconds * 1_000_000
                        config.MaxAckPending = Int64(batchLimit)
                        config.MaxRequestBatch = Int64(batchLimit)
                        if let startSequence {
                            config.DeliverPolicy = js_DeliverByStartSequence
                            config.OptStartSeq = startSequence
                        } else {
                            config.DeliverPolicy = js_DeliverAll
                        }
                        var created: UnsafeMutablePointer<jsConsumerInfo>?
                        code = jsErrCode(0)
                        let status = js_AddConsumer(&created, js, stream, &config, nil, &code)
                        if let created { jsConsumerInfo_Destroy(created) }
                        try JetStreamError.check(status, code: code, "creating consumer \(durable) on stream \(stream)")
                    }
                }
            }
            var options = jsSubOptions()
            jsSubOptions_Init(&options)
            var subscription: OpaquePointer?
            try stream.withCString { (streamName) throws in
                try durable.withCString { (name) throws in
                    options.Stream = streamName
                    options.Consumer = name
                    code = jsErrCode(0)
                    try JetStreamError.check(js_PullSubscribe(&subscription, js, filter, name, nil, &options, &code), code: code,
                                             "subscribing to consumer \(durable) of stream \(stream)")
                }
            }
            guard let subscription else {
                throw JetStreamError(operation: "subscribing to consumer \(durable)", status: NATS_ERR.rawValue, detail: "no subscription returned")
            }
            return (UnsafeSendableHandle(subscription), start)
        }
        return (DurablePullConsumer(connection: connection, stream: stream, durable: durable, batchLimit: batchLimit,
                                    subscription: handle.pointer), start)
    }

    /// Whether the consumer's connection is up now (false while the client reconnects).
    public var isConnected: Bool { connection.isConnected }

    /// Up to `batchLimit` messages in stream order, waiting at most `wait` for the first; empty when none came.
    public func fetch(wait: Duration) async throws -> [DeliveredMessage] {
        try await connection.calls.run { () throws -> [DeliveredMessage] in
            self.outstanding.release()
            var list = natsMsgList()
            var code = jsErrCode(0)
            let status = natsSubscription_Fetch(&list, self.subscription, Int32(self.batchLimit), wait.milliseconds, &code)
            do {
                try JetStreamError.check(status, code: code, "fetching from consumer \(self.durable)")
            } catch let error as JetStreamError where error.timedOut {
                natsMsgList_Destroy(&list)
                return []
            }
            var delivered: [DeliveredMessage] = []
            delivered.reserveCapacity(Int(list.Count))
            for i in 0..<Int(list.Count) {
                guard let message = list.Msgs?[i] else { continue }
                delivered.append(Self.describe(message))
            }
            self.outstanding.keep(list)
            return delivered
        }
    }

    /// Acknowledges everything fetched so far, waiting for the server to confirm.
    public func acknowledgeFetched() async throws {
        try await connection.calls.run { () throws in
            guard let last = self.outstanding.last else { return }
            var code = jsErrCode(0)
            let status = natsMsg_AckSync(last, nil, &code)
            self.outstanding.release()
            try JetStreamError.check(status, code: code, "acknowledging on consumer \(self.durable)")
        }
    }

    private static func describe(_ message: OpaquePointer) -> DeliveredMessage {
        let subject = natsMsg_GetSubject(message).map { String(cString: $0) } ?? ""
        var id: UnsafePointer<CChar>?
        let messageID = natsMsgHeader_Get(message, "Nats-Msg-Id", &id) == NATS_OK ? id.map { String(cString: $0) } : nil
        let length = Int(natsMsg_GetDataLength(message))
        var payload: [UInt8] = []
        if length > 0, let data = natsMsg_GetData(message) {
            payload = data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
        }
        var meta: UnsafeMutablePointer<jsMsgMetaData>?
        var sequence: UInt64 = 0
        var deliveries: UInt64 = 1
        if natsMsg_GetMetaData(&meta, message) == NATS_OK, let m = meta {
            sequence = m.pointee.Sequence.Stream
            deliveries = m.pointee.NumDelivered
            jsMsgMetaData_Destroy(m)
        }
        return DeliveredMessage(subject: subject, messageID: messageID, payload: payload, streamSequence: sequence, deliveries: deliveries)
    }

    deinit {
        let (subscription, outstanding) = (UnsafeSendableHandle(self.subscription), self.outstanding)
        connection.calls.enqueue {
            outstanding.release()
            natsSubscription_Destroy(subscription.pointer)
        }
    }
}

/// The messages of the last fetch, kept for their acknowledgement; only touched on the connection's queue.
private final class OutstandingBatch: @unchecked Sendable {
    private var list = natsMsgList()

    var last: OpaquePointer? {
        guard list.Count > 0 else { return nil }
        return list.Msgs?[Int(list.Count) - 1]
    }

    func keep(_ fetched: natsMsgList) {
        release()
        list = fetched
    }

    func release() {
        if list.Count > 0 || list.Msgs != nil { natsMsgList_Destroy(&list) }
        list = natsMsgList()
    }
}
