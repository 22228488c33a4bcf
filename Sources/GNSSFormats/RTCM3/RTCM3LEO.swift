import GNSSCore

/// Message 4058: this project's messages for its LEO augmentation constellation, in RTCM 3's proprietary
/// range (4001–4095). 4058 is the project's own choice, not a number assigned by RTCM. A 4-bit subtype
/// follows the 12-bit message number:
///
/// - subtype 1: LEO broadcast ephemeris (`LEOEphemeris`), encoded and decoded here;
/// - subtype 2: LEO SSR orbit and clock corrections, an `SSRMessage` with `system == .leo` (RTCM3LEOSSR.swift);
/// - subtype 7: LEO MSM7 observations, an `MSMMessage` with `system == .leo` (see `MSMMessage.makeLEO`);
/// - 0, 3–6, 8–15: reserved; decoders report them as `RTCM3Message.unsupported(type: 4058)`.
///
/// `docs/leo-messages.md` describes every field.
public enum RTCM3LEO {
    public static let messageType = 4058
    public static let ephemerisSubtype = 1
    public static let msm7Subtype = 7

    /// The subtype of a 4058 payload (which starts with the message number), nil for other messages
    /// or a payload too short to hold one.
    public static func subtype(ofPayload p: ArraySlice<UInt8>) -> Int? {
        guard p.count >= 2 else { return nil }
        let s = p.startIndex
        guard Int(p[s]) << 4 | Int(p[s + 1] >> 4) == messageType else { return nil }
        return Int(p[s + 1] & 0x0F)
    }

    // MARK: Subtype 1 layout

    /// Coefficients per coordinate (degree 8) and per clock (a0, a1, a2).
    static let positionTerms = 9
    static let clockTerms = 3
    /// One resolution for every position coefficient, metres: nine half-LSB rounding errors add up to
    /// at most 9 × 2^-15 m ≈ 0.275 mm per coordinate, 0.476 mm in 3-D, anywhere in the window (|τ| ≤ 1).
    static let positionScale = 0x1p-14
    /// Bits of the position coefficient of degree k (two's complement): ranges ±2^23, ±2^22, ±2^20, ±2^18,
    /// ±2^16, ±2^14, ±2^12, ±2^10 and ±2^8 m.
    static let positionBits = [38, 37, 35, 33, 31, 29, 27, 25, 23]
    /// a0 (s), a1 (s/s), a2 (s/s²): bits and resolution.
    static let clockFields: [(bits: Int, scale: Double)] = [(32, 0x1p-40), (29, 0x1p-54), (24, 0x1p-67)]
    static let msPerWeek = 604_800_000
    static let ephemerisBits = 1024

