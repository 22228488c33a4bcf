import GNSSCore

/// 1001–1004 (GPS) and 1009–1012 (GLONASS) legacy observations, field by field (RTCM 10403.3 §3.5.2–3.5.3).
/// The L1 pseudorange is complete (modulus ambiguity added where the message carries it); the other ranges are
/// differences to it, as sent. Invalid fields are nil.
public struct LegacyObservations: Sendable, Hashable {
    public struct Satellite: Sendable, Hashable {
        /// GPS 1–32, SBAS (satellite ids 40–58 of the GPS messages, PRN 120–138), GLONASS slots 1–24.
        public var satellite: SatelliteID
        /// GLONASS frequency channel (DF040), −7…+13; nil for GPS and for a field outside that range.
        public var glonassChannel: Int?
        public var l1Pseudorange: Double
        public var l1PhaseMinusRange: Double?
        /// L1 lock-time indicator (DF013/DF043, 7 bits).
        public var l1Lock: Int
        public var l1CNR: Double?
        public var l2PseudorangeDifference: Double?
        public var l2PhaseMinusL1Range: Double?
        public var l2CNR: Double?
        /// L2 lock-time indicator (DF019/DF049), 0 in L1-only messages.
        public var l2Lock: Int = 0
        /// L1 code indicator (DF010/DF039): 0 C/A, 1 P(Y).
        public var l1Code: Int = 0
        /// L2 code indicator (DF016/DF046): GPS 0 C/A or L2C, 1 P(Y) direct, 2 P(Y) cross-correlated,
        /// 3 correlated P/Y; GLONASS 0 C/A, 1 P. Nil in L1-only messages.
        public var l2Code: Int?
    }

    public var messageType: Int
    public var stationID: Int
    /// TOW ms (GPS) or time of day ms (GLONASS, Moscow time).
    public var epochMilliseconds: Int
    /// Synchronous GNSS flag: more observation messages of the same epoch follow.
    public var synchronous: Bool
    public var satellites: [Satellite]

    public var system: GNSSSystem { messageType >= 1009 ? .glonass : .gps }

    /// Whether the message carries L2 (1003/1004, 1011/1012).
    public var hasL2: Bool { [3, 4].contains(messageType - (system == .glonass ? 1008 : 1000)) }

    /// One light millisecond (GPS modulus ambiguity DF014, metres) and two (GLONASS DF044).
    static let gpsAmbiguityUnit = 299_792.458
    static let glonassAmbiguityUnit = 599_584.916
    /// DF012/DF018/DF042/DF048 and DF017/DF047 "invalid" values.
    static let invalidPhase = -524_288
    static let invalidRangeDifference = -8192

    static func decode(_ p: [UInt8], type: Int) throws(FormatError) -> LegacyObservations {
        var r = BitReader(p)
        try r.skip(12)
        let glonass = type >= 1009
        let station = try r.uint(12)
        let epoch = try r.uint(glonass ? 27 : 30)
        let sync = try r.bool()
        let n = try r.uint(5)
        try r.skip(4)   // smoothing indicator and interval
        let kind = glonass ? type - 1008 : type - 1000   // 1…4
        var sats: [Satellite] = []
        for _ in 0..<n {
            let id = try r.uint(6)
            let code1 = try r.uint(1)
            var channel: Int?
            if glonass {
                let c = try r.uint(5)
                channel = c <= 20 ? c - 7 : nil
            }
            let pr = Double(try r.uint(glonass ? 25 : 24)) * 0.02
            let ph = try r.int(20)
            let lock = try r.uint(7)
            var ambiguity = 0.0, cnr: Double?
            if kind == 2 || kind == 4 {
                ambiguity = Double(try r.uint(glonass ? 7 : 8)) * (glonass ? glonassAmbiguityUnit : gpsAmbiguityUnit)
                let c = try r.uint(8)
                cnr = c == 0 ? nil : Double(c) * 0.25
            }
            let satellite: SatelliteID
            switch (glonass, id) {
            case (false, 40...58): satellite = SatelliteID(.sbas, id - 20)   // PRN 120 + id − 40, written S20…
            case (false, 1...32), (true, 1...24): satellite = SatelliteID(glonass ? .glonass : .gps, id)
            default: throw FormatError(.format, "satellite id \(id) is not a \(glonass ? "GLONASS slot" : "GPS or SBAS satellite")")
            }
            var s = Satellite(satellite: satellite, glonassChannel: channel, l1Pseudorange: pr + ambiguity,
                              l1PhaseMinusRange: ph == invalidPhase ? nil : Double(ph) * 0.0005, l1Lock: lock, l1CNR: cnr)
            s.l1Code = code1
            if kind >= 3 {
                s.l2Code = try r.uint(2)
                let d = try r.int(14)
                let ph2 = try r.int(20)
                s.l2Lock = try r.uint(7)
                s.l2PseudorangeDifference = d == invalidRangeDifference ? nil : Double(d) * 0.02
                s.l2PhaseMinusL1Range = ph2 == invalidPhase ? nil : Double(ph2) * 0.0005
                if kind == 4 { let c = try r.uint(8); s.l2CNR = c == 0 ? nil : Double(c) * 0.25 }
            }
            sats.append(s)
        }
        return LegacyObservations(messageType: type, stationID: station, epochMilliseconds: epoch, synchronous: sync, satellites: sats)
    }

    /// The epoch time in GPS time, resolved against a nearby `reference` time (GLONASS: Moscow time of day → GPS).
    public func time(near reference: GNSSTime) -> GNSSTime {
        switch system {
        case .glonass:
            let leap = Double(LeapSeconds.gpsMinusUTC(at: reference))
            return reference.nearest(secondOfDay: Double(epochMilliseconds) / 1000, scaleOffset: 10_800 - leap)
        default:
            return reference.nearest(secondOfWeek: Double(epochMilliseconds) / 1000)
        }
    }

    /// DF013/DF019/DF043/DF049 lock-time indicator → minimum lock time, seconds (937 s and more for 127).
    public static func lockTime(indicator i: Int) -> Double {
        switch i {
        case ..<0: 0
        case 0..<24: Double(i)
        case 24..<48: Double(2 * i - 24)
        case 48..<72: Double(4 * i - 120)
        case 72..<96: Double(8 * i - 408)
        case 96..<120: Double(16 * i - 1176)
        case 120..<127: Double(32 * i - 3096)
        default: 937
        }
    }
}
