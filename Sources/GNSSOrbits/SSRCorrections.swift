import GNSSCore

/// The point of the satellite an SSR stream's corrected orbits give: the antenna phase centre (of the signals the
/// clocks refer to) or the centre of mass, whose antenna offset the user then applies.
public enum SSRReferencePoint: String, Sendable, CaseIterable {
    case antennaPhaseCentre = "apc"
    case centreOfMass = "com"
}

/// Offsets in the satellite's orbital frame: radial, along-track (the velocity's direction) and cross-track (the
/// orbit's normal, position × velocity), metres or metres per second.
public struct RadialAlongCross: Sendable, Hashable {
    public var radial: Double
    public var along: Double
    public var cross: Double

    public init(radial: Double, along: Double, cross: Double) {
        self.radial = radial
        self.along = along
        self.cross = cross
    }

    public static let zero = RadialAlongCross(radial: 0, along: 0, cross: 0)

    /// These offsets moved on by `rate` (each component per second) over `dt` seconds.
    public func moved(by rate: RadialAlongCross, over dt: Double) -> RadialAlongCross {
        RadialAlongCross(radial: radial + rate.radial * dt, along: along + rate.along * dt, cross: cross + rate.cross * dt)
    }

    /// The frame's unit vectors at a satellite with `position` and `velocity`: along, cross, radial (= along × cross).
    public static func axes(position: ECEF, velocity: ECEF) -> (radial: ECEF, along: ECEF, cross: ECEF)? {
        let v = velocity.norm
        let normal = position.cross(velocity)
        let n = normal.norm
        guard v > 0, n > 0 else { return nil }
        let along = (1 / v) * velocity, cross = (1 / n) * normal
        return (along.cross(cross), along, cross)
    }

    /// The ECEF vector of these offsets at a satellite with `position` and `velocity`.
    public func ecef(position: ECEF, velocity: ECEF) -> ECEF? {
        guard let (r, a, c) = Self.axes(position: position, velocity: velocity) else { return nil }
        return radial * r + along * a + cross * c
    }

    /// The offsets of an ECEF vector `d` at a satellite with `position` and `velocity`.
    public static func of(_ d: ECEF, position: ECEF, velocity: ECEF) -> RadialAlongCross? {
        guard let (r, a, c) = axes(position: position, velocity: velocity) else { return nil }
        return RadialAlongCross(radial: d.dot(r), along: d.dot(a), cross: d.dot(c))
    }

    public var norm: Double { (radial * radial + along * along + cross * cross).squareRoot() }
}

/// Who made a correction and with which set-up: the provider, its solution, and the SSR issue of data it changes when
/// its set-up changes. Corrections combine, and follow each other without a discontinuity, only within one issue.
public struct SSRIssue: Sendable, Hashable, CustomStringConvertible {
    public var provider: Int
    public var solution: Int
    public var iodSSR: Int

    public init(provider: Int = 0, solution: Int = 0, iodSSR: Int = 0) {
        self.provider = provider
        self.solution = solution
        self.iodSSR = iodSSR
    }

    public var description: String { "provider \(provider) solution \(solution) IOD SSR \(iodSSR)" }
}

/// One satellite's orbit correction: how far the broadcast orbit of one issue is from the true one, and how fast
/// that changes. The corrected position is the broadcast one minus `offset + rate·(t − reference)`.
public struct SSROrbitCorrection: Sendable, Hashable {
    /// The epoch the stream stamped it with.
    public var epoch: GNSSTime
    /// Seconds until the next update is due.
    public var updateInterval: Double
    /// The broadcast ephemeris's issue of data (IODE, IODnav, GLONASS tb) the correction is for.
    public var issueOfData: Int
    /// The stream's provider, solution and SSR issue of data: orbit and clock corrections combine only when theirs agree.
    public var issue: SSRIssue
    public var offset: RadialAlongCross
    public var rate: RadialAlongCross
    public var referencePoint: SSRReferencePoint

