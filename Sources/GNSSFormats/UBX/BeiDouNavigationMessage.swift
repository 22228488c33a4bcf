import GNSSCore

/// Assembles BeiDou D1 ephemerides (MEO/IGSO satellites; BDS SIS ICD §5.2.4) from
/// subframes 1–3 as u-blox RXM-SFRBX reports them: ten 30-bit words in bits 29–0,
/// de-interleaved and parity-checked; word 1 carries 26 data bits, words 2–10 carry
/// 22 data bits each followed by their parity bits. The 224 data bits of a subframe
/// hold every field contiguously.
public struct BeiDouD1Assembler: Sendable {
    private var subframes: [SatelliteID: [Int: [UInt8]]] = [:]
    private var lastEmitted: [SatelliteID: KeplerEphemeris] = [:]

    public init() {}

    /// The 224 data bits of a D1 subframe, when the preamble (11100010010) is in place.
    static func dataBits(_ words: [UInt32]) -> [UInt8]? {
        guard words.count >= 10 else { return nil }
        var w = BitWriter()
        w.u(UInt64((words[0] >> 4) & 0x3FF_FFFF), 26)
        for word in words[1..<10] { w.u(UInt64((word >> 8) & 0x3F_FFFF), 22) }
        let bytes = w.bytes
        guard bytes.count == 28, UInt16(bytes[0]) << 3 | UInt16(bytes[1] >> 5) == 0x712 else { return nil }
        return bytes
    }

    /// D1 satellites: everything but the GEO numbers 1–5 and 59–63.
    public static func isD1(_ sat: SatelliteID) -> Bool { sat.system == .beidou && sat.prn > 5 && sat.prn < 59 }

    /// Adds a subframe; returns an ephemeris when subframes 1–3 of one issue are complete and differ from the last one.
    public mutating func add(satellite: SatelliteID, words: [UInt32]) -> KeplerEphemeris? {
        guard Self.isD1(satellite), let bits = Self.dataBits(words) else { return nil }
        var r = BitReader(bits, bitOffset: 15)
        guard let id = try? r.uint(3), (1...3).contains(id) else { return nil }
        subframes[satellite, default: [:]][id] = bits
        guard let set = subframes[satellite], let s1 = set[1], let s2 = set[2], let s3 = set[3],
              let e = try? Self.ephemeris(satellite, s1, s2, s3) else { return nil }
        // The same ephemeris is repeated every 30 s frame: report it once.
        var key = e
        key.transmissionTime = nil
        if let last = lastEmitted[satellite], last == key { return nil }
        lastEmitted[satellite] = key
        return e
    }

    static func ephemeris(_ sat: SatelliteID, _ s1: [UInt8], _ s2: [UInt8], _ s3: [UInt8]) throws(FormatError) -> KeplerEphemeris {
        var a = BitReader(s1, bitOffset: 18)
        let sow1 = try a.uint(20)
        let health = try a.uint(1), aodc = try a.uint(5), urai = try a.uint(4), week = try a.uint(13)
        let toc = Double(try a.uint(17)) * 8
        let tgd1 = Double(try a.int(10)) * 1e-10, tgd2 = Double(try a.int(10)) * 1e-10
        try a.skip(64)   // Klobuchar α0–α3, β0–β3
        let af2 = Double(try a.int(11)) * 0x1p-66, af0 = Double(try a.int(24)) * 0x1p-33, af1 = Double(try a.int(22)) * 0x1p-50
        let aode = try a.uint(5)
        var b = BitReader(s2, bitOffset: 18)
        let sow2 = try b.uint(20)
        let dn = Double(try b.int(16)) * 0x1p-43, cuc = Double(try b.int(18)) * 0x1p-31, m0 = Double(try b.int(32)) * 0x1p-31
        let e = Double(try b.u(32)) * 0x1p-33, cus = Double(try b.int(18)) * 0x1p-31
        let crc = Double(try b.int(18)) * 0x1p-6, crs = Double(try b.int(18)) * 0x1p-6, sqrtA = Double(try b.u(32)) * 0x1p-19
        let toeHigh = try b.uint(2)
        var c = BitReader(s3, bitOffset: 18)
        let sow3 = try c.uint(20)
        let toe = Double(toeHigh << 15 | (try c.uint(15))) * 8
        let i0 = Double(try c.int(32)) * 0x1p-31, cic = Double(try c.int(18)) * 0x1p-31, omegaDot = Double(try c.int(24)) * 0x1p-43
        let cis = Double(try c.int(18)) * 0x1p-31, idot = Double(try c.int(14)) * 0x1p-43
        let omega0 = Double(try c.int(32)) * 0x1p-31, omega = Double(try c.int(32)) * 0x1p-31
        // Subframes 1–3 are sent 6 s apart within one 30 s frame.
        guard sow2 == sow1 + 6, sow3 == sow2 + 6 else { throw FormatError("syntax", "D1 subframes from different frames") }
        let gpsWeek = week + GNSSTime.beidouWeekOffset
        let toeTime = GNSSTime(beidouWeek: week, secondOfWeek: toe)
        let sc = Constants.semicircle
        return KeplerEphemeris(
            satellite: sat, message: .d1, toe: toeTime, toc: GNSSTime(beidouWeek: week, secondOfWeek: toc), week: gpsWeek, toeSeconds: toe,
            sqrtA: sqrtA, eccentricity: e, inclination: i0 * sc, rightAscension: omega0 * sc, argumentOfPerigee: omega * sc,
            meanAnomaly: m0 * sc, meanMotionDifference: dn * sc, inclinationRate: idot * sc, rightAscensionRate: omegaDot * sc,
            cuc: cuc, cus: cus, crc: crc, crs: crs, cic: cic, cis: cis, af0: af0, af1: af1, af2: af2, iode: aode, iodc: aodc,
            groupDelays: [tgd1, tgd2], health: health, accuracyIndex: urai,
            transmissionTime: GNSSTime(beidouWeek: week, secondOfWeek: Double(sow1)))
    }
}
