import GNSSFormats

/// Reads little-endian fields from a byte slice, throwing at the end instead of trapping.
public struct ByteCursor {
    private var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    public var remaining: Int { bytes.count }

    public mutating func byte() throws(FormatError) -> UInt8 {
        guard let b = bytes.popFirst() else { throw FormatError(.truncated, "record ends early") }
        return b
    }

    public mutating func bytes(_ n: Int) throws(FormatError) -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count >= n else { throw FormatError(.truncated, "record ends early") }
        defer { bytes = bytes.dropFirst(n) }
        return bytes.prefix(n)
    }

    public mutating func uint32() throws(FormatError) -> UInt32 {
        var v: UInt32 = 0
        for (i, b) in try bytes(4).enumerated() { v |= UInt32(b) << (8 * i) }
        return v
    }

    public mutating func uint64() throws(FormatError) -> UInt64 {
        var v: UInt64 = 0
        for (i, b) in try bytes(8).enumerated() { v |= UInt64(b) << (8 * i) }
        return v
    }
}

extension Array where Element == UInt8 {
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}