    public init(epoch: GNSSTime, updateInterval: Double, issueOfData: Int, issue: SSRIssue, offset: RadialAlongCross,
                rate: RadialAlongCross, referencePoint: SSRReferencePoint) {
        self.epoch = epoch
        self.updateInterval = updateInterval
        self.issueOfData = issueOfData
        self.issue = issue
        self.offset = offset
        self.rate = rate
        self.referencePoint = referencePoint
    }

    /// The time the offsets refer to: RTCM's SSR epoch plus half the update interval.
    public var reference: GNSSTime { SSRCorrections.referenceTime(epoch: epoch, updateInterval: updateInterval) }

    /// The offsets at `t`.
    public func offset(at t: GNSSTime) -> RadialAlongCross {
        offset.moved(by: rate, over: t - reference)
    }
}

/// One satellite's clock correction, metres: C0 + C1·(t − reference) + C2·(t − reference)², added to the broadcast
/// clock (as a range) of the ephemeris the orbit correction names.
public struct SSRClockCorrection: Sendable, Hashable {
    public var epoch: GNSSTime
    public var updateInterval: Double
    public var issue: SSRIssue
    /// C0 (m), C1 (m/s), C2 (m/s²), stored apart: a correction allocates nothing.
    public var c0: Double, c1: Double, c2: Double

    /// C0, C1, C2 as a list (missing terms are zero).
    public var polynomial: [Double] {
        get { [c0, c1, c2] }
        set {
            c0 = newValue.count > 0 ? newValue[0] : 0
            c1 = newValue.count > 1 ? newValue[1] : 0
            c2 = newValue.count > 2 ? newValue[2] : 0
        }
    }

    public init(epoch: GNSSTime, updateInterval: Double, issue: SSRIssue, polynomial: [Double]) {
        self.epoch = epoch
        self.updateInterval = updateInterval
        self.issue = issue
        c0 = 0; c1 = 0; c2 = 0
        self.polynomial = polynomial
    }

    public var reference: GNSSTime { SSRCorrections.referenceTime(epoch: epoch, updateInterval: updateInterval) }

    /// The correction at `t`, metres, and its rate, m/s.
    public func value(at t: GNSSTime) -> (correction: Double, rate: Double) {
        let dt = t - reference
        return (c0 + c1 * dt + c2 * dt * dt, c1 + 2 * c2 * dt)
    }
}

/// A high-rate clock correction, metres, added to the clock correction of the same SSR issue.
public struct SSRHighRateClock: Sendable, Hashable {
    public var epoch: GNSSTime
    public var updateInterval: Double
    public var issue: SSRIssue
    public var correction: Double

    public init(epoch: GNSSTime, updateInterval: Double, issue: SSRIssue, correction: Double) {
        self.epoch = epoch
        self.updateInterval = updateInterval
        self.issue = issue
        self.correction = correction
    }
}

/// Why a satellite has no SSR-corrected state.
public enum SSRUnavailable: Error, Sendable, Hashable, CustomStringConvertible {
    case noOrbitCorrection
    case noClockCorrection
    /// The orbit correction names a new ephemeris issue and the clock correction for it has not come yet.
    case clockForNewIssuePending
    /// The orbit correction names an ephemeris issue none of the held ephemerides has.
    case noMatchingEphemeris(issueOfData: Int)
    /// The system's way of naming an ephemeris issue in SSR is not one this store reads.
    case issueRuleUnsupported(GNSSSystem)
    /// The newest correction is older than its update interval and the allowance for latency.
    case stale(age: Double)
    /// Orbit and clock corrections come from different providers, solutions or SSR issues.
    case inconsistentIssues(orbit: SSRIssue, clock: SSRIssue)
    /// The correction jumped between two updates; the satellite waits for one that confirms the new value.
    case jump(metres: Double)
    /// Corrections beyond what any healthy broadcast needs (orbit over 15 m, clock over 300 m).
    case implausible(metres: Double)

