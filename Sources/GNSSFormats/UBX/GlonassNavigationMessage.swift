import GNSSCore

/// Assembles GLONASS ephemerides from strings 1–4 (GLONASS ICD 5.1 §4.4) as u-blox
/// RXM-SFRBX reports them: four words holding the 85-bit string most significant
/// bit first (idle bit, string number, data, Hamming code). Strings of one frame
/// arrive 2 s apart; a set is used only when all four came within one frame time.
public struct GlonassAssembler: Sendable {
    private var strings: [SatelliteID: [Int: (bits: [UInt8], time: GNSSTime)]] = [:]
    private var lastEmitted: [SatelliteID: GlonassEphemeris] = [:]

    public init() {}

    static func stringBits(_ words: [UInt32]) -> [UInt8]? {
        guard words.count >= 4 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for d in words.prefix(4) { out += [UInt8(d >> 24), UInt8((d >> 16) & 0xFF), UInt8((d >> 8) & 0xFF), UInt8(d & 0xFF)] }
        return out
    }

    /// Adds one string received at `time` (GPS time, used to resolve the day of tb); returns an ephemeris when
    /// strings 1–4 of one frame are complete and differ from the last one reported.
    public mutating func add(satellite: SatelliteID, frequencyChannel: Int, words: [UInt32], time: GNSSTime) -> GlonassEphemeris? {
        guard satellite.system == .glonass, let bits = Self.stringBits(words) else { return nil }
        var r = BitReader(bits, bitOffset: 1)
        guard let m = try? r.uint(4), (1...4).contains(m) else { return nil }
        strings[satellite, default: [:]][m] = (bits, time)
        guard let set = strings[satellite], let s1 = set[1], let s2 = set[2], let s3 = set[3], let s4 = set[4] else { return nil }
        let times = [s1.time, s2.time, s3.time, s4.time]
        guard let first = times.min(by: { $0 - $1 < 0 }), times.allSatisfy({ $0 - first < 30 }) else { return nil }
        guard let e = try? Self.ephemeris(satellite, frequencyChannel, s1.bits, s2.bits, s3.bits, s4.bits, near: time) else { return nil }
        if let last = lastEmitted[satellite], last == e { return nil }
        lastEmitted[satellite] = e
        return e
    }

    static func ephemeris(_ sat: SatelliteID, _ channel: Int, _ s1: [UInt8], _ s2: [UInt8], _ s3: [UInt8], _ s4: [UInt8],
                          near time: GNSSTime) throws(FormatError) -> GlonassEphemeris {
        var a = BitReader(s1, bitOffset: 9)
        let hh = try a.uint(5), mm = try a.uint(6), ss = try a.uint(1)
        let vx = Double(try a.signMagnitude(24)) * 0x1p-20, ax = Double(try a.signMagnitude(5)) * 0x1p-30
        let x = Double(try a.signMagnitude(27)) * 0x1p-11
        var b = BitReader(s2, bitOffset: 5)
        let bn = try b.uint(3)
        try b.skip(1)
        let tb = try b.uint(7)
        try b.skip(5)
        let vy = Double(try b.signMagnitude(24)) * 0x1p-20, ay = Double(try b.signMagnitude(5)) * 0x1p-30
        let y = Double(try b.signMagnitude(27)) * 0x1p-11
        var c = BitReader(s3, bitOffset: 6)
        let gamma = Double(try c.signMagnitude(11)) * 0x1p-40
        try c.skip(4)
        let vz = Double(try c.signMagnitude(24)) * 0x1p-20, az = Double(try c.signMagnitude(5)) * 0x1p-30
        let z = Double(try c.signMagnitude(27)) * 0x1p-11
        var d = BitReader(s4, bitOffset: 5)
        let tau = Double(try d.signMagnitude(22)) * 0x1p-30, dtau = Double(try d.signMagnitude(5)) * 0x1p-30
        let age = try d.uint(5)
        guard (1...96).contains(tb) else { throw FormatError(.syntax, "GLONASS tb \(tb) out of range") }
        // tb and tk count in Moscow time (UTC + 3 h).
        let moscow = time.offset(to: .glonass)
        let toe = time.nearest(secondOfDay: Double(tb) * 900, scaleOffset: moscow)
        let frame = time.nearest(secondOfDay: Double(hh * 3600 + mm * 60 + ss * 30), scaleOffset: moscow)
        let km = 1000.0
        return GlonassEphemeris(
            satellite: sat, frequencyChannel: channel, toe: toe, frameTime: frame,
            position: ECEF(x * km, y * km, z * km), velocity: ECEF(vx * km, vy * km, vz * km),
            acceleration: ECEF(ax * km, ay * km, az * km), clockBias: -tau, relativeFrequencyBias: gamma,
            groupDelay: dtau, health: bn, age: age, tb: tb)
    }
}
