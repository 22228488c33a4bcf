import Foundation
import Testing
@testable import GNSSPositioning

/// The solution writer's number formatting against the C library's own `snprintf`.
struct FixedPointTextTests {
    static func c(_ format: String, _ arguments: CVarArg...) -> String {
        withVaList(arguments) { list in
            var buffer = [CChar](repeating: 0, count: 128)
            _ = vsnprintf(&buffer, 128, format, list)
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    static func ours(_ value: Double, _ decimals: Int, _ width: Int, zero: Bool = false) -> String {
        var out: [UInt8] = []
        FixedPointText.append(value, decimals: decimals, width: width, zeroPadded: zero, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func fixedPointMatchesTheCLibrary() {
        // Exact ties round to even; the others by the double's exact value (0.15 is 0.1499999…).
        let special: [Double] = [0, -0.0, 0.125, 0.375, 2.5, 3.5, -0.5, -2.5, 0.15, 1.005, 1e-7, -1e-7, 999.95, 0.5,
                                 6_378_137.123456789, -3_976_219.66365, 9.99995, 59.9995, 1e15, -7.25e-5]
        var generator = SystemRandomNumberGenerator()
        var values = special
        for _ in 0..<20_000 {
            let exponent = Double.random(in: -6...9, using: &generator)
            let v = pow(10, exponent) * (Bool.random(using: &generator) ? 1 : -1)
            values.append(v)
            // Values on a grid of halves in the last place kept: ties and their neighbours.
            values.append((v * 1e4).rounded() / 1e4 + 0.00005)
        }
        for v in values {
            for (decimals, width) in [(0, 0), (1, 6), (2, 6), (3, 8), (4, 14), (4, 8), (9, 0)] {
                #expect(Self.ours(v, decimals, width) == Self.c("%*.*f", Int32(width), Int32(decimals), v), "\(v) \(decimals)")
            }
            #expect(Self.ours(v, 3, 6, zero: true) == Self.c("%06.3f", v), "\(v)")
        }
        for v in [Double.nan, .infinity, -.infinity] {
            #expect(Self.ours(v, 4, 8) == Self.c("%8.4f", v))
        }
    }

    @Test func integersMatchTheCLibrary() {
        for v in [0, 7, -7, 42, 2005, -123456, Int.max, Int.min + 1] {
            for width in [0, 2, 3, 4, 12] {
                var plain: [UInt8] = [], zeros: [UInt8] = []
                FixedPointText.append(v, width: width, to: &plain)
                FixedPointText.append(v, width: width, zeroPadded: true, to: &zeros)
                #expect(String(decoding: plain, as: UTF8.self) == Self.c("%*ld", Int32(width), v))
                #expect(String(decoding: zeros, as: UTF8.self) == Self.c("%0*ld", Int32(width), v))
            }
        }
    }
}
