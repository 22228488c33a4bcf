import Testing
import GNSSCore
import GNSSPositioning

/// Lock time and slips as a station follows its signals: a 1 Hz stream of G05 L1C and L2W (with phase) and C1C's
/// code alone on G07.
struct SignalLockTrackerTests {
    static let start = GNSSTime(gpsWeek: 1709, secondOfWeek: 604_784)
    static let g05 = SatelliteID(.gps, 5), g07 = SatelliteID(.gps, 7)
    static let l1 = SignalCode("1C")!, l2 = SignalCode("2W")!

    static func epoch(_ second: Int, lli: UInt8 = 0, lock: Double? = nil, g07: Bool = true, l2: Bool = true) -> ObservationEpoch {
        var signals = [SignalObservation(signal: l1, pseudorange: 2.1e7, carrierPhase: 1.1e8, lli: lli, lockTime: lock)]
        if l2 { signals.append(SignalObservation(signal: Self.l2, pseudorange: 2.1e7, carrierPhase: 8.6e7)) }
        var satellites = [SatelliteObservation(satellite: g05, signals: signals)]
        if g07 { satellites.append(SatelliteObservation(satellite: Self.g07, signals: [SignalObservation(signal: l1, pseudorange: 2.2e7)])) }
        return ObservationEpoch(time: start + Double(second), satellites: satellites)
    }

    @Test func lockGrowsWithContinuousTrackingFromTheFirstEpoch() {
        var tracker = SignalLockTracker()
        for s in 0...10 { tracker.update(Self.epoch(s)) }
        #expect(tracker.lock(Self.g05, Self.l1)?.time == 10)
        #expect(tracker.lock(Self.g05, Self.l1)?.slips == 0)
        #expect(tracker.lock(Self.g07, Self.l1)?.time == 10)
        #expect(tracker.lock(Self.g05, SignalCode("5Q")!) == nil)
    }

    @Test func lossOfLockFlagCountsASlipAndRestartsTheLock() {
        var tracker = SignalLockTracker()
        for s in 0...10 { tracker.update(Self.epoch(s, lli: s == 6 ? 1 : 0)) }
        #expect(tracker.lock(Self.g05, Self.l1).map { [$0.time, Double($0.slips)] } == [4, 1])
        // The other signal of the satellite kept its phase.
        #expect(tracker.lock(Self.g05, Self.l2).map { [$0.time, Double($0.slips)] } == [10, 0])
        // The half-cycle bit alone is no slip.
        var halfCycle = SignalLockTracker()
        for s in 0...3 { halfCycle.update(Self.epoch(s, lli: 2)) }
        #expect(halfCycle.lock(Self.g05, Self.l1)?.slips == 0)
    }

    @Test func receiverLockTimeGoingBackIsASlip() {
        var tracker = SignalLockTracker()
        for s in 0...10 { tracker.update(Self.epoch(s, lock: s < 7 ? 100 + Double(s) : Double(s - 7))) }
        #expect(tracker.lock(Self.g05, Self.l1).map { [$0.time, Double($0.slips)] } == [3, 1])
    }

    @Test func aSignalMissingFromAnEpochIsReacquiredWithoutASlip() {
        var tracker = SignalLockTracker()
        for s in 0...10 where s != 4 { tracker.update(Self.epoch(s, l2: s != 5)) }
        // The whole stream missed second 4: one second's pause is no break.
        #expect(tracker.lock(Self.g05, Self.l1)?.time == 10)
        // L2W was missing at second 5: its lock starts again at 6.
        #expect(tracker.lock(Self.g05, Self.l2).map { [$0.time, Double($0.slips)] } == [4, 0])
    }

    @Test func theEnginesSlipsCountOnThePhasesOfTheSatellite() {
        var tracker = SignalLockTracker()
        for s in 0...10 { tracker.update(Self.epoch(s), engineSlips: s == 8 ? [Self.g05, Self.g07] : []) }
        #expect(tracker.lock(Self.g05, Self.l1).map { [$0.time, Double($0.slips)] } == [2, 1])
        #expect(tracker.lock(Self.g05, Self.l2).map { [$0.time, Double($0.slips)] } == [2, 1])
        // A code has no phase to slip.
        #expect(tracker.lock(Self.g07, Self.l1).map { [$0.time, Double($0.slips)] } == [10, 0])
    }

    @Test func aLongPauseOfTheStreamBreaksEveryLock() {
        var tracker = SignalLockTracker()
        for s in [0, 1, 2, 300, 301] { tracker.update(Self.epoch(s)) }
        #expect(tracker.lock(Self.g05, Self.l1).map { [$0.time, Double($0.slips)] } == [1, 0])
    }
}
