/// CRC-24Q (polynomial 0x1864CFB), the checksum of RTCM 3 frames and of
/// Galileo I/NAV pages.
public enum CRC24Q {
    @usableFromInline static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var crc = UInt32(i) << 16
        for _ in 0..<8 {
            crc <<= 1
            if crc & 0x100_0000 != 0 { crc ^= 0x186_4CFB }
        }
        return crc & 0xFF_FFFF
    }

    /// Inlinable so that a caller in another module gets it specialised for its collection: the generic form
    /// reads every byte through the collection's protocol witnesses, an allocation per byte for an array slice.
    @inlinable
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0
        for b in bytes {
            crc = ((crc << 8) & 0xFF_FFFF) ^ table[Int(((crc >> 16) ^ UInt32(b)) & 0xFF)]
        }
        return crc
    }
}
