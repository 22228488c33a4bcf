import GNSSCore
import GNSSFormats
import GNSSOrbits

/// What a real-time analysis centre's encoder does: from precise orbits and clocks, state-space corrections to the
/// broadcast ephemeris each satellite's users hold, as RTCM 3 or IGS SSR messages. Orbit corrections (with their
/// rates) every `orbitInterval`, clock corrections every `clockInterval`, each against the ephemeris issue the last
/// orbit correction named, so that a user combines them with one ephemeris. The corrections refer to the epoch plus
/// half the update interval, as RTCM defines it. With each orbit update goes the accuracy (SSR URA) the corrections
/// claim: users weigh the corrected satellites by it; RTKLIB, without it, assumes 15 cm, far above the phase noise,
/// so that its PPP leans on code.
public struct SSRGenerator: Sendable {
    public enum Format: String, Sendable, CaseIterable { case rtcm, igs }

    public struct Options: Sendable {
        public var systems: Set<GNSSSystem> = [.gps, .galileo]
        public var orbitInterval: Double = 60
        public var clockInterval: Double = 5
        public var format: Format = .rtcm
        public var reference: SSRReferencePoint = .centreOfMass
        public var providerID = 0
        public var solutionID = 0
        public var iodSSR = 0
        /// The user range accuracy the corrections claim, metres (1σ), sent as SSR URA messages; nil sends none. The
        /// default of 1 cm is about that of final orbit and clock products along the line of sight.
        public var accuracy: Double? = 0.01

        public init() {}
    }

    public struct UsageError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Systems whose SSR messages name their ephemeris issue in a way `SSRCorrections` matches.
    public static let supportedSystems: [GNSSSystem] = [.gps, .glonass, .galileo, .qzss, .beidou]

    public let options: Options
    private let ephemerides: EphemerisStore
    private let precise: PreciseEphemeris
    /// The satellite's antenna phase centre minus its centre of mass at a time and position (ECEF, m), for `.apc`; nil
    /// for a satellite without a calibration.
    private let antennaOffset: (@Sendable (SatelliteID, GNSSTime, ECEF) -> ECEF?)?
    private let orbitIndex: Int
    private let clockIndex: Int
    /// The ephemeris each satellite's corrections refer to, chosen at its last orbit update.
    private var issues: [SatelliteID: Ephemeris] = [:]

    public init(ephemerides: EphemerisStore, precise: PreciseEphemeris, options: Options,
                antennaOffset: (@Sendable (SatelliteID, GNSSTime, ECEF) -> ECEF?)? = nil) throws(UsageError) {
        func index(_ seconds: Double, _ name: String) throws(UsageError) -> Int {
            guard let i = SSRFeed.updateIntervals.firstIndex(of: seconds) else {
                let allowed = SSRFeed.updateIntervals.map { String(Int($0)) }.joined(separator: ", ")
                throw UsageError(description: "\(name) \(seconds) s is not an SSR update interval (\(allowed))")
            }
            return i
        }
        orbitIndex = try index(options.orbitInterval, "orbit interval")
        clockIndex = try index(options.clockInterval, "clock interval")
        if options.reference == .antennaPhaseCentre && antennaOffset == nil {
            throw UsageError(description: "corrections to the antenna phase centre need the satellites' antenna offsets (ANTEX)")
        }
        if options.format == .igs && options.reference == .antennaPhaseCentre {
            throw UsageError(description: "IGS SSR orbits refer to the centre of mass")
        }
        if let other = options.systems.first(where: { !Self.supportedSystems.contains($0) }) {
            throw UsageError(description: "SSR for \(other) is not generated (systems: G, R, E, J, C)")
        }
        self.options = options
        self.ephemerides = ephemerides
        self.precise = precise
        self.antennaOffset = antennaOffset
    }