    public var description: String {
        switch self {
        case .noOrbitCorrection: "no orbit correction"
        case .noClockCorrection: "no clock correction"
        case .clockForNewIssuePending: "clock correction for the new ephemeris issue not yet received"
        case .noMatchingEphemeris(let iod): "no ephemeris with the correction's issue of data \(iod)"
        case .issueRuleUnsupported(let s): "\(s) SSR issues of data are not read"
        case .stale(let age): "correction \(Int(age.rounded())) s old"
        case .inconsistentIssues(let o, let c): "orbit and clock corrections of different SSR issues (\(o); \(c))"
        case .jump(let m): "correction jumped \(String(format: "%.2f", m)) m"
        case .implausible(let m): "correction of \(String(format: "%.1f", m)) m refused"
        }
    }

    /// A short name for counters and summaries.
    public var label: String {
        switch self {
        case .noOrbitCorrection: "no-orbit"
        case .noClockCorrection: "no-clock"
        case .clockForNewIssuePending: "clock-pending"
        case .noMatchingEphemeris: "no-matching-iod"
        case .issueRuleUnsupported: "iod-rule-unsupported"
        case .stale: "stale"
        case .inconsistentIssues: "inconsistent-iod-ssr"
        case .jump: "jump"
        case .implausible: "implausible"
        }
    }
}

/// State-space corrections held for each satellite (the latest orbit, clock, high-rate clock, code biases and
/// accuracy), fed from any SSR source, and the corrected satellite states they give with the broadcast ephemerides.
/// RTCM 3 and IGS SSR carry the same quantities; the conversion from their messages is the formats' business.
public struct SSRCorrections: Sendable {
    /// Seconds a correction stays usable after its update interval has passed: the stream's latency and one lost
    /// update.
    public var latencyAllowance: Double
    /// The largest change between two updates of a satellite (the earlier one carried forward with its rate) that is
    /// not a jump, metres.
    public var jumpLimit: Double
    /// Each satellite's latest orbit and clock corrections, oldest first (`kept` of each): a correction stamped later
    /// than a time does not serve it, so the one before it does (a replay may have read a stream a little ahead).
    private var orbits = SatelliteTable<[SSROrbitCorrection]>()
    private var clocks = SatelliteTable<[SSRClockCorrection]>()
    private static let kept = 3
    private var highRateClocks = SatelliteTable<SSRHighRateClock>()
    private var codeBiases = SatelliteTable<[SignalCode: Double]>()
    private var accuracies = SatelliteTable<Int>()
    /// Satellites whose last update jumped, with the size of the jump: left out until the next update confirms it.
    private var jumped = SatelliteTable<Double>()
    /// Counts, per satellite, the confirmed jumps and SSR issue (provider, solution, IOD SSR) changes: a user's phase
    /// ambiguity of the satellite does not survive a change of this count.
    private var discontinuities = SatelliteTable<Int>()
    /// Jumps seen since the start.
    public private(set) var jumps = 0

    /// The default of `latencyAllowance`, seconds.
    public static let defaultLatencyAllowance = 30.0

    public init(latencyAllowance: Double = SSRCorrections.defaultLatencyAllowance, jumpLimit: Double = 1) {
        self.latencyAllowance = latencyAllowance
        self.jumpLimit = jumpLimit
    }

    /// RTCM SSR: the corrections refer to the epoch plus half the update interval.
    public static func referenceTime(epoch: GNSSTime, updateInterval: Double) -> GNSSTime {
        epoch + updateInterval / 2
    }

    public var satellites: [SatelliteID] { orbits.keys.union(clocks.keys).sorted() }

    /// The latest orbit and clock corrections of a satellite.
    public func orbit(_ sat: SatelliteID) -> SSROrbitCorrection? { orbits[sat]?.last }
    public func clock(_ sat: SatelliteID) -> SSRClockCorrection? { clocks[sat]?.last }

