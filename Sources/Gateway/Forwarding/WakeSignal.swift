import Synchronization

/// Wakes one waiting task when there is something for it: the forwarder's sender sleeps until the spool has a new
/// record or an acknowledgement makes room in the window, not on a timer. A signal while nobody waits is kept for
/// the next wait; a wait also ends at its timeout and when its task is cancelled.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Returns at the next signal (at once if one came since the last wait), after `timeout`, or on cancellation.
    func wait(timeout: Duration) async {
        // Only a timer that ran its course wakes: a timer cancelled because the wait ended otherwise must leave no
        // signal behind, or the next wait would return at once and the sender would spin.
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self?.signal()
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending {
                        s.pending = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            signal()
        }
    }
}