    /// The messages of epoch `t`: orbits where `t` is a multiple of the orbit interval, clocks where it is one of the
    /// clock interval, per system in the order G, R, E, J, C; every message but the last says more follow.
    public mutating func messages(at t: GNSSTime) -> [SSRMessage] {
        let orbitEpoch = Self.isMultiple(t, of: options.orbitInterval), clockEpoch = Self.isMultiple(t, of: options.clockInterval)
        var out: [SSRMessage] = []
        let satellites = precise.satellites.filter { options.systems.contains($0.system) }
        for system in Self.supportedSystems where options.systems.contains(system) {
            let own = satellites.filter { $0.system == system }
            if orbitEpoch {
                let corrected = own.compactMap { orbitCorrection($0, epoch: t) }
                out += messages(system, .orbit, t, corrected, interval: orbitIndex)
                if let index = options.accuracy.map(Self.accuracyIndex) {
                    let accuracies = corrected.map {
                        var s = SSRMessage.Satellite(satellite: $0.satellite)
                        s.ura = index
                        return s
                    }
                    out += messages(system, .ura, t, accuracies, interval: orbitIndex)
                }
            }
            if clockEpoch {
                let corrected = own.compactMap { clockCorrection($0, epoch: t) }
                out += messages(system, .clock, t, corrected, interval: clockIndex)
            }
        }
        for i in out.indices { out[i].multipleMessage = i < out.count - 1 }
        return out
    }

    /// The SSR URA index of the smallest accuracy not below `sigma` metres (63 for anything above 5.4665 m).
    public static func accuracyIndex(_ sigma: Double) -> Int {
        (1..<63).first { (SSRCorrections.accuracy(index: $0) ?? 0) >= sigma } ?? 63
    }

    static func isMultiple(_ t: GNSSTime, of interval: Double) -> Bool {
        t.totalSeconds.truncatingRemainder(dividingBy: interval) == 0
    }

    private func messages(_ system: GNSSSystem, _ kind: SSRMessage.Kind, _ t: GNSSTime, _ satellites: [SSRMessage.Satellite],
                          interval: Int) -> [SSRMessage] {
        Self.messages(system, kind, t, satellites, interval: interval, options: options)
    }

    /// The messages carrying one kind of correction for a system's satellites at epoch `t`, `interval` the SSR update
    /// interval's index, in the options' format and SSR issue (their multiple-message bits left clear).
    public static func messages(_ system: GNSSSystem, _ kind: SSRMessage.Kind, _ t: GNSSTime, _ satellites: [SSRMessage.Satellite],
                                interval: Int, options: Options) -> [SSRMessage] {
        let igs = options.format == .igs
        guard !satellites.isEmpty, let (type, subtype) = RTCM3SSRCodec.messageNumber(system, kind, igs: igs) else { return [] }
        let epochSeconds: Int
        if system == .glonass && !igs {
            let leap = Double(LeapSeconds.gpsMinusUTC(at: t))
            epochSeconds = Int((t + 10_800 - leap).secondOfWeek.truncatingRemainder(dividingBy: 86_400))
        } else if system == .beidou && !igs {
            epochSeconds = Int((t + GNSSTime.bdtMinusGPST).secondOfWeek)
        } else {
            epochSeconds = Int(t.secondOfWeek)
        }
        // At most 30 satellites a message keeps every frame well under RTCM's 1023 bytes.
        return stride(from: 0, to: satellites.count, by: 30).map { start in
            SSRMessage(messageType: type, igsSubtype: subtype, igsVersion: igs ? 1 : 0, system: system, kind: kind,
                       epochSeconds: epochSeconds, updateInterval: interval, multipleMessage: false,
                       referenceDatum: kind == .orbit ? 0 : nil, iodSSR: options.iodSSR, providerID: options.providerID,
                       solutionID: options.solutionID, satellites: Array(satellites[start..<min(start + 30, satellites.count)]),
                       layers: [])
        }
    }

    /// The ephemeris a receiver holds for `sat` at `t`: of those broadcast by then and valid until `until` (healthy,
    /// and for Galileo of I/NAV, the message SSR refers to), the one broadcast last.
    public static func broadcastEphemeris(_ sat: SatelliteID, in ephemerides: EphemerisStore, at t: GNSSTime, until: GNSSTime) -> Ephemeris? {
        var best: Ephemeris?
        for e in ephemerides.all(for: sat) where e.isHealthy && abs(t - e.toe) <= e.validity && abs(until - e.toe) <= e.validity {
            guard let sent = Self.transmission(e), !(t < sent) else { continue }
            if sat.system == .galileo, case .kepler(let k) = e, k.message != .inav { continue }
            if let b = best, let bestSent = Self.transmission(b), sent < bestSent { continue }
            best = e
        }
        return best
    }