    private static func keep<T>(_ c: T, in list: inout [T]) {
        list.append(c)
        if list.count > kept { list.removeFirst(list.count - kept) }
    }

    public mutating func add(orbit c: SSROrbitCorrection, for sat: SatelliteID) {
        if let old = orbit(sat), old.issueOfData == c.issueOfData, old.issue == c.issue, follows(old.epoch, old.updateInterval, c.epoch) {
            let o = old.offset(at: c.reference), n = c.offset
            checkJump(sat, RadialAlongCross(radial: n.radial - o.radial, along: n.along - o.along, cross: n.cross - o.cross).norm)
        } else if let old = orbit(sat), old.issue != c.issue {
            discontinuities[sat, default: 0] += 1
        }
        Self.keep(c, in: &orbits[sat, default: []])
    }

    public mutating func add(clock c: SSRClockCorrection, for sat: SatelliteID) {
        if let old = clock(sat), old.issue == c.issue, follows(old.epoch, old.updateInterval, c.epoch), !issueChanged(sat, since: old.epoch) {
            checkJump(sat, abs(c.value(at: c.reference).correction - old.value(at: c.reference).correction))
        }
        Self.keep(c, in: &clocks[sat, default: []])
    }

    public mutating func add(highRateClock c: SSRHighRateClock, for sat: SatelliteID) {
        highRateClocks[sat] = c
    }

    /// Code biases (m, added to the pseudorange of each signal) replace the satellite's earlier ones.
    public mutating func add(codeBiases biases: [SignalCode: Double], for sat: SatelliteID) {
        codeBiases[sat] = biases
    }

    /// The SSR accuracy (URA) index.
    public mutating func add(accuracy index: Int, for sat: SatelliteID) {
        accuracies[sat] = index
    }

    /// Whether an orbit update after `time` named another ephemeris issue than the one before it: across it the clock
    /// correction steps with the broadcast clock it refers to, and is no jump.
    private func issueChanged(_ sat: SatelliteID, since time: GNSSTime) -> Bool {
        guard let recent = orbits[sat] else { return false }
        for i in recent.indices.dropFirst() where time < recent[i].epoch && recent[i].issueOfData != recent[i - 1].issueOfData {
            return true
        }
        return false
    }

    /// Whether an update at `epoch` follows one at `previous` while that one was still in use: only then is a
    /// difference between them a jump (after a gap, the new one simply replaces the old).
    private func follows(_ previous: GNSSTime, _ interval: Double, _ epoch: GNSSTime) -> Bool {
        epoch - previous <= interval + latencyAllowance
    }

    /// A change beyond `jumpLimit` holds the satellite out; the next update within the limit of it confirms the new
    /// level, a discontinuity for the satellite's users.
    private mutating func checkJump(_ sat: SatelliteID, _ size: Double) {
        if size > jumpLimit {
            jumps += 1
            jumped[sat] = size
        } else if jumped.removeValue(forKey: sat) != nil {
            discontinuities[sat, default: 0] += 1
        }
    }

    /// The satellite's count of discontinuities (confirmed jumps, SSR issue changes).
    public func discontinuity(_ sat: SatelliteID) -> Int { discontinuities[sat] ?? 0 }

    /// The code bias of a signal, metres to add to its pseudorange; nil when the stream gives none.
    public func codeBias(_ sat: SatelliteID, _ signal: SignalCode) -> Double? { codeBiases[sat]?[signal] }

    /// The SSR URA of a satellite as a standard deviation, metres, nil when the stream gives none.
    public func accuracy(_ sat: SatelliteID) -> Double? { accuracies[sat].flatMap(Self.accuracy(index:)) }

