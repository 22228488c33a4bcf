import Testing
import GNSSCore
@testable import GNSSFormats

@Suite struct BitFieldTests {
    @Test func writerAndReaderAgree() throws {
        var w = BitWriter()
        w.uint(0x3A, 6); w.int(-5, 12); w.signMagnitude(-7, 5); w.u(0x1_2345_6789, 38); w.bool(true)
        var r = BitReader(w.bytes)
        #expect(try r.uint(6) == 0x3A)
        #expect(try r.int(12) == -5)
        #expect(try r.signMagnitude(5) == -7)
        #expect(try r.u(38) == 0x1_2345_6789)
        #expect(try r.bool())
    }

    @Test func readingPastTheEndThrows() {
        var r = BitReader([0xFF])
        #expect(throws: FormatError.self) { try r.u(9) }
    }
}
