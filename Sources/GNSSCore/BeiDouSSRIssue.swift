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
        var bits = BitWriter()
        bits.int(roundedInt(inclinationRate / (semicircle * 0x1p-43)), 14)
        bits.int(roundedInt(af2 / 0x1p-66), 11)
        bits.int(roundedInt(af1 / 0x1p-50), 22)
        bits.int(roundedInt(af0 / 0x1p-33), 24)
        bits.int(roundedInt(crs / 0x1p-6), 18)
        bits.int(roundedInt(meanMotionDifference / (semicircle * 0x1p-43)), 16)
        bits.int(roundedInt(meanAnomaly / (semicircle * 0x1p-31)), 32)
        bits.int(roundedInt(cuc / 0x1p-31), 18)
        bits.int(roundedInt(eccentricity / 0x1p-33), 32)
        bits.int(roundedInt(cus / 0x1p-31), 18)
        bits.int(roundedInt(sqrtA / 0x1p-19), 32)
        bits.int(roundedInt(cic / 0x1p-31), 18)
        bits.int(roundedInt(rightAscension / (semicircle * 0x1p-31)), 32)
        bits.int(roundedInt(cis / 0x1p-31), 18)
        bits.int(roundedInt(inclination / (semicircle * 0x1p-31)), 32)
        bits.int(roundedInt(crc / 0x1p-6), 18)
        bits.int(roundedInt(argumentOfPerigee / (semicircle * 0x1p-31)), 32)
        bits.int(roundedInt(rightAscensionRate / (semicircle * 0x1p-43)), 24)
        bits.uint(0, 5)
        return CRC24Q.checksum(bits.bytes)
    }
}
