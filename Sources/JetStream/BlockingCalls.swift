import Dispatch

/// Runs the NATS client's blocking calls (connect, publish and wait for the acknowledgement, fetch) one at a
/// time on a serial dispatch queue of their own, so they never hold an event loop or a task's thread, and the
/// handles they use are touched by one thread at a time.
final class BlockingCalls: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .utility)
    }

    /// Runs `body` on the queue; its error (a `JetStreamError` from the client) is thrown here.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            queue.async {
                do { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    /// Runs `body` on the queue after what is queued already, without waiting for it (teardown).
    func enqueue(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
