import GNSSCore

/// One RTCM 3 frame: the message body between the 3-byte header and the CRC.
public struct RTCM3Frame: Sendable, Hashable {
    /// The message body (starts with the 12-bit message number).
    public var payload: [UInt8]
    /// Offset of the frame's first byte (the 0xD3 preamble) in the stream.
    public var offset: Int

    public init(payload: [UInt8], offset: Int) {
        self.payload = payload
        self.offset = offset
    }

    /// The 12-bit message number (0 for an empty payload).
    public var messageType: Int {
        payload.count >= 2 ? Int(payload[0]) << 4 | Int(payload[1] >> 4) : 0
    }

    /// The whole frame as transmitted: preamble, length, payload, CRC.
    public var bytes: [UInt8] { RTCM3Framer.frame(payload) }
}

/// Incremental RTCM 3 frame synchroniser: feed it bytes in chunks of any
/// size (UDP datagrams, file reads), take out frames and errors. On a bad CRC
/// it skips only the preamble byte and searches again, so a good frame that
/// follows garbage or a damaged frame is never lost. Memory is bounded by one
/// maximum frame plus the last chunk.
public struct RTCM3Framer: Sendable {
    public enum Item: Sendable {
        case frame(RTCM3Frame)
        case error(FormatError)
    }

    private var buffer: [UInt8] = []
    private var start = 0
    /// Stream offset of `buffer[0]`.
    private var base = 0
    public private(set) var bytesSkipped = 0
    public private(set) var framesDecoded = 0
    public private(set) var crcErrors = 0
    /// Frames with an empty body (`D3 00 00 47 EA 4B`, sent by some casters to keep a connection open):
    /// valid, but they carry no message, so they are counted and not returned.
    public private(set) var emptyFrames = 0

    public init() {}

    public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        appendCompacting(bytes, to: &buffer, start: &start, base: &base)
    }

    /// The next frame or error, or nil when more bytes are needed.
    public mutating func next() -> Item? {
        while true {
            // Find a preamble.
            var skipped = 0
            while start < buffer.count && buffer[start] != 0xD3 { start += 1; skipped += 1 }
            bytesSkipped += skipped
            guard buffer.count - start >= 3 else { return nil }
            // Six reserved bits must be zero in the frames of RTCM 10403; a set bit is a false preamble.
            let b1 = buffer[start + 1]
            if b1 & 0xFC != 0 {
                start += 1
                bytesSkipped += 1
                continue
            }
            let length = Int(b1 & 0x03) << 8 | Int(buffer[start + 2])
            let total = 3 + length + 3
            guard buffer.count - start >= total else { return nil }
            let end = start + 3 + length
            let crc = UInt32(buffer[end]) << 16 | UInt32(buffer[end + 1]) << 8 | UInt32(buffer[end + 2])
            if CRC24Q.checksum(buffer[start..<end]) != crc {
                let offset = base + start
                start += 1
                bytesSkipped += 1
                crcErrors += 1
                // A false preamble inside other data is common; report only candidate frames that look like messages.
                if length >= 2 {
                    return .error(FormatError(.crc, "CRC mismatch for a \(length)-byte frame", at: .byteOffset(offset)))
                }
                continue
            }
            if length == 0 {
                start += total
                emptyFrames += 1
                continue
            }
            let frame = RTCM3Frame(payload: Array(buffer[(start + 3)..<end]), offset: base + start)
            start += total
            framesDecoded += 1
            return .frame(frame)
        }
    }

    /// At the end of the input: reports an unfinished frame, if any.
    public mutating func finish() -> FormatError? {
        guard let i = buffer[start...].firstIndex(of: 0xD3) else { return nil }
        let remaining = buffer.count - i
        buffer.removeAll()
        start = 0
        return remaining > 0 ? FormatError(.truncated, "stream ends inside a frame (\(remaining) bytes)", at: .byteOffset(base + i)) : nil
    }

    /// Builds a frame around a message body.
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0xD3, UInt8((payload.count >> 8) & 0x03), UInt8(payload.count & 0xFF)]
        out.append(contentsOf: payload)
        let crc = CRC24Q.checksum(out)
        out.append(UInt8(crc >> 16 & 0xFF))
        out.append(UInt8(crc >> 8 & 0xFF))
        out.append(UInt8(crc & 0xFF))
        return out
    }
}
