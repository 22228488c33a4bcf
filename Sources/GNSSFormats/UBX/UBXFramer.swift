/// One UBX message.
public struct UBXFrame: Sendable, Hashable {
    public var messageClass: UInt8
    public var id: UInt8
    public var payload: [UInt8]
    /// Offset of the first sync byte in the stream.
    public var offset: Int

    public var name: String { UBXFrame.names[UInt16(messageClass) << 8 | UInt16(id)] ?? String(format2(messageClass) + "-" + format2(id)) }

    static let names: [UInt16: String] = [
        0x0107: "NAV-PVT", 0x0111: "NAV-VELECEF", 0x0126: "NAV-TIMELS", 0x0135: "NAV-SAT", 0x0120: "NAV-TIMEGPS", 0x0101: "NAV-POSECEF", 0x0103: "NAV-STATUS",
        0x0104: "NAV-DOP", 0x0121: "NAV-TIMEUTC", 0x0122: "NAV-CLOCK", 0x0143: "NAV-SIG", 0x0161: "NAV-EOE",
        0x0215: "RXM-RAWX", 0x0213: "RXM-SFRBX", 0x0232: "RXM-RTCM", 0x0A04: "MON-VER", 0x0A09: "MON-HW",
        0x0A38: "MON-RF", 0x0D01: "TIM-TP", 0x0D03: "TIM-TM2", 0x0D16: "TIM-SVIN", 0x0501: "ACK-ACK", 0x0500: "ACK-NAK",
    ]

    /// A whole frame with sync bytes and checksum.
    public var bytes: [UInt8] {
        var out: [UInt8] = [0xB5, 0x62, messageClass, id, UInt8(payload.count & 0xFF), UInt8(payload.count >> 8)]
        out.append(contentsOf: payload)
        let (a, b) = UBXFramer.checksum(out[2...])
        out.append(a)
        out.append(b)
        return out
    }
}

private func format2(_ v: UInt8) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return s.count == 1 ? "0" + s : s
}

/// Incremental UBX frame synchroniser (sync 0xB5 0x62, class, id, length,
/// Fletcher-8 checksum). Bytes between frames (NMEA, RTCM, garbage) are
/// skipped and counted; a bad checksum skips one byte and searches again, so
/// no good frame after it is lost.
public struct UBXFramer: Sendable {
    public enum Item: Sendable {
        case frame(UBXFrame)
        case error(FormatError)
        /// An NMEA sentence between frames (text without CR LF) and its offset.
        case nmea(offset: Int, sentence: String)
    }

    /// NMEA 0183 sentences are at most 82 characters; allow some slack for proprietary ones.
    static let longestSentence = 120

    /// Longest payload accepted; longer lengths are treated as corruption.
    public var maximumLength = 8192
    private var buffer: [UInt8] = []
    private var start = 0
    private var base = 0
    public private(set) var bytesSkipped = 0
    private var ending = false

    public init() {}

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        appendCompacting(bytes, to: &buffer, start: &start, base: &base)
    }

    /// The Fletcher-8 checksum (CK_A, CK_B) of a frame's class, id, length and payload.
    public static func checksum<C: Collection>(_ bytes: C) -> (UInt8, UInt8) where C.Element == UInt8 {
        var a: UInt8 = 0, b: UInt8 = 0
        for x in bytes {
            a = a &+ x
            b = b &+ a
        }
        return (a, b)
    }

    public mutating func next() -> Item? {
        while true {
            while start < buffer.count && buffer[start] != 0xB5 && buffer[start] != 0x24 { start += 1; bytesSkipped += 1 }
            if start < buffer.count && buffer[start] == 0x24 {
                // '$': an NMEA sentence when printable text runs to CR LF within the length limit.
                var i = start + 1
                let limit = min(buffer.count, start + Self.longestSentence)
                while i < limit && buffer[i] >= 0x20 && buffer[i] < 0x7F { i += 1 }
                if i + 1 < buffer.count && buffer[i] == 0x0D && buffer[i + 1] == 0x0A && i > start + 5 {
                    let sentence = String(decoding: buffer[start..<i], as: UTF8.self)
                    let offset = base + start
                    start = i + 2
                    return .nmea(offset: offset, sentence: sentence)
                }
                if i + 1 >= buffer.count && buffer.count < start + Self.longestSentence && !ending { return nil }   // wait for the rest
                start += 1
                bytesSkipped += 1
                continue
            }
            guard buffer.count - start >= 6 else { return nil }
            guard buffer[start + 1] == 0x62 else { start += 1; bytesSkipped += 1; continue }
            let length = Int(buffer[start + 4]) | Int(buffer[start + 5]) << 8
            if length > maximumLength {
                let offset = base + start
                start += 1
                bytesSkipped += 1
                return .error(FormatError(.length, "UBX length \(length) above \(maximumLength)", at: .byteOffset(offset)))
            }
            let total = 6 + length + 2
            guard buffer.count - start >= total else { return nil }
            let (a, b) = Self.checksum(buffer[(start + 2)..<(start + 6 + length)])
            if a != buffer[start + 6 + length] || b != buffer[start + 7 + length] {
                let offset = base + start
                start += 1
                bytesSkipped += 1
                return .error(FormatError(.checksum, "UBX checksum mismatch", at: .byteOffset(offset)))
            }
            let frame = UBXFrame(messageClass: buffer[start + 2], id: buffer[start + 3],
                                 payload: Array(buffer[(start + 6)..<(start + 6 + length)]), offset: base + start)
            start += total
            return .frame(frame)
        }
    }

    /// Ends the stream: frames still waiting behind a false sync (one whose claimed length runs past the
    /// end) are recovered, and each sync that cannot complete is reported as `truncated`.
    public mutating func finish() -> [Item] {
        var items: [Item] = []
        ending = true
        defer { ending = false }
        while true {
            while let item = next() { items.append(item) }
            // `next()` stopped at an incomplete candidate, or ran out of bytes.
            guard buffer.count - start >= 2 else { break }
            if buffer[start] == 0xB5 && buffer[start + 1] == 0x62 {
                items.append(.error(FormatError(.truncated, "stream ends inside a UBX frame (\(buffer.count - start) bytes left)",
                                                at: .byteOffset(base + start))))
            }
            start += 1
            bytesSkipped += 1
        }
        bytesSkipped += buffer.count - start
        base += buffer.count
        buffer.removeAll()
        start = 0
        return items
    }
}
