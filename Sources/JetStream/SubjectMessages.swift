import CNats

extension JetStreamConnection {
    /// Publishes on a plain subject that no stream stores: nothing acknowledges it, and the client keeps it in its
    /// reconnect buffer while it reconnects. For what is only worth having now (real-time corrections).
    public func publish(subject: String, payload: [UInt8]) async throws {
        try await calls.run {
            try payload.withUnsafeBytes { bytes in
                try JetStreamError.check(natsConnection_Publish(self.connection, subject, bytes.baseAddress, Int32(bytes.count)),
                                         "publishing on \(subject)")
            }
        }
    }

    /// Publishes on a plain subject without waiting: queued behind the connection's calls, so messages go out in the
    /// order given. False (nothing queued) while the client is not connected.
    public func publishInBackground(subject: String, payload: [UInt8]) -> Bool {
        guard isConnected else { return false }
        calls.enqueue {
            _ = payload.withUnsafeBytes { natsConnection_Publish(self.connection, subject, $0.baseAddress, Int32($0.count)) }
        }
        return true
    }

    /// Subscribes to a plain subject. The client holds at most `pendingMessages` messages and `pendingBytes` bytes
    /// not yet taken by `next`; beyond that it drops them, and `dropped` counts them.
    public func subscribe(subject: String, pendingMessages: Int32 = 1024, pendingBytes: Int32 = 8 << 20) async throws -> SubjectSubscription {
        let handle = try await calls.run { () throws -> UnsafeSendableHandle in
            var subscription: OpaquePointer?
            try JetStreamError.check(natsConnection_SubscribeSync(&subscription, self.connection, subject), "subscribing to \(subject)")
            guard let subscription else {
                throw JetStreamError(operation: "subscribing to \(subject)", status: NATS_ERR.rawValue, detail: "no subscription returned")
            }
            _ = natsSubscription_SetPendingLimits(subscription, pendingMessages, pendingBytes)
            return UnsafeSendableHandle(subscription)
        }
        return SubjectSubscription(connection: self, subscription: handle.pointer, subject: subject)
    }
}

/// Messages of a plain subject, taken one at a time. Waiting for one blocks a queue of the subscription's own, so
/// the connection's publishes never wait behind it. Keeps its connection open while it lives.
public final class SubjectSubscription: @unchecked Sendable {
    private let connection: JetStreamConnection
    private let calls: BlockingCalls
    /// `natsSubscription *`, used on `calls` only.
    private let subscription: OpaquePointer
    public let subject: String

    init(connection: JetStreamConnection, subscription: OpaquePointer, subject: String) {
        self.connection = connection
        self.subscription = subscription
        self.subject = subject
        calls = BlockingCalls(label: "nats.subscription.\(subject)")
    }

    /// The next message's payload, or nil when none came within `wait`.
    public func next(wait: Duration) async throws -> [UInt8]? {
        try await calls.run { () throws -> [UInt8]? in
            var message: OpaquePointer?
            let status = natsSubscription_NextMsg(&message, self.subscription, wait.milliseconds)
            if status == NATS_TIMEOUT { return nil }
            try JetStreamError.check(status, "waiting for a message on \(self.subject)")
            guard let message else { return nil }
            defer { natsMsg_Destroy(message) }
            let count = Int(natsMsg_GetDataLength(message))
            guard count > 0, let data = natsMsg_GetData(message) else { return [] }
            return data.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
        }
    }

    /// Messages the client dropped because `next` did not keep up.
    public var dropped: Int64 {
        get async {
            (try? await calls.run { () -> Int64 in
                var n: Int64 = 0
                _ = natsSubscription_GetDropped(self.subscription, &n)
                return n
            }) ?? 0
        }
    }

    deinit {
        let subscription = UnsafeSendableHandle(self.subscription)
        calls.enqueue { natsSubscription_Destroy(subscription.pointer) }
    }
}