    /// An SSR URA index as a standard deviation, metres (RTCM DF389, IGS SSR alike: class c and value v stand for
    /// 3^c·(1 + v/4) − 1 mm; 63 for more than 5.4665 m); nil for index 0, which is undefined.
    public static func accuracy(index i: Int) -> Double? {
        guard i > 0 else { return nil }
        if i >= 63 { return 5.4665 }
        let classPower = (0..<((i >> 3) & 7)).reduce(1.0) { p, _ in p * 3 }
        return (classPower * (1 + Double(i & 7) / 4) - 1) * 1e-3
    }

    /// The corrected state of `sat` at `t` (a signal's transmission time): the broadcast ephemeris of the orbit
    /// correction's issue, moved by the orbit correction, its clock by the clock corrections. Positions refer to
    /// the orbit correction's `referencePoint`.
    public func state(_ sat: SatelliteID, at t: GNSSTime, ephemerides: EphemerisStore) -> Result<SatelliteState, SSRUnavailable> {
        corrected(sat, at: t) { issue in
            guard let eph = ephemerides.select(sat, issue: issue, near: t) else { return nil }
            var s = eph.state(at: t)
            s.clockBias = Self.broadcastClock(eph, state: s, at: t)
            return s
        }
    }

    /// The corrected state of LEO satellite `sat` at `t`: its broadcast ephemeris (4058/1) of the orbit correction's
    /// issue of data, moved by the orbit correction; the clock correction is added to the broadcast clock polynomial
    /// as it is (it already holds the relativistic effect). Positions refer to the point the broadcast orbit gives.
    public func state(_ sat: SatelliteID, at t: GNSSTime, leo: LEOEphemerisStore) -> Result<SatelliteState, SSRUnavailable> {
        corrected(sat, at: t) { issue in leo.select(sat, issue: issue, near: t)?.state(at: t) }
    }

    /// The corrections in force at `t` applied to the broadcast state `broadcast` gives for an ephemeris issue (its
    /// clock as the corrections are added to), nil where no ephemeris of that issue serves `t`.
    private func corrected(_ sat: SatelliteID, at t: GNSSTime,
                           broadcast: (Int) -> SatelliteState?) -> Result<SatelliteState, SSRUnavailable> {
        let recentOrbits: [SSROrbitCorrection], i: Int, c: SSRClockCorrection
        switch inForce(sat, at: t) {
        case .success(let found): (recentOrbits, i, c) = found
        case .failure(let why): return .failure(why)
        }
        let o = recentOrbits[i]
        guard o.issue == c.issue else { return .failure(.inconsistentIssues(orbit: o.issue, clock: c.issue)) }
        // An orbit correction naming a new ephemeris issue needs a clock correction made for that issue.
        if i > 0, recentOrbits[i - 1].issueOfData != o.issueOfData, c.epoch < o.epoch { return .failure(.clockForNewIssuePending) }
        if let size = jumped[sat] { return .failure(.jump(metres: size)) }
        guard Self.readsIssues(of: sat.system) else { return .failure(.issueRuleUnsupported(sat.system)) }
        guard var s = broadcast(o.issueOfData) else { return .failure(.noMatchingEphemeris(issueOfData: o.issueOfData)) }
        let offset = o.offset(at: t)
        var (clock, clockRate) = c.value(at: t)
        // A high-rate clock refers to the clock correction in force when it was made: one older than that correction
        // belongs to the one before.
        if let h = highRateClocks[sat], h.issue == o.issue, !(h.epoch < c.epoch), abs(t - h.epoch) <= h.updateInterval + latencyAllowance {
            clock += h.correction
        }
        let size = max(offset.norm, abs(clock) / 20)
        guard offset.norm <= 15, abs(clock) <= 300 else { return .failure(.implausible(metres: size)) }
        guard let shift = offset.ecef(position: s.position, velocity: s.velocity) else { return .failure(.noOrbitCorrection) }
        s.position = s.position - shift
        s.clockBias += clock / Constants.speedOfLight
        s.clockDrift += clockRate / Constants.speedOfLight
        return .success(s)
    }

