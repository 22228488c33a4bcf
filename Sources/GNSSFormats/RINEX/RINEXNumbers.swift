/// Fast fixed-column number parsing for RINEX, SP3 and clock files: reads
/// straight from line bytes, accepts Fortran `D` exponents, and treats an
/// all-blank field as missing.
public enum RINEXNumbers {
    /// The number in columns [from, from+width) of `bytes` (clipped to the line), nil when blank.
    /// Throws nothing: malformed text gives `.invalid`.
    public enum Field: Equatable {
        case blank
        case value(Double)
        case invalid
    }

    @inlinable
    public static func field(_ bytes: [UInt8], _ from: Int, _ width: Int) -> Field {
        let end = min(bytes.count, from + width)
        guard from < end else { return .blank }
        return parse(bytes, from, end)
    }

    /// Parses [start, end) as a decimal number with optional sign, fraction and exponent.
    @inlinable
    public static func parse(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Field {
        precondition(start >= 0 && end <= bytes.count, "field outside the line")
        return bytes.withUnsafeBufferPointer { parse($0, start, end) }
    }

    /// The same on raw bytes (no bounds checks in the digit loops; `parse(_:_:_:)` checks the range).
    @inlinable
    static func parse(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Field {
        var i = start
        while i < end && b[i] == 0x20 { i += 1 }
        var e = end
        while e > i && (b[e - 1] == 0x20 || b[e - 1] == 0x0D) { e -= 1 }
        guard i < e else { return .blank }
        var negative = false
        if b[i] == 0x2D { negative = true; i += 1 } else if b[i] == 0x2B { i += 1 }
        var mantissa: Int64 = 0
        var digits = 0
        var scale = 0
        var sawDigit = false
        while i < e, b[i] >= 0x30, b[i] <= 0x39 {
            if digits < 18 { mantissa = mantissa * 10 + Int64(b[i] - 0x30); digits += 1 } else { scale += 1 }
            sawDigit = true
            i += 1
        }
        if i < e && b[i] == 0x2E {
            i += 1
            while i < e, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 18 { mantissa = mantissa * 10 + Int64(b[i] - 0x30); digits += 1; scale -= 1 }
                sawDigit = true
                i += 1
            }
        }
        guard sawDigit else { return .invalid }
        if i < e && (b[i] == 0x44 || b[i] == 0x45 || b[i] == 0x64 || b[i] == 0x65) {
            i += 1
            var expNegative = false
            if i < e && b[i] == 0x2D { expNegative = true; i += 1 } else if i < e && b[i] == 0x2B { i += 1 }
            var exp = 0
            var expDigits = 0
            while i < e, b[i] >= 0x30, b[i] <= 0x39 {
                exp = exp * 10 + Int(b[i] - 0x30)
                expDigits += 1
                if exp > 400 { return .invalid }
                i += 1
            }
            guard expDigits > 0 else { return .invalid }
            scale += expNegative ? -exp : exp
        }
        guard i == e else { return .invalid }
        // Exact fast path: both the mantissa and the power of ten are exact doubles, so one
        // division or multiplication rounds correctly. Otherwise let the C library round.
        if mantissa < (1 << 53) && scale >= -22 && scale <= 22 {
            var v = Double(mantissa)
            if scale < 0 { v /= power(-scale) } else if scale > 0 { v *= power(scale) }
            return .value(negative ? -v : v)
        }
        var text = String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self).trimmed
        text = String(text.map { $0 == "D" || $0 == "d" ? "E" : $0 })
        guard let v = Double(text) else { return .invalid }
        return .value(v)
    }

    /// 10ⁿ for n in 0...22, exact (a table the compiler lays out, where a global array would be initialised lazily
    /// behind a check on every call).
    @usableFromInline
    static func power(_ n: Int) -> Double {
        switch n {
        case 0: 1e0
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        default: 1e22
        }
    }

    /// Integer field, nil when blank or malformed.
    @inlinable
    public static func int(_ bytes: [UInt8], _ from: Int, _ width: Int) -> Int? {
        guard case .value(let v) = field(bytes, from, width), v == v.rounded(), abs(v) < 1e15 else { return nil }
        return Int(v)
    }

    /// Double field, nil when blank or malformed.
    @inlinable
    public static func double(_ bytes: [UInt8], _ from: Int, _ width: Int) -> Double? {
        if case .value(let v) = field(bytes, from, width) { return v }
        return nil
    }

    /// Whether the columns are all blank (or past the end of the line).
    @inlinable
    public static func isBlank(_ bytes: [UInt8], _ from: Int, _ width: Int) -> Bool {
        let end = min(bytes.count, from + width)
        var i = from
        while i < end { if bytes[i] != 0x20 { return false }; i += 1 }
        return true
    }

    /// Two-digit RINEX 2 years: 80–99 are 1980–1999, 00–79 are 2000–2079.
    @inlinable
    public static func fullYear(_ y: Int) -> Int {
        y >= 100 ? y : (y >= 80 ? 1900 + y : 2000 + y)
    }
}
