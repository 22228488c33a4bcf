import Testing
@testable import GNSSFormats

@Suite struct GzipTests {
    @Test func roundTripThroughZlib() throws {
        let text = Array(String(repeating: "G01  20000000.000 ", count: 5000).utf8)
        let packed = try gzipCompress(text)
        #expect(GzipInflater.isGzip(packed))
        let inflater = try GzipInflater()
        var out: [UInt8] = []
        // Feed in small pieces, as a stream arrives.
        var i = 0
        while i < packed.count {
            let piece = Array(packed[i..<min(packed.count, i + 777)])
            try inflater.inflate(piece, into: &out)
            i += 777
        }
        #expect(out == text)
        #expect(inflater.isAtMemberEnd)
    }

    @Test func corruptStreamIsAnError() throws {
        var packed = try gzipCompress(Array(repeating: 65, count: 10000))
        for k in 12..<min(40, packed.count) { packed[k] ^= 0x5A }
        let inflater = try GzipInflater()
        var out: [UInt8] = []
        #expect(throws: FormatError.self) {
            try inflater.inflate(packed, into: &out)
        }
    }

    @Test func lineReaderSplitsAcrossChunks() throws {
        var chunks: [[UInt8]] = [Array("abc\r\nde".utf8), Array("f\n\nlast".utf8)]
        let reader = LineReader(name: "t", nextChunk: { () throws(FormatError) -> [UInt8]? in chunks.isEmpty ? nil : chunks.removeFirst() })
        var lines: [String] = []
        while let l = try reader.next() { lines.append(l.text) }
        #expect(lines == ["abc", "def", "", "last"])
    }
}
