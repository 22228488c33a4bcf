/// How RTCM 3 SSR names the BeiDou ephemeris a correction is for (messages 1258–1263): not by the broadcast AODE,
/// which repeats within a day, but by two fields computed from the ephemeris itself. DF470, the toe modulo: the
/// ephemeris's toe (BDT seconds of week) in units of 8 s, modulo 1024. DF471, the IOD: the 8 least significant bits
/// of the CRC-24Q of the ephemeris's parameters packed as the navigation message carries them (RTCM 3 message 1042's
/// scales and widths, in this order, then five zero bits to a whole 52 bytes):
///
/// IDOT 14, a2 11, a1 22, a0 24, Crs 18, Δn 16, M0 32, Cuc 18, e 32, Cus 18, √A 32, Cic 18, Ω0 32, Cis 18, i0 32,
/// Crc 18, ω 32, Ω̇ 24 bits.
///
/// Both travel together here as one issue of data, `toeModulo << 8 | iod`.
extension KeplerEphemeris {
    /// This ephemeris's SSR issue of data as BeiDou corrections give it (`toeModulo << 8 | iod`).
    public var beidouSSRIssue: Int {
        Self.beidouSSRIssue(toeModulo: Int(toeSeconds / 8) & 0x3FF, iod: Int(beidouParameterCRC & 0xFF))
    }

    /// A BeiDou correction's DF470 and DF471 as one issue of data.
    public static func beidouSSRIssue(toeModulo: Int, iod: Int) -> Int { (toeModulo & 0x3FF) << 8 | (iod & 0xFF) }

    /// The CRC-24Q over the ephemeris parameters in the layout above.
    var beidouParameterCRC: UInt32 {
        let semicircle = Double.pi
        var bits = BitPacker()
        bits.append(inclinationRate / (semicircle * 0x1p-43), width: 14)
        bits.append(af2 / 0x1p-66, width: 11)
        bits.append(af1 / 0x1p-50, width: 22)
        bits.append(af0 / 0x1p-33, width: 24)
        bits.append(crs / 0x1p-6, width: 18)
        bits.append(meanMotionDifference / (semicircle * 0x1p-43), width: 16)
        bits.append(meanAnomaly / (semicircle * 0x1p-31), width: 32)
        bits.append(cuc / 0x1p-31, width: 18)
        bits.append(eccentricity / 0x1p-33, width: 32)
        bits.append(cus / 0x1p-31, width: 18)
        bits.append(sqrtA / 0x1p-19, width: 32)
        bits.append(cic / 0x1p-31, width: 18)
        bits.append(rightAscension / (semicircle * 0x1p-31), width: 32)
        bits.append(cis / 0x1p-31, width: 18)
        bits.append(inclination / (semicircle * 0x1p-31), width: 32)
        bits.append(crc / 0x1p-6, width: 18)
        bits.append(argumentOfPerigee / (semicircle * 0x1p-31), width: 32)
        bits.append(rightAscensionRate / (semicircle * 0x1p-43), width: 24)
        bits.append(0, width: 5)
        return CRC24Q.checksum(bits.bytes)
    }
}

/// Values rounded to integers and appended most significant bit first, two's complement in their width.
private struct BitPacker {
    var bytes: [UInt8] = []
    private var pending: UInt64 = 0
    private var pendingBits = 0

    mutating func append(_ value: Double, width: Int) {
        let rounded = value.isFinite && abs(value) < 0x1p62 ? Int64(value.rounded()) : 0
        pending = pending << UInt64(width) | UInt64(bitPattern: rounded) & ((1 << UInt64(width)) - 1)
        pendingBits += width
        while pendingBits >= 8 {
            bytes.append(UInt8(truncatingIfNeeded: pending >> UInt64(pendingBits - 8)))
            pendingBits -= 8
        }
    }
}
