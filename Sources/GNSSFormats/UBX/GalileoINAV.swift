import GNSSCore

/// Assembles Galileo I/NAV ephemerides (Galileo OS SIS ICD §4.3.5) from E1-B or
/// E5b-I page pairs as u-blox RXM-SFRBX reports them: eight 32-bit words, most
/// significant bit first; the even half-page occupies bits 0–119, the odd half-page
/// bits 128–247. Words 1–4 of one IODnav give the orbit and clock, word 5 the
/// group delays, health and GST week.
public struct INAVAssembler: Sendable {
    private var words: [SatelliteID: [Int: [UInt8]]] = [:]
    private var lastEmitted: [SatelliteID: KeplerEphemeris] = [:]

    public init() {}

    /// The 128-bit word (type first) carried by a page pair, when the halves are in order and the CRC-24Q holds.
    static func word(_ dwords: [UInt32]) -> [UInt8]? {
        guard dwords.count >= 8 else { return nil }
        var raw: [UInt8] = []
        raw.reserveCapacity(32)
        for d in dwords.prefix(8) {
            raw += [UInt8(d >> 24), UInt8((d >> 16) & 0xFF), UInt8((d >> 8) & 0xFF), UInt8(d & 0xFF)]
        }
        var r = BitReader(raw)
        do {
            // even/odd flags (0 then 1), page type 0 (nominal) for both halves
            guard try r.uint(1) == 0, try r.uint(1) == 0 else { return nil }
            r.seek(toBit: 128)
            guard try r.uint(1) == 1, try r.uint(1) == 0 else { return nil }
            // CRC-24Q over even bits 0–113 and odd bits 0–81 (196 bits, right-aligned in 25 bytes).
            var crcInput = BitWriter()
            crcInput.u(0, 4)
            r.seek(toBit: 0)
            for _ in 0..<2 { crcInput.u(try r.u(57), 57) }
            r.seek(toBit: 128)
            crcInput.u(try r.u(41), 41)
            crcInput.u(try r.u(41), 41)
            let crc = try r.uint(24)
            guard CRC24Q.checksum(crcInput.bytes) == UInt32(crc) else { return nil }
            var w = BitWriter()
            r.seek(toBit: 2)
            w.u(try r.u(56), 56)
            w.u(try r.u(56), 56)
            r.seek(toBit: 130)
            w.u(try r.u(16), 16)
            return w.bytes
        } catch {
            return nil
        }
    }

    /// Adds one page pair; returns an ephemeris when words 1–5 of one issue are complete and differ from the last one.
    public mutating func add(satellite: SatelliteID, dwords: [UInt32], signal sigId: UInt8 = 1) -> KeplerEphemeris? {
        guard satellite.system == .galileo, let w = Self.word(dwords) else { return nil }
        let type = Int(w[0] >> 2)
        guard (1...5).contains(type) else { return nil }
        words[satellite, default: [:]][type] = w
        guard let set = words[satellite], let w1 = set[1], let w2 = set[2], let w3 = set[3], let w4 = set[4], let w5 = set[5],
              let e = try? Self.ephemeris(satellite, w1, w2, w3, w4, w5, dataSources: sigId == 5 ? 0x204 : 0x201) else { return nil }
        if let last = lastEmitted[satellite], last == e { return nil }
        lastEmitted[satellite] = e
        return e
    }

    static func ephemeris(_ sat: SatelliteID, _ w1: [UInt8], _ w2: [UInt8], _ w3: [UInt8], _ w4: [UInt8], _ w5: [UInt8],
                          dataSources: Int) throws(FormatError) -> KeplerEphemeris {
        var a = BitReader(w1, bitOffset: 6)
        let iod1 = try a.uint(10), toe = Double(try a.uint(14)) * 60, m0 = Double(try a.int(32)) * 0x1p-31
        let e = Double(try a.u(32)) * 0x1p-33, sqrtA = Double(try a.u(32)) * 0x1p-19
        var b = BitReader(w2, bitOffset: 6)
        let iod2 = try b.uint(10), omega0 = Double(try b.int(32)) * 0x1p-31, i0 = Double(try b.int(32)) * 0x1p-31
        let omega = Double(try b.int(32)) * 0x1p-31, idot = Double(try b.int(14)) * 0x1p-43
        var c = BitReader(w3, bitOffset: 6)
        let iod3 = try c.uint(10), omegaDot = Double(try c.int(24)) * 0x1p-43, dn = Double(try c.int(16)) * 0x1p-43
        let cuc = Double(try c.int(16)) * 0x1p-29, cus = Double(try c.int(16)) * 0x1p-29
        let crc = Double(try c.int(16)) * 0x1p-5, crs = Double(try c.int(16)) * 0x1p-5, sisa = try c.uint(8)
        var d = BitReader(w4, bitOffset: 6)
        let iod4 = try d.uint(10), svid = try d.uint(6)
        let cic = Double(try d.int(16)) * 0x1p-29, cis = Double(try d.int(16)) * 0x1p-29, toc = Double(try d.uint(14)) * 60
        let af0 = Double(try d.int(31)) * 0x1p-34, af1 = Double(try d.int(21)) * 0x1p-46, af2 = Double(try d.int(6)) * 0x1p-59
        var f = BitReader(w5, bitOffset: 6 + 11 + 11 + 14 + 5)
        let bgdA = Double(try f.int(10)) * 0x1p-32, bgdB = Double(try f.int(10)) * 0x1p-32
        let hsE5b = try f.uint(2), hsE1 = try f.uint(2), dvsE5b = try f.uint(1), dvsE1 = try f.uint(1)
        let wn = try f.uint(12)
        guard iod1 == iod2, iod1 == iod3, iod1 == iod4 else { throw FormatError(.syntax, "I/NAV words of different IODnav") }
        guard svid == sat.prn else { throw FormatError(.syntax, "I/NAV word 4 SVID \(svid) on \(sat)") }
        let toeTime = GNSSTime(galileoWeek: wn, secondOfWeek: toe)
        let sc = Constants.semicircle
        // RINEX health bits: E1-B DVS 0, E1-B HS 1–2, E5b DVS 6, E5b HS 7–8.
        let health = dvsE1 | hsE1 << 1 | dvsE5b << 6 | hsE5b << 7
        return KeplerEphemeris(
            satellite: sat, message: .inav, toe: toeTime, toc: toeTime.nearest(secondOfWeek: toc), week: wn + GNSSTime.galileoWeekOffset,
            toeSeconds: toe, sqrtA: sqrtA, eccentricity: e, inclination: i0 * sc, rightAscension: omega0 * sc, argumentOfPerigee: omega * sc,
            meanAnomaly: m0 * sc, meanMotionDifference: dn * sc, inclinationRate: idot * sc, rightAscensionRate: omegaDot * sc,
            cuc: cuc, cus: cus, crc: crc, crs: crs, cic: cic, cis: cis, af0: af0, af1: af1, af2: af2, iode: iod1,
            groupDelays: [bgdA, bgdB], health: health, accuracyIndex: sisa, dataSources: dataSources)
    }
}