    /// The 4058/1 payload (no frame header or CRC) of a LEO ephemeris. Ephemerides of lower degree are
    /// padded with zero coefficients; a value that does not fit its field is an error, never a wrapped field.
    public static func encode(_ e: LEOEphemeris) throws(FormatError) -> [UInt8] {
        guard e.satellite.system == .leo else { throw FormatError(.encode, "\(e.satellite) is not a LEO satellite") }
        guard (1...511).contains(e.satellite.prn) else { throw FormatError(.encode, "LEO satellite number \(e.satellite.prn) outside 1…511") }
        guard (0...255).contains(e.issue) else { throw FormatError(.encode, "issue of data \(e.issue) outside 0…255") }
        guard e.x.count <= positionTerms, e.y.count <= positionTerms, e.z.count <= positionTerms else {
            throw FormatError(.encode, "LEO ephemeris of degree above \(positionTerms - 1)")
        }
        guard e.clock.count <= clockTerms else { throw FormatError(.encode, "LEO clock of degree above \(clockTerms - 1)") }
        let halfWidthMs = (e.halfWidth * 1000).rounded()
        guard halfWidthMs.isFinite, halfWidthMs >= 1, halfWidthMs < 0x1p20 else {
            throw FormatError(.encode, "half width \(e.halfWidth) s outside 0.001…1048.575 s")
        }
        // The reference time to the millisecond: whole seconds and the fraction kept apart, so no precision is lost.
        let totalMs = e.reference.seconds * 1000 + Int64((e.reference.fraction * 1000).rounded())
        let week = totalMs.floorDivided(by: Int64(msPerWeek))
        let towMs = Int(totalMs - week * Int64(msPerWeek))
        guard (0..<65_536).contains(week) else { throw FormatError(.encode, "GPS week \(week) outside 0…65535") }

        var w = BitWriter()
        w.uint(messageType, 12)
        w.uint(ephemerisSubtype, 4)
        w.uint(e.satellite.prn, 9)
        w.uint(e.issue, 8)
        w.bool(!e.healthy)
        w.uint(Int(week), 16)
        w.uint(towMs, 30)
        w.uint(Int(halfWidthMs), 20)
        for (name, c) in [("x", e.x), ("y", e.y), ("z", e.z)] {
            for k in 0..<positionTerms {
                let raw = try field(k < c.count ? c[k] : 0, scale: positionScale, bits: positionBits[k], name: "\(name)[\(k)]")
                w.int(raw, positionBits[k])
            }
        }
        for (k, f) in clockFields.enumerated() {
            w.int(try field(k < e.clock.count ? e.clock[k] : 0, scale: f.scale, bits: f.bits, name: "clock[\(k)]"), f.bits)
        }
        w.uint(0, ephemerisBits - w.bitCount)   // reserved
        return w.bytes
    }

    /// Decodes a 4058/1 payload (starting with the message number). The GPS week is broadcast in full,
    /// so no reference time is needed.
    public static func decode(payload: ArraySlice<UInt8>) throws(FormatError) -> LEOEphemeris {
        var r = BitReader(payload)
        let type = try r.uint(12)
        let subtype = try r.uint(4)
        guard type == messageType, subtype == ephemerisSubtype else {
            throw FormatError(.format, "message \(type) subtype \(subtype) is not a LEO ephemeris (4058/1)")
        }
        let prn = try r.uint(9)
        guard prn >= 1 else { throw FormatError(.syntax, "LEO satellite number 0") }
        let issue = try r.uint(8)
        let unhealthy = try r.bool()
        let week = try r.uint(16)
        let towMs = try r.uint(30)
        guard towMs < msPerWeek else { throw FormatError(.syntax, "time of week \(towMs) ms beyond the week") }
        let halfWidthMs = try r.uint(20)
        guard halfWidthMs > 0 else { throw FormatError(.syntax, "LEO ephemeris with a zero half width") }
        var coordinates: [[Double]] = []
        for _ in 0..<3 {
            var c: [Double] = []
            c.reserveCapacity(positionTerms)
            for k in 0..<positionTerms { c.append(Double(try r.int(positionBits[k])) * positionScale) }
            coordinates.append(c)
        }
        var clock: [Double] = []
        for f in clockFields { clock.append(Double(try r.int(f.bits)) * f.scale) }
        try r.skip(ephemerisBits - r.position)   // reserved: the message must be complete
        let reference = GNSSTime(seconds: Int64(week) * GNSSTime.secondsPerWeek + Int64(towMs / 1000),
                                 fraction: Double(towMs % 1000) / 1000)
        return LEOEphemeris(satellite: SatelliteID(.leo, prn), reference: reference, halfWidth: Double(halfWidthMs) / 1000,
                            x: coordinates[0], y: coordinates[1], z: coordinates[2], clock: clock,
                            issue: issue, healthy: !unhealthy)
    }

    /// `value / scale` rounded, if it fits a signed field of `bits` bits (the most negative pattern excluded).
    private static func field(_ value: Double, scale: Double, bits: Int, name: String) throws(FormatError) -> Int {
        let v = (value / scale).rounded()
        let limit = Double(1 << (bits - 1))
        guard v.isFinite, abs(v) < limit else {
            throw FormatError(.encode, "\(name) = \(value) does not fit \(bits) bits at \(scale)")
        }
        return Int(v)
    }
}

extension Int64 {
    fileprivate func floorDivided(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
