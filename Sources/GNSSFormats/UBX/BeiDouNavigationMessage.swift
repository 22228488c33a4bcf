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
        guard sow2 == sow1 + 6, sow3 == sow2 + 6 else { throw FormatError(.syntax, "D1 subframes from different frames") }
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

/// Assembles BeiDou D2 ephemerides (GEO satellites; BDS SIS ICD §5.3.3) from
/// the pages of subframe 1, one every 3 s: page 1 carries health, AODC, URAI,
/// week, toc and the group delays, page 2 the ionosphere, pages 3–10 the clock
/// and orbit, several fields split over two pages. In the 224 data bits of a
/// page (as for D1) the page number follows the seconds of week at bit 38 and
/// each page's fields run from bit 42, a split field's high part ending one
/// page and its low part opening the next.
public struct BeiDouD2Assembler: Sendable {
    private var pages: [SatelliteID: [Int: [UInt8]]] = [:]
    private var lastEmitted: [SatelliteID: KeplerEphemeris] = [:]

    public init() {}

    /// D2 satellites: the GEO numbers 1–5 and 59–63.
    public static func isD2(_ sat: SatelliteID) -> Bool { sat.system == .beidou && (sat.prn <= 5 || sat.prn >= 59) }

    /// Adds a subframe; returns an ephemeris when pages 1 and 3–10 of subframe 1 of one issue are in and it differs from the last one.
    public mutating func add(satellite: SatelliteID, words: [UInt32]) -> KeplerEphemeris? {
        guard Self.isD2(satellite), let bits = BeiDouD1Assembler.dataBits(words) else { return nil }
        var r = BitReader(bits, bitOffset: 15)
        guard let subframe = try? r.uint(3), subframe == 1, let _ = try? r.uint(20), let page = try? r.uint(4), (1...10).contains(page) else {
            return nil
        }
        pages[satellite, default: [:]][page] = bits
        guard page == 10, let set = pages[satellite], let e = try? Self.ephemeris(satellite, set) else { return nil }
        var key = e
        key.transmissionTime = nil
        if let last = lastEmitted[satellite], last == key { return nil }
        lastEmitted[satellite] = key
        return e
    }

    static func ephemeris(_ sat: SatelliteID, _ pages: [Int: [UInt8]]) throws(FormatError) -> KeplerEphemeris {
        var sow: [Int: Int] = [:]
        func page(_ n: Int, at bit: Int) throws(FormatError) -> BitReader {
            guard let p = pages[n] else { throw FormatError(.truncated, "D2 page \(n) missing") }
            var r = BitReader(p, bitOffset: 18)
            sow[n] = try r.uint(20)
            return BitReader(p, bitOffset: bit)
        }
        /// A field split over two pages: the signed high part and the low part's width.
        func joined(_ high: Int, _ low: Int, lowBits: Int) -> Double { Double(high << lowBits | low) }
        var p1 = try page(1, at: 42)
        let health = try p1.uint(1), aodc = try p1.uint(5), urai = try p1.uint(4), week = try p1.uint(13)
        let toc = Double(try p1.uint(17)) * 8
        let tgd1 = Double(try p1.int(10)) * 1e-10, tgd2 = Double(try p1.int(10)) * 1e-10
        var p3 = try page(3, at: 80)
        let af0 = Double(try p3.int(24)) * 0x1p-33
        let af1High = try p3.int(4)
        var p4 = try page(4, at: 42)
        let af1 = joined(af1High, try p4.uint(18), lowBits: 18) * 0x1p-50
        let af2 = Double(try p4.int(11)) * 0x1p-66
        let aode = try p4.uint(5)
        let dn = Double(try p4.int(16)) * 0x1p-43
        let cucHigh = try p4.int(14)
        var p5 = try page(5, at: 42)
        let cuc = joined(cucHigh, try p5.uint(4), lowBits: 4) * 0x1p-31
        let m0 = Double(try p5.int(32)) * 0x1p-31, cus = Double(try p5.int(18)) * 0x1p-31
        let eHigh = try p5.uint(10)
        var p6 = try page(6, at: 42)
        let e = joined(eHigh, try p6.uint(22), lowBits: 22) * 0x1p-33
        let sqrtA = Double(try p6.u(32)) * 0x1p-19
        let cicHigh = try p6.int(10)
        var p7 = try page(7, at: 42)
        let cic = joined(cicHigh, try p7.uint(8), lowBits: 8) * 0x1p-31
        let cis = Double(try p7.int(18)) * 0x1p-31
        let toe = Double(try p7.uint(17)) * 8
        let i0High = try p7.int(21)
        var p8 = try page(8, at: 42)
        let i0 = joined(i0High, try p8.uint(11), lowBits: 11) * 0x1p-31
        let crc = Double(try p8.int(18)) * 0x1p-6, crs = Double(try p8.int(18)) * 0x1p-6
        let omegaDotHigh = try p8.int(19)
        var p9 = try page(9, at: 42)
        let omegaDot = joined(omegaDotHigh, try p9.uint(5), lowBits: 5) * 0x1p-43
        let omega0 = Double(try p9.int(32)) * 0x1p-31
        let omegaHigh = try p9.int(27)
        var p10 = try page(10, at: 42)
        let omega = joined(omegaHigh, try p10.uint(5), lowBits: 5) * 0x1p-31
        let idot = Double(try p10.int(14)) * 0x1p-43
        // One issue: page 3 six seconds after page 1, then one page every 3 s, and toc = toe.
        guard let s1 = sow[1], sow[3] == s1 + 6, (4...10).allSatisfy({ sow[$0] == s1 + 6 + 3 * ($0 - 3) }) else {
            throw FormatError(.syntax, "D2 pages from different frames")
        }
        guard toc == toe else { throw FormatError(.syntax, "D2 toc \(toc) differs from toe \(toe)") }
        let sc = Constants.semicircle
        return KeplerEphemeris(
            satellite: sat, message: .d2, toe: GNSSTime(beidouWeek: week, secondOfWeek: toe), toc: GNSSTime(beidouWeek: week, secondOfWeek: toc),
            week: week + GNSSTime.beidouWeekOffset, toeSeconds: toe,
            sqrtA: sqrtA, eccentricity: e, inclination: i0 * sc, rightAscension: omega0 * sc, argumentOfPerigee: omega * sc,
            meanAnomaly: m0 * sc, meanMotionDifference: dn * sc, inclinationRate: idot * sc, rightAscensionRate: omegaDot * sc,
            cuc: cuc, cus: cus, crc: crc, crs: crs, cic: cic, cis: cis, af0: af0, af1: af1, af2: af2, iode: aode, iodc: aodc,
            groupDelays: [tgd1, tgd2], health: health, accuracyIndex: urai,
            transmissionTime: GNSSTime(beidouWeek: week, secondOfWeek: Double(s1)))
    }
}
