import Foundation
import Testing
@testable import Gateway

/// The forwarder's sender sleeps on a `WakeSignal` instead of polling: it must wake at once for a record, keep a
/// signal that came while nobody waited, end at its timeout, and let its task be cancelled.
struct WakeSignalTests {
    @Test func aSignalBeforeTheWaitIsKept() async {
        let signal = WakeSignal()
        signal.signal()
        let started = ContinuousClock.now
        await signal.wait(timeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test func aSignalWakesTheWaiter() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        Task {
            try? await Task.sleep(for: .milliseconds(50))
            signal.signal()
        }
        await signal.wait(timeout: .seconds(10))
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test func theWaitEndsAtItsTimeout() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(100))
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(100) && waited < .seconds(5))
    }

    @Test func cancellationEndsTheWait() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        let waiting = Task { await signal.wait(timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await waiting.value
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
