import GNSSCore
import GNSSFormats
import GNSSOrbits

/// The LEO counterpart of `SSRGenerator`: from the LEO satellites' precise orbits and clocks, combined orbit and clock
/// corrections (4058/2) to the LEO broadcast ephemerides (4058/1) their users hold, every `interval` seconds. Each
/// satellite's correction names the ephemeris issue in force over the whole update interval; offsets, clock and their
/// rates refer to the epoch plus half the interval, as in RTCM SSR, the rates spanning the interval.
public struct LEOSSRGenerator: Sendable {
    /// A LEO satellite's precise position (ECEF, m, of the point the broadcast orbit gives) and clock (s, as the signal
    /// carries it) at a time, nil where unknown.
    public typealias Truth = @Sendable (SatelliteID, GNSSTime) -> (position: ECEF, clock: Double)?

    public struct Options: Sendable {
        /// Seconds between corrections, one of the SSR update intervals. LEO broadcast ephemerides change every
        /// couple of minutes and their errors move with the orbit's 100 minutes, hence the short default.
        public var interval: Double = 5
        public var providerID = 0
        public var solutionID = 0
        public var iodSSR = 0

        public init() {}
    }

    /// At most 30 satellites a message (a 4058/2 frame holds 41).
    static let satellitesPerMessage = 30

    public let options: Options
    private let broadcast: LEOEphemerisStore
    private let truth: Truth
    private let intervalIndex: Int
    /// Satellites left out of the last epoch because their corrections do not fit the message's fields.
    public private(set) var outOfRange: [SatelliteID] = []

    public init(broadcast: LEOEphemerisStore, truth: @escaping Truth, options: Options = Options()) throws(SSRGenerator.UsageError) {
        guard let index = SSRFeed.updateIntervals.firstIndex(of: options.interval) else {
            throw SSRGenerator.UsageError(description: "interval \(options.interval) s is not an SSR update interval")
        }
        intervalIndex = index
        self.options = options
        self.broadcast = broadcast
        self.truth = truth
    }

    /// The 4058/2 messages of epoch `t` (none where `t` is not a multiple of the interval); every message but the last
    /// says more follow.
    public mutating func messages(at t: GNSSTime) -> [SSRMessage] {
        guard SSRGenerator.isMultiple(t, of: options.interval) else { return [] }
        var corrected: [SSRMessage.Satellite] = []
        outOfRange = []
        for sat in broadcast.satellites {
            guard let s = correction(sat, epoch: t) else { continue }
            if RTCM3LEO.ssrFits(s) { corrected.append(s) } else { outOfRange.append(sat) }
        }
        var out = stride(from: 0, to: corrected.count, by: Self.satellitesPerMessage).map { start in
            SSRMessage(messageType: RTCM3LEO.messageType, system: .leo, kind: .combined, epochSeconds: Int(t.secondOfWeek),
                       updateInterval: intervalIndex, iodSSR: options.iodSSR, providerID: options.providerID,
                       solutionID: options.solutionID,
                       satellites: Array(corrected[start..<min(start + Self.satellitesPerMessage, corrected.count)]))
        }
        for i in out.indices { out[i].multipleMessage = i < out.count - 1 }
        return out
    }

    /// The ephemeris a user holds over the update interval from `t`: of the healthy ones whose window has begun by
    /// `t` and lasts to the interval's end, the latest.
    func ephemeris(_ sat: SatelliteID, at t: GNSSTime) -> LEOEphemeris? {
        broadcast.all(for: sat).last { e in
            e.healthy && !(t < e.reference - e.halfWidth) && e.covers(t) && e.covers(t + options.interval)
        }
    }

    private func correction(_ sat: SatelliteID, epoch t: GNSSTime) -> SSRMessage.Satellite? {
        guard let eph = ephemeris(sat, at: t) else { return nil }
        let interval = options.interval
        let t0 = SSRCorrections.referenceTime(epoch: t, updateInterval: interval)
        guard let (d, clock) = delta(sat, eph, at: t0), let (start, clockStart) = delta(sat, eph, at: t),
              let (end, clockEnd) = delta(sat, eph, at: t + interval) else { return nil }
        var s = SSRMessage.Satellite(satellite: sat)
        s.iod = eph.issue
        s.orbit = [d.radial, d.along, d.cross, (end.radial - start.radial) / interval, (end.along - start.along) / interval,
                   (end.cross - start.cross) / interval]
        s.clock = [clock, (clockEnd - clockStart) / interval, 0]
        return s
    }

    /// Broadcast minus true position in the broadcast orbit's frame, and true minus broadcast clock (m), at `t`.
    private func delta(_ sat: SatelliteID, _ eph: LEOEphemeris, at t: GNSSTime) -> (RadialAlongCross, Double)? {
        guard let b = eph.state(at: t), let truth = truth(sat, t),
              let d = RadialAlongCross.of(b.position - truth.position, position: b.position, velocity: b.velocity) else { return nil }
        return (d, Constants.speedOfLight * (truth.clock - b.clockBias))
    }
}
