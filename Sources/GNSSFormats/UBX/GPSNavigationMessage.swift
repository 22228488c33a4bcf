import GNSSCore

/// Assembles GPS/QZSS LNAV ephemerides from subframes 1–3 (IS-GPS-200
/// §20.3.3), as receivers report them word by word (u-blox RXM-SFRBX: ten
/// 30-bit words, data in bits 29–6 of each).
public struct LNAVAssembler: Sendable {
    private var subframes: [SatelliteID: [Int: [UInt8]]] = [:]
    /// Klobuchar coefficients from subframe 4 page 18, when seen.
    public private(set) var klobuchar: KlobucharCoefficients?

    public init() {}

    /// Packs the 24 data bits of ten words into 30 bytes. The receiver has already checked parity and undone
    /// the D30* polarity inversion; bits 31–30 of each word carry nothing and are ignored.
    static func dataBits(_ words: [UInt32]) -> [UInt8]? {
        guard words.count >= 10 else { return nil }
        var w = BitWriter()
        for word in words.prefix(10) {
            w.u(UInt64((word >> 6) & 0xFF_FFFF), 24)
        }
        let bytes = w.bytes
        return bytes[0] == 0x8B ? bytes : nil
    }

    /// Adds a subframe; returns an ephemeris when subframes 1–3 of one issue are complete.
    public mutating func add(satellite: SatelliteID, words: [UInt32], near time: GNSSTime) -> KeplerEphemeris? {
        guard let bits = Self.dataBits(words) else { return nil }
        var r = BitReader(bits, bitOffset: 43)
        guard let id = try? r.uint(3), (1...5).contains(id) else { return nil }
        if id == 4 { readIonosphere(bits) }
        guard id <= 3 else { return nil }
        subframes[satellite, default: [:]][id] = bits
        guard let set = subframes[satellite], let s1 = set[1], let s2 = set[2], let s3 = set[3] else { return nil }
        guard let e = try? Self.ephemeris(satellite, s1, s2, s3, near: time) else { return nil }
        subframes[satellite] = [:]
        return e
    }

    private mutating func readIonosphere(_ bits: [UInt8]) {
        var r = BitReader(bits, bitOffset: 48)
        guard let dataID = try? r.uint(2), let page = try? r.uint(6), dataID == 1, page == 56 else { return }
        do {
            var alpha: [Double] = [], beta: [Double] = []
            alpha.append(Double(try r.int(8)) * 0x1p-30)
            alpha.append(Double(try r.int(8)) * 0x1p-27)
            alpha.append(Double(try r.int(8)) * 0x1p-24)
            alpha.append(Double(try r.int(8)) * 0x1p-24)
            beta.append(Double(try r.int(8)) * 0x1p11)
            beta.append(Double(try r.int(8)) * 0x1p14)
            beta.append(Double(try r.int(8)) * 0x1p16)
            beta.append(Double(try r.int(8)) * 0x1p16)
            klobuchar = KlobucharCoefficients(alpha: alpha, beta: beta)
        } catch {}
    }

    static func ephemeris(_ sat: SatelliteID, _ s1: [UInt8], _ s2: [UInt8], _ s3: [UInt8], near time: GNSSTime) throws(FormatError) -> KeplerEphemeris {
        var a = BitReader(s1, bitOffset: 48)
        let wn = try a.uint(10), codeL2 = try a.uint(2), ura = try a.uint(4), health = try a.uint(6), iodcHigh = try a.uint(2)
        let l2p = try a.uint(1)
        a.seek(toBit: 160)
        let tgd = Double(try a.int(8)) * 0x1p-31
        let iodc = iodcHigh << 8 | (try a.uint(8))
        let toc = Double(try a.uint(16)) * 16
        let af2 = Double(try a.int(8)) * 0x1p-55, af1 = Double(try a.int(16)) * 0x1p-43, af0 = Double(try a.int(22)) * 0x1p-31
        var b = BitReader(s2, bitOffset: 48)
        let iode2 = try b.uint(8)
        let crs = Double(try b.int(16)) * 0x1p-5, dn = Double(try b.int(16)) * 0x1p-43, m0 = Double(try b.int(32)) * 0x1p-31
        let cuc = Double(try b.int(16)) * 0x1p-29, e = Double(try b.u(32)) * 0x1p-33, cus = Double(try b.int(16)) * 0x1p-29
        let sqrtA = Double(try b.u(32)) * 0x1p-19, toe = Double(try b.uint(16)) * 16, fit = try b.uint(1)
        var c = BitReader(s3, bitOffset: 48)
        let cic = Double(try c.int(16)) * 0x1p-29, omega0 = Double(try c.int(32)) * 0x1p-31
        let cis = Double(try c.int(16)) * 0x1p-29, i0 = Double(try c.int(32)) * 0x1p-31
        let crc = Double(try c.int(16)) * 0x1p-5, omega = Double(try c.int(32)) * 0x1p-31, omegaDot = Double(try c.int(24)) * 0x1p-43
        let iode3 = try c.uint(8), idot = Double(try c.int(14)) * 0x1p-43
        guard iode2 == iode3, iode2 == iodc & 0xFF else { throw FormatError(.syntax, "subframes of different issues") }
        let week = RTCM3EphemerisCodec.fullWeek(wn, modulo: 1024, reference: time)
        let toeTime = GNSSTime(gpsWeek: week, secondOfWeek: toe)
        let sc = Constants.semicircle
        return KeplerEphemeris(
            satellite: sat, message: .lnav, toe: toeTime, toc: toeTime.nearest(secondOfWeek: toc), week: week, toeSeconds: toe,
            sqrtA: sqrtA, eccentricity: e, inclination: i0 * sc, rightAscension: omega0 * sc, argumentOfPerigee: omega * sc,
            meanAnomaly: m0 * sc, meanMotionDifference: dn * sc, inclinationRate: idot * sc, rightAscensionRate: omegaDot * sc,
            cuc: cuc, cus: cus, crc: crc, crs: crs, cic: cic, cis: cis, af0: af0, af1: af1, af2: af2, iode: iode2, iodc: iodc,
            groupDelays: [tgd], health: health, accuracyIndex: ura, fitInterval: fit == 1 ? 6 : 4,
            codesOnL2: codeL2, l2PDataFlag: l2p)
    }
}
