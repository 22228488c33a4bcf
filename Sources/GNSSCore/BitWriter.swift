/// Writes big-endian bit fields, as RTCM 3 and GNSS navigation words pack them (the inverse of GNSSFormats' `BitReader`).
public struct BitWriter {
    public private(set) var bytes: [UInt8] = []
    public private(set) var bitCount = 0

    public init() {}

    /// Appends the low `width` bits of `value`.
    public mutating func u(_ value: UInt64, _ width: Int) {
        var left = width
        while left > 0 {
            if bitCount & 7 == 0 { bytes.append(0) }
            let free = 8 - (bitCount & 7)
            let take = min(free, left)
            let chunk = (value >> UInt64(left - take)) & ((1 << UInt64(take)) - 1)
            bytes[bytes.count - 1] |= UInt8(chunk << UInt64(free - take))
            bitCount += take
            left -= take
        }
    }

    public mutating func uint(_ value: Int, _ width: Int) { u(UInt64(truncatingIfNeeded: value), width) }

    /// Two's-complement signed field.
    public mutating func int(_ value: Int, _ width: Int) {
        u(UInt64(bitPattern: Int64(value)) & (width == 64 ? ~0 : (1 << UInt64(width)) - 1), width)
    }

    /// Sign-magnitude field.
    public mutating func signMagnitude(_ value: Int, _ width: Int) {
        u(value < 0 ? 1 : 0, 1)
        u(UInt64(value.magnitude), width - 1)
    }

    public mutating func bool(_ value: Bool) { u(value ? 1 : 0, 1) }

    /// Pads with zero bits to a whole byte.
    public mutating func alignToByte() {
        bitCount = (bitCount + 7) & ~7
    }
}

/// The nearest integer to `d`, saturating at ±2⁶² and 0 for NaN: encoders use it so a bad value
/// gives a wrong field, never a trap.
@inlinable
public func roundedInt(_ d: Double) -> Int {
    guard d.isFinite else { return 0 }
    let r = d.rounded()
    if r >= 0x1p62 { return 1 << 62 }
    if r <= -0x1p62 { return -(1 << 62) }
    return Int(r)
}
