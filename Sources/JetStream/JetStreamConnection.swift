import CNats

/// One connection to a NATS cluster with its JetStream context. The client is given every server of the
/// configuration (and learns the cluster's others from them), and once connected it reconnects by itself, to
/// any server, without limit, buffering what is published meanwhile up to `reconnectBufferBytes`.
///
/// The handles are used only on this connection's own serial queue (`BlockingCalls`), which also keeps the
/// client's blocking calls off event loops and task threads; that is what makes the class safe to share.
public final class JetStreamConnection: @unchecked Sendable {
    /// What the client keeps of publishes made while it is reconnecting; beyond it a publish fails at once.
    public static let reconnectBufferBytes: Int32 = 8 << 20

    let calls: BlockingCalls
    /// `natsConnection *`
    let connection: OpaquePointer
    /// `jsCtx *`
    let context: OpaquePointer
    public let servers: [String]

    private init(calls: BlockingCalls, connection: OpaquePointer, context: OpaquePointer, servers: [String]) {
        self.calls = calls
        self.connection = connection
        self.context = context
        self.servers = servers
    }

    /// Connects to the first reachable server of `servers`, trying each once; throws when none answers.
    /// - Parameters:
    ///   - name: the client name the servers show for this connection.
    ///   - requestTimeout: how long a JetStream API request or a publish waits for its answer.
    public static func connect(servers: [String], name: String, connectTimeout: Duration = .seconds(2),
                               requestTimeout: Duration = .seconds(5)) async throws -> JetStreamConnection {
        let calls = BlockingCalls(label: "nats.\(name)")
        let (connection, context) = try await calls.run { () throws -> (UnsafeSendableHandle, UnsafeSendableHandle) in
            var options: OpaquePointer?
            try JetStreamError.check(natsOptions_Create(&options), "NATS options")
            defer { natsOptions_Destroy(options) }
            let list = CStringList(servers)
            try list.withArray { (array) throws in
                try JetStreamError.check(natsOptions_SetServers(options, array, list.count), "NATS servers \(ServerListText.text(servers, separator: ", "))")
            }
            try JetStreamError.check(natsOptions_SetName(options, name), "NATS client name")
            try JetStreamError.check(natsOptions_SetTimeout(options, connectTimeout.milliseconds), "NATS connect timeout")
            try JetStreamError.check(natsOptions_SetMaxReconnect(options, -1), "NATS reconnect limit")
            try JetStreamError.check(natsOptions_SetReconnectWait(options, 250), "NATS reconnect wait")
            try JetStreamError.check(natsOptions_SetReconnectBufSize(options, reconnectBufferBytes), "NATS reconnect buffer")
            var connection: OpaquePointer?
            try JetStreamError.check(natsConnection_Connect(&connection, options), "connecting to \(ServerListText.text(servers, separator: ", "))")
            guard let connection else { throw JetStreamError(operation: "connecting", status: NATS_ERR.rawValue, detail: "no connection returned") }
            var jsOptions = jsOptions()
            jsOptions_Init(&jsOptions)
            jsOptions.Wait = requestTimeout.milliseconds
            var context: OpaquePointer?
            do {
                try JetStreamError.check(natsConnection_JetStream(&context, connection, &jsOptions), "JetStream context")
            } catch {
                natsConnection_Destroy(connection)
                throw error
            }
            guard let context else {
                natsConnection_Destroy(connection)
                throw JetStreamError(operation: "JetStream context", status: NATS_ERR.rawValue, detail: "no context returned")
            }
            return (UnsafeSendableHandle(connection), UnsafeSendableHandle(context))
        }
        return JetStreamConnection(calls: calls, connection: connection.pointer, context: context.pointer, servers: servers)
    }

    /// The server the connection is on now (any password in its URL hidden), or nil while it is reconnecting.
    public var connectedServer: String? {
        get async {
            try? await calls.run { () throws -> String? in
                var buffer = [CChar](repeating: 0, count: 256)
                guard natsConnection_GetConnectedUrl(self.connection, &buffer, buffer.count) == NATS_OK else { return nil }
                let url = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return url.isEmpty ? nil : ServerListText.redacted(url)
            }
        }
    }

    /// Whether the client is connected to a server now (false while it reconnects). Answered without waiting
    /// for the queue: the client's status is safe to read from any thread.
    public var isConnected: Bool {
        natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED
    }

    /// Closes the connection after any call already queued; what was published and not acknowledged is lost
    /// to this connection (the spool still holds it).
    deinit {
        let (connection, context) = (UnsafeSendableHandle(self.connection), UnsafeSendableHandle(self.context))
        calls.enqueue {
            jsCtx_Destroy(context.pointer)
            natsConnection_Close(connection.pointer)
            natsConnection_Destroy(connection.pointer)
        }
    }
}
