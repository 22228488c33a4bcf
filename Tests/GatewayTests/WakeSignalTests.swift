import Foundation
import Testing
@testable import Gateway

/// The forwarder's sender sleeps on a `WakeSignal` instead of polling: it must wake for a record, keep a signal that
/// came while nobody waited, end at its timeout, and let its task be cancelled. The waits' timeouts are long (an hour)
/// and the bounds loose (50 minutes), so that only a wait that missed its wake-up fails, not a busy machine: on two
/// cores the suite's blocking integration tests can keep an async test from running for minutes.
struct WakeSignalTests {
    @Test func aSignalBeforeTheWaitIsKept() async {
        let signal = WakeSignal()
        signal.signal()
        let started = ContinuousClock.now
        await signal.wait(timeout: .seconds(3600))
        #expect(ContinuousClock.now - started < .seconds(3000))
    }

    @Test func aSignalWakesTheWaiter() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        Task {
            try? await Task.sleep(for: .milliseconds(50))
            signal.signal()
        }
        await signal.wait(timeout: .seconds(3600))
        #expect(ContinuousClock.now - started < .seconds(3000))
    }

    @Test func theWaitEndsAtItsTimeout() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(100))
        #expect(ContinuousClock.now - started >= .milliseconds(100))
    }

    @Test func cancellationEndsTheWait() async {
        let signal = WakeSignal()
        let started = ContinuousClock.now
        let waiting = Task { await signal.wait(timeout: .seconds(3600)) }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await waiting.value
        #expect(ContinuousClock.now - started < .seconds(3000))
    }

    /// The timer of a wait that a signal ended is cancelled, and a cancelled timer must not signal: if it did, every
    /// later wait would return at once and the forwarder's sender would spin, creating a task per turn (found by the
    /// soak: gigabytes within a minute).
    @Test func aWaitEndedBySignalLeavesNoWakeUpBehind() async {
        let signal = WakeSignal()
        signal.signal()
        await signal.wait(timeout: .seconds(3600))
        try? await Task.sleep(for: .milliseconds(50))  // time for the cancelled timer to run
        let started = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(300))
        #expect(ContinuousClock.now - started >= .milliseconds(300))
    }
}
