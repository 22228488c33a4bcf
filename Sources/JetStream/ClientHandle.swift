/// A client handle carried from the calls' queue back to the task that asked for it; it is used only on that
/// queue afterwards.
struct UnsafeSendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

extension Duration {
    /// Whole milliseconds, as the client's timeouts take them.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
