/// CRC-32 (IEEE 802.3, the polynomial used by zlib/gzip/PNG), table driven.
///
/// Reflected polynomial 0xEDB88320, initial value 0xFFFFFFFF, final XOR 0xFFFFFFFF.
/// `CRC32.checksum(Array("123456789".utf8)) == 0xCBF43926`.
public enum CRC32 {
    /// Running state before any byte was fed.
    public static let initial: UInt32 = 0xFFFF_FFFF

    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    /// Feeds `bytes` into a running state (start with `initial`, finish with `finalize`).
    public static func update(_ state: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            table.withUnsafeBufferPointer { t in
                var c = state
                for b in buffer {
                    c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8)
                }
                return c
            }
        }
    }

    /// Turns a running state into the checksum value.
    public static func finalize(_ state: UInt32) -> UInt32 { state ^ 0xFFFF_FFFF }

    /// CRC-32 of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        finalize(update(initial, bytes[...]))
    }
}
