import GNSSCore

/// The time the gateway takes its streams to be at, from the reference times of the broadcast ephemerides it holds:
/// what resolves an MSM epoch's time of week, or an SSR message's, into a full time.
///
/// The latest reference time serves, but only of ephemerides that agree with it: a streamed ephemeris whose
/// reference time lies more than `tolerance` from the clue is set aside, not held, and the clue jumps to such a time
/// only once `quorum` distinct satellites agree on it (within `tolerance` of each other); those are held then. So a
/// single satellite's ephemerides, however many and whatever their reference time (a receiver's week roll-over
/// fault, a forged stream), can neither move every station's time nor push the real ephemerides out of the store,
/// while a gateway whose streams really moved on (a replay of another day) follows them.
struct EphemerisTimeClue: Sendable {
    /// How far an ephemeris' reference time may lie from the clue and still count: a day (GPS issues its ephemerides
    /// up to a few hours ahead, and a station may lag by an outage).
    static let tolerance = 86_400.0
    /// Distinct satellites that must agree before the clue jumps.
    static let quorum = 4

    private(set) var time: GNSSTime?
    /// The ephemerides set aside, by satellite (at most one each, the latest to come).
    private var setAside: [SatelliteID: Ephemeris] = [:]

    /// Takes a streamed ephemeris; returns those to hold now: `e` when it agrees with the clue, none when it is set
    /// aside, and every set-aside ephemeris that agrees with it when the clue jumps to them.
    mutating func admit(_ e: Ephemeris) -> [Ephemeris] {
        guard let current = time, abs(e.toe - current) > Self.tolerance else {
            follow(e.toe)
            return [e]
        }
        setAside[e.satellite] = e
        let agreeing = setAside.values.filter { abs($0.toe - e.toe) <= Self.tolerance }
        guard agreeing.count >= Self.quorum, let latest = agreeing.map(\.toe).max() else { return [] }
        time = latest
        setAside = setAside.filter { abs($0.value.toe - latest) > Self.tolerance }
        return agreeing
    }

    /// Takes a trusted ephemeris' reference time (a product file's): the clue moves to it if it is later.
    mutating func follow(_ toe: GNSSTime) {
        if time.map({ toe > $0 }) ?? true { time = toe }
    }
}
