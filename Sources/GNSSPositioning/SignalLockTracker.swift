import GNSSCore

/// Continuity of each satellite's signals in one station's observation stream: how long each has been tracked
/// without a break, and how many cycle slips it has had since the station started. Fed every epoch the station
/// solves, in order, it gives the same answer in replay and live.
///
/// A signal's lock starts when it appears, or reappears after missing from the station's previous epoch (or after
/// the stream itself paused longer than `outageLimit`); a reappearance is a new track, not a slip. A slip, which
/// both counts and restarts the lock, is a continuing phase with the loss-of-lock bit (LLI bit 0) set, with a
/// receiver lock time (RTCM MSM, UBX) shorter than at the previous epoch, or on a satellite the engine's own
/// detection found slipped (PPP: Melbourne–Wübbena and geometry-free jumps; RTK: geometry-free and Doppler jumps).
public struct SignalLockTracker: Sendable {
    struct Key: Hashable, Sendable {
        var satellite: SatelliteID
        var signal: SignalCode
    }

    struct Track: Sendable {
        /// When the current lock began.
        var since: GNSSTime
        var lastSeen: GNSSTime
        /// The receiver's own lock time at `lastSeen`, where the stream gives one.
        var receiverLock: Double?
        var slips: Int
    }

    /// A pause of the whole stream longer than this breaks every lock (seconds).
    static let outageLimit = 120.0
    /// Tracks unseen this long are forgotten, slip counts included (a satellite set long ago), seconds.
    static let forgetAfter = 4 * 3600.0

    private var tracks: [Key: Track] = [:]
    private var previousEpoch: GNSSTime?

    public init() {}

    /// Takes one epoch: `engineSlips` are the satellites the engine found slipped in it.
    public mutating func update(_ epoch: ObservationEpoch, engineSlips: [SatelliteID] = []) {
        let t = epoch.time
        let continuousStream = previousEpoch.map { t - $0 > 0 && t - $0 <= Self.outageLimit } ?? false
        for satellite in epoch.satellites {
            let engineSlip = engineSlips.contains(satellite.satellite)
            for signal in satellite.signals {
                let key = Key(satellite: satellite.satellite, signal: signal.signal)
                guard var track = tracks[key] else {
                    tracks[key] = Track(since: t, lastSeen: t, receiverLock: signal.lockTime, slips: 0)
                    continue
                }
                let continuing = continuousStream && track.lastSeen == previousEpoch
                if !continuing {
                    track.since = t
                } else if signal.carrierPhase != nil, Self.slipped(signal, previousLock: track.receiverLock, engine: engineSlip) {
                    track.slips += 1
                    track.since = t
                }
                track.lastSeen = t
                track.receiverLock = signal.lockTime
                tracks[key] = track
            }
        }
        previousEpoch = t
        if tracks.count > 4096 || Int(t.seconds) % 600 == 0 {
            tracks = tracks.filter { t - $0.value.lastSeen <= Self.forgetAfter }
        }
    }

    private static func slipped(_ signal: SignalObservation, previousLock: Double?, engine: Bool) -> Bool {
        if engine || signal.lli & 1 != 0 { return true }
        if let now = signal.lockTime, let before = previousLock, now < before { return true }
        return false
    }

    /// A signal's lock time (s) and slips as of the latest epoch, nil when it was not in it.
    public func lock(_ satellite: SatelliteID, _ signal: SignalCode) -> (time: Double, slips: Int)? {
        guard let track = tracks[Key(satellite: satellite, signal: signal)], track.lastSeen == previousEpoch else { return nil }
        return (track.lastSeen - track.since, track.slips)
    }
}
