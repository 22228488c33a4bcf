/// Reads big-endian bit fields, as RTCM 3 and GNSS navigation words pack them.
/// Reading past the end throws, so a truncated message can never crash a decoder.
public struct BitReader {
    public let bytes: ArraySlice<UInt8>
    /// Current position in bits from the start of `bytes`.
    public var position: Int
    public var bitCount: Int { bytes.count * 8 }
    public var remaining: Int { bitCount - position }

    public init(_ bytes: ArraySlice<UInt8>, bitOffset: Int = 0) {
        self.bytes = bytes
        self.position = bitOffset
    }

    public init(_ bytes: [UInt8], bitOffset: Int = 0) {
        self.init(bytes[...], bitOffset: bitOffset)
    }

    /// Unsigned field of `width` bits (0…64).
    @inlinable @inline(__always)
    public mutating func u(_ width: Int) throws(FormatError) -> UInt64 {
        let byteIndex = position >> 3
        // Fast path: eight whole bytes are available and the field fits after the bit offset.
        if width >= 1 && width <= 56 && byteIndex + 8 <= bytes.count {
            let word = bytes.withUnsafeBufferPointer { buffer in
                UInt64(bigEndian: UnsafeRawPointer(buffer.baseAddress.unsafelyUnwrapped + byteIndex).loadUnaligned(as: UInt64.self))
            }
            let value = (word << UInt64(position & 7)) >> UInt64(64 - width)
            position += width
            return value
        }
        return try uSlow(width)
    }

    @usableFromInline
    mutating func uSlow(_ width: Int) throws(FormatError) -> UInt64 {
        guard width >= 0, width <= 64 else { throw FormatError(.internal, "bit field width \(width)") }
        guard position + width <= bitCount else {
            throw FormatError(.truncated, "message ends inside a \(width)-bit field at bit \(position)")
        }
        let start = bytes.startIndex
        var value: UInt64 = 0
        var pos = position
        var left = width
        while left > 0 {
            let byte = UInt64(bytes[start + (pos >> 3)])
            let bitInByte = pos & 7
            let take = min(8 - bitInByte, left)
            let shifted = (byte >> UInt64(8 - bitInByte - take)) & ((1 << UInt64(take)) - 1)
            value = (value << UInt64(take)) | shifted
            pos += take
            left -= take
        }
        position = pos
        return value
    }

    /// Unsigned field as Int.
    @inlinable @inline(__always)
    public mutating func uint(_ width: Int) throws(FormatError) -> Int { Int(truncatingIfNeeded: try u(width)) }

    /// Two's-complement signed field.
    @inlinable @inline(__always)
    public mutating func int(_ width: Int) throws(FormatError) -> Int {
        let raw = try u(width)
        guard width > 0, width < 64 else { return Int(truncatingIfNeeded: raw) }
        let sign: UInt64 = 1 << UInt64(width - 1)
        return raw & sign != 0 ? Int(truncatingIfNeeded: raw) - Int(truncatingIfNeeded: sign << 1) : Int(raw)
    }

    /// Sign-magnitude field (sign in the top bit), as GLONASS words and some RTCM fields use.
    @inlinable
    public mutating func signMagnitude(_ width: Int) throws(FormatError) -> Int {
        let raw = try u(width)
        let magnitude = Int(raw & ((1 << UInt64(width - 1)) - 1))
        return raw >> UInt64(width - 1) == 1 ? -magnitude : magnitude
    }

    @inlinable @inline(__always)
    public mutating func bool() throws(FormatError) -> Bool { try u(1) == 1 }

    public mutating func skip(_ width: Int) throws(FormatError) {
        guard position + width <= bitCount else {
            throw FormatError(.truncated, "message ends inside a \(width)-bit field at bit \(position)")
        }
        position += width
    }

    public mutating func seek(toBit bit: Int) { position = bit }
}
