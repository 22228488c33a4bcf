/// HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), decoded as bytes arrive: chunk data goes straight out, only a
/// chunk-size line is held (at most `sizeLineLimit` bytes), so the decoder's memory stays bounded whatever a chunk's size.
struct ChunkedTransferDecoder {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case badChunkSize(String)
        case sizeLineTooLong
        case missingChunkEnd

        var description: String {
            switch self {
            case .badChunkSize(let text): "bad chunk size line '\(text)'"
            case .sizeLineTooLong: "chunk size line longer than \(ChunkedTransferDecoder.sizeLineLimit) bytes"
            case .missingChunkEnd: "chunk data not followed by CRLF"
            }
        }
    }

    static let sizeLineLimit = 256
    /// The largest chunk announced before the size is taken as garbage (the data itself is never held).
    static let largestChunk = 1 << 24

    private enum State {
        case sizeLine
        case data(remaining: Int)
        /// After a chunk's data: `\r\n` (count of bytes of it seen so far).
        case dataEnd(seen: Int)
        /// After the last (zero-size) chunk: trailer lines up to an empty one.
        case trailer
        case finished
    }

    private var state = State.sizeLine
    private var line: [UInt8] = []

    /// Whether the last chunk and its trailer have been read: the body is complete.
    var isFinished: Bool { if case .finished = state { true } else { false } }

    /// Decodes `bytes`, appending the chunks' data to `out`.
    mutating func decode<C: Collection>(_ bytes: C, into out: inout [UInt8]) throws(Failure) where C.Element == UInt8 {
        var i = bytes.startIndex
        while i != bytes.endIndex {
            switch state {
            case .finished:
                return
            case .data(let remaining):
                let end = bytes.index(i, offsetBy: remaining, limitedBy: bytes.endIndex) ?? bytes.endIndex
                out.append(contentsOf: bytes[i..<end])
                let taken = bytes.distance(from: i, to: end)
                i = end
                state = remaining == taken ? .dataEnd(seen: 0) : .data(remaining: remaining - taken)
            case .dataEnd(let seen):
                let expected: UInt8 = seen == 0 ? 0x0D : 0x0A
                guard bytes[i] == expected else { throw .missingChunkEnd }
                i = bytes.index(after: i)
                state = seen == 0 ? .dataEnd(seen: 1) : .sizeLine
            case .sizeLine, .trailer:
                let b = bytes[i]
                i = bytes.index(after: i)
                guard b == 0x0A else {
                    guard line.count < Self.sizeLineLimit else { throw .sizeLineTooLong }
                    line.append(b)
                    continue
                }
                if line.last == 0x0D { line.removeLast() }
                defer { line.removeAll(keepingCapacity: true) }
                if case .trailer = state {
                    if line.isEmpty { state = .finished }
                    continue
                }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailer : .data(remaining: size)
            }
        }
    }

    /// The size of a chunk-size line: hexadecimal digits, then optional `;extensions`.
    private static func chunkSize(_ line: [UInt8]) throws(Failure) -> Int {
        let digits = line.prefix { $0 != 0x3B }.filter { $0 != 0x20 && $0 != 0x09 }
        let text = String(decoding: digits, as: UTF8.self)
        guard !digits.isEmpty, digits.count <= 8, digits.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0 & 0xDF) }), let size = Int(text, radix: 16), size <= largestChunk else {
            throw .badChunkSize(String(decoding: line.prefix(32).map { (0x20..<0x7F).contains($0) ? $0 : 0x3F }, as: UTF8.self))
        }
        return size
    }
}
