import GNSSCore
import GNSSOrbits
import GNSSProducts

/// The network's estimates as state-space corrections: what users apply to the
/// broadcast ephemerides. The network ranges the point the signals leave from
/// (it applies no satellite antenna model), so the orbits refer to the antenna
/// phase centre; SSR's orbit correction is broadcast minus true, the clock
/// correction true minus broadcast.
public enum NetworkCorrections {
    /// The issue of data SSR names each estimate's ephemeris by, with its orbit and clock corrections stamped `epoch`.
    public static func corrections(_ estimates: [SatelliteEstimate], epoch: GNSSTime, updateInterval: Double, issue: SSRIssue)
        -> [(satellite: SatelliteID, orbit: SSROrbitCorrection, clock: SSRClockCorrection)] {
        // The filter's offsets are those at `epoch`; SSR's refer to the epoch plus half the update interval.
        let ahead = SSRCorrections.referenceTime(epoch: epoch, updateInterval: updateInterval) - epoch
        return estimates.compactMap { e in
            guard let iod = SSRGenerator.issueOfData(e.ephemeris) else { return nil }
            let orbit = SSROrbitCorrection(epoch: epoch, updateInterval: updateInterval, issueOfData: iod, issue: issue,
                                           offset: e.ssrOrbitOffset.moved(by: e.ssrOrbitRate, over: ahead), rate: e.ssrOrbitRate,
                                           referencePoint: .antennaPhaseCentre)
            let clock = SSRClockCorrection(epoch: epoch, updateInterval: updateInterval, issue: issue, polynomial: [e.clock, 0, 0])
            return (e.satellite, orbit, clock)
        }
    }

    /// Adds the estimates, stamped `epoch`, to a correction store.
    public static func add(_ estimates: [SatelliteEstimate], epoch: GNSSTime, updateInterval: Double, issue: SSRIssue = SSRIssue(),
                           into store: inout SSRCorrections) {
        for (sat, orbit, clock) in corrections(estimates, epoch: epoch, updateInterval: updateInterval, issue: issue) {
            store.add(orbit: orbit, for: sat)
            store.add(clock: clock, for: sat)
        }
    }
}
