import Foundation

/// Decimal text of numbers as C's `%*.*f` and `%0*ld` write them, appended to a byte buffer: a solution line per
/// epoch without the dynamic casts that formatting through `CVarArg` makes for every argument.
enum FixedPointText {
    private static let powersOfTen: [Double] = (0...15).map { d in (0..<d).reduce(1.0) { r, _ in r * 10 } }
    private static let integerPowersOfTen: [Int64] = (0...15).map { d in (0..<d).reduce(Int64(1)) { r, _ in r * 10 } }

    /// `value` with `decimals` digits after the point, right-aligned in `width` characters (padded with spaces, or
    /// zeros after the sign with `zeroPadded`). Rounds the double's exact value to the nearest, ties to even, as
    /// glibc does: the product by the power of ten is split into its rounded value and its exact remainder.
    static func append(_ value: Double, decimals: Int, width: Int = 0, zeroPadded: Bool = false, to out: inout [UInt8]) {
        precondition((0...15).contains(decimals))
        guard value.isFinite else {
            let text: [UInt8] = value.isNaN ? Array("nan".utf8) : Array((value < 0 ? "-inf" : "inf").utf8)
            pad(text.count, width: width, to: &out)
            out += text
            return
        }
        let scale = powersOfTen[decimals]
        let magnitude = value.magnitude
        let product = magnitude * scale
        guard product < 9.0e15 else {
            // Beyond the integers a double holds exactly (no solution field gets here): the C library's text.
            let format = zeroPadded ? "%0*.*f" : "%*.*f"
            out += withVaList([Int32(width), Int32(decimals), value]) { list in
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: 400) { buffer in
                    let n = Int(vsnprintf(buffer.baseAddress, 400, format, list))
                    return Array(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[..<min(max(n, 0), 399)])))
                }
            }
            return
        }
        // The exact value is product + remainder; the product alone rounds wrong only where it is a half.
        let remainder = (-product).addingProduct(magnitude, scale)
        var units = product.rounded(.toNearestOrEven)
        let half = product - units
        if half == 0.5 && remainder > 0 {
            units += 1
        } else if half == -0.5 && remainder < 0 {
            units -= 1
        }
        let n = Int64(units)
        let unit = integerPowersOfTen[decimals]
        let negative = value.sign == .minus
        let wholeDigits = digitCount(UInt64(n / unit))
        let length = (negative ? 1 : 0) + wholeDigits + (decimals > 0 ? 1 + decimals : 0)
        appendSign(negative, length: length, width: width, zeroPadded: zeroPadded, to: &out)
        appendDigits(UInt64(n / unit), count: wholeDigits, to: &out)
        if decimals > 0 {
            out.append(UInt8(ascii: "."))
            appendDigits(UInt64(n % unit), count: decimals, to: &out)
        }
    }

    /// `value` as `%.*f`.
    static func string(_ value: Double, decimals: Int) -> String {
        var text: [UInt8] = []
        append(value, decimals: decimals, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// An integer as `%*ld` (`zeroPadded`: `%0*ld`).
    static func append(_ value: Int, width: Int = 0, zeroPadded: Bool = false, to out: inout [UInt8]) {
        let digits = digitCount(value.magnitude)
        appendSign(value < 0, length: digits + (value < 0 ? 1 : 0), width: width, zeroPadded: zeroPadded, to: &out)
        appendDigits(UInt64(value.magnitude), count: digits, to: &out)
    }

    private static func digitCount<T: BinaryInteger>(_ v: T) -> Int {
        var count = 1, rest = v
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// The last `count` decimal digits of `v`, with leading zeros.
    private static func appendDigits(_ v: UInt64, count: Int, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var rest = v
        for i in stride(from: start + count - 1, through: start, by: -1) {
            out[i] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }

    /// The padding of a number `length` characters long to `width` and its sign: spaces before the sign, or zeros
    /// after it.
    private static func appendSign(_ negative: Bool, length: Int, width: Int, zeroPadded: Bool, to out: inout [UInt8]) {
        if zeroPadded {
            if negative { out.append(UInt8(ascii: "-")) }
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: max(0, width - length)))
        } else {
            pad(length, width: width, to: &out)
            if negative { out.append(UInt8(ascii: "-")) }
        }
    }

    private static func pad(_ length: Int, width: Int, to out: inout [UInt8]) {
        for _ in 0..<max(0, width - length) { out.append(UInt8(ascii: " ")) }
    }
}