    /// When an ephemeris was broadcast: as recorded, else (RINEX files without it) two hours before a GPS-like toe,
    /// at the toe of Galileo and BeiDou (whose toe starts their validity), half an hour before a GLONASS tb.
    static func transmission(_ e: Ephemeris) -> GNSSTime? {
        switch e {
        case .kepler(let k):
            if let t = k.transmissionTime { return t }
            return k.satellite.system == .galileo || k.satellite.system == .beidou ? k.toe : k.toe - 7_200
        case .glonass(let g): return g.frameTime ?? g.toe - 1_800
        case .sbas: return nil
        }
    }

    private mutating func orbitCorrection(_ sat: SatelliteID, epoch t: GNSSTime) -> SSRMessage.Satellite? {
        // The issue chosen serves the clock corrections until the next orbit update, and users a while after it.
        let until = t + options.orbitInterval + SSRCorrections.defaultLatencyAllowance
        guard let eph = Self.broadcastEphemeris(sat, in: ephemerides, at: t, until: until), let iod = Self.issueOfData(eph) else {
            issues[sat] = nil
            return nil
        }
        let t0 = SSRCorrections.referenceTime(epoch: t, updateInterval: options.orbitInterval)
        guard let d = orbitDelta(sat, eph, at: t0), let before = orbitDelta(sat, eph, at: t0 - 1),
              let after = orbitDelta(sat, eph, at: t0 + 1) else {
            issues[sat] = nil
            return nil
        }
        issues[sat] = eph
        var s = SSRMessage.Satellite(satellite: sat)
        if sat.system == .beidou {
            s.toeModulo = iod >> 8
            s.iod = iod & 0xFF
        } else {
            s.iod = iod
        }
        s.orbit = [d.radial, d.along, d.cross,
                   (after.radial - before.radial) / 2, (after.along - before.along) / 2, (after.cross - before.cross) / 2]
        return s
    }

    /// Broadcast minus true position in the broadcast orbit's frame at `t`.
    private func orbitDelta(_ sat: SatelliteID, _ eph: Ephemeris, at t: GNSSTime) -> RadialAlongCross? {
        let b = eph.state(at: t)
        guard var p = precise.position(sat, at: t) else { return nil }
        // A satellite without a calibration keeps its centre of mass, as PPP on the precise orbits leaves it.
        if options.reference == .antennaPhaseCentre, let offset = antennaOffset?(sat, t, p) { p = p + offset }
        return RadialAlongCross.of(b.position - p, position: b.position, velocity: b.velocity)
    }

    private func clockCorrection(_ sat: SatelliteID, epoch t: GNSSTime) -> SSRMessage.Satellite? {
        guard let eph = issues[sat] else { return nil }
        let t0 = SSRCorrections.referenceTime(epoch: t, updateInterval: options.clockInterval)
        guard let c = clockDelta(sat, eph, at: t0), let before = clockDelta(sat, eph, at: t0 - 1),
              let after = clockDelta(sat, eph, at: t0 + 1) else { return nil }
        var s = SSRMessage.Satellite(satellite: sat)
        s.clock = [c, (after - before) / 2, 0]
        return s
    }

    /// True minus broadcast clock, metres, both with the periodic relativistic term −2 r·v/c² a signal carries
    /// (precise clocks leave it out; the broadcast orbit's gives it to well under a millimetre), the broadcast clock as
    /// `SSRCorrections.broadcastClock` defines what a correction is added to.
    private func clockDelta(_ sat: SatelliteID, _ eph: Ephemeris, at t: GNSSTime) -> Double? {
        guard let clock = precise.clock(sat, at: t) else { return nil }
        let b = eph.state(at: t)
        let c = Constants.speedOfLight
        return c * (clock - 2 * b.position.dot(b.velocity) / (c * c) - SSRCorrections.broadcastClock(eph, state: b, at: t))
    }

    /// The issue of data SSR names an ephemeris by: IODE (GPS, QZSS), IODnav (Galileo), tb (GLONASS), toe modulo and
    /// parameter CRC (BeiDou, `KeplerEphemeris.beidouSSRIssue`).
    public static func issueOfData(_ e: Ephemeris) -> Int? {
        switch e {
        case .kepler(let k): k.satellite.system == .beidou ? k.beidouSSRIssue : k.iode
        case .glonass(let g): g.tb
        case .sbas: nil
        }
    }
}
