import GNSSFormats

/// A recorded RTCM 3 or UBX stream in pieces that end where its frames end: one frame at a time (bytes outside
/// frames in pieces of their own), so that a replay hands each station's pipeline no more than one frame before
/// looking again at which station is behind, and a rover's epoch meets its reference station's epoch of the same
/// time, as it does live. Checksums are left to the decoder: a wrong length only makes a piece longer or shorter.
final class FramePieces {
    enum Framing {
        /// 0xD3, 6 reserved bits and a 10-bit length, the message, a 24-bit CRC.
        case rtcm3
        /// 0xB5 0x62, class, id, a 16-bit little-endian length, the payload, a 16-bit checksum.
        case ubx

        var sync: UInt8 { self == .rtcm3 ? 0xD3 : 0xB5 }
        var header: Int { self == .rtcm3 ? 3 : 6 }

        /// The whole frame's length from its header.
        func length(_ h: ArraySlice<UInt8>) -> Int {
            let i = h.startIndex
            switch self {
            case .rtcm3: return 3 + (Int(h[i + 1] & 0x03) << 8 | Int(h[i + 2])) + 3
            case .ubx: return 6 + (Int(h[i + 4]) | Int(h[i + 5]) << 8) + 2
            }
        }
    }

    /// Bytes outside frames go on in pieces of at most about this size (the buffer stays small on any input).
    private static let garbagePiece = 4096
    private let source: FileByteSource
    private let framing: Framing
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(_ source: FileByteSource, framing: Framing) {
        self.source = source
        self.framing = framing
    }

    /// The next piece, or nil at the end of the file.
    func next() throws(FormatError) -> ArraySlice<UInt8>? {
        while true {
            let available = buffer.count - start
            if available > 0 {
                if buffer[start] == framing.sync {
                    if available >= framing.header {
                        let length = framing.length(buffer[start..<(start + framing.header)])
                        if available >= length { return take(length) }
                    }
                } else if let next = buffer[(start + 1)...].firstIndex(of: framing.sync) {
                    return take(next - start)
                } else if available >= Self.garbagePiece {
                    return take(available)
                }
                if atEnd { return take(available) }
            } else if atEnd {
                return nil
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            if let chunk = try source.next() { buffer += chunk } else { atEnd = true }
        }
    }

    private func take(_ count: Int) -> ArraySlice<UInt8> {
        defer { start += count }
        return buffer[start..<(start + count)]
    }
}