    /// The orbit and clock corrections in force at `t` (the latest stamped at or before it), when neither is older than
    /// its update interval and the latency allowance: the satellite's recent orbit corrections with the index of the
    /// one in force, and the clock correction.
    private func inForce(_ sat: SatelliteID, at t: GNSSTime)
        -> Result<(orbits: [SSROrbitCorrection], index: Int, clock: SSRClockCorrection), SSRUnavailable> {
        guard let recentOrbits = orbits[sat], let latestOrbit = recentOrbits.last else { return .failure(.noOrbitCorrection) }
        guard let recentClocks = clocks[sat], let latestClock = recentClocks.last else { return .failure(.noClockCorrection) }
        guard let i = recentOrbits.lastIndex(where: { !(t < $0.epoch) }) else { return .failure(.stale(age: t - latestOrbit.epoch)) }
        guard let c = recentClocks.last(where: { !(t < $0.epoch) }) else { return .failure(.stale(age: t - latestClock.epoch)) }
        for (epoch, interval) in [(recentOrbits[i].epoch, recentOrbits[i].updateInterval), (c.epoch, c.updateInterval)] {
            let age = t - epoch
            if age > interval + latencyAllowance { return .failure(.stale(age: age)) }
        }
        return .success((recentOrbits, i, c))
    }

    /// Whether `sat` has orbit and clock corrections in force at `t` that are not stale.
    public func isCurrent(_ sat: SatelliteID, at t: GNSSTime) -> Bool {
        if case .success = inForce(sat, at: t) { return true }
        return false
    }

    /// Whether the corrections hold corrections of satellites of no system but the LEO constellation (a LEO
    /// operator's stream); false when they hold none.
    public var holdsOnlyLEO: Bool {
        !orbits.keys.isEmpty && orbits.keys.allSatisfy { $0.system == .leo } && clocks.keys.allSatisfy { $0.system == .leo }
    }

    /// Whether the corrections hold orbit corrections of any satellite of `system`.
    public func corrects(_ system: GNSSSystem) -> Bool { orbits.keys.contains { $0.system == system } }

    /// Whether the corrections hold an orbit correction of `sat`, current or not.
    public func corrects(_ sat: SatelliteID) -> Bool { orbits[sat] != nil }

    /// The broadcast clock an SSR clock correction is added to, seconds, for a broadcast `state` of `eph`: the clock
    /// polynomial with the conventional relativistic term −2 r·v/c² of the broadcast orbit (IGS SSR's convention,
    /// which RTKLIB follows too), not the ICD's F·e·√A·sin E, which differs from it by up to 2 cm for GPS through the
    /// orbit's non-Keplerian terms; GLONASS and SBAS as broadcast.
    public static func broadcastClock(_ eph: Ephemeris, state: SatelliteState, at t: GNSSTime) -> Double {
        guard case .kepler(let k) = eph else { return state.clockBias }
        let c = Constants.speedOfLight
        return k.polynomialClockBias(at: t) - 2 * state.position.dot(state.velocity) / (c * c)
    }

    /// Whether the corrected position is the centre of mass's (the satellite antenna offset still to apply).
    public func isCentreOfMass(_ sat: SatelliteID) -> Bool { orbit(sat)?.referencePoint == .centreOfMass }

    /// Systems whose SSR issue of data this store matches to an ephemeris: GPS and QZSS IODE, Galileo IODnav,
    /// GLONASS tb, BeiDou toe modulo and parameter CRC, and the LEO satellites' 4058/1 IOD (in a
    /// `LEOEphemerisStore`). SBAS corrections name their ephemeris by a CRC over its message as broadcast, which the
    /// RINEX and RTCM ephemerides held here do not keep.
    public static func readsIssues(of system: GNSSSystem) -> Bool {
        [.gps, .qzss, .galileo, .glonass, .beidou, .leo].contains(system)
    }
}
