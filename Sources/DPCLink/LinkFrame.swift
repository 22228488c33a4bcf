import NIOCore

/// The messages of the gateway–DPC link, over TCP. Each frame is a type byte,
/// a big-endian UInt32 body length and the body.
///
/// 1. DPC → gateway `hello`: protocol version and a 32-byte random challenge.
///    Its layout is the same in every version, so each side can tell a peer
///    speaking another version and refuse it by name.
/// 2. gateway → DPC `authenticate`: its protocol version, its spool's
///    generation and the last sequence number it has used, its id, its own
///    challenge, and an HMAC-SHA256 over both challenges, the id and the
///    generation under the shared key.
/// 3. DPC → gateway `welcome`: the DPC's own HMAC proving it holds the key too,
///    and the last sequence number it has stored for this gateway and
///    generation; or `refused`.
/// 4. gateway → DPC `record`s (sequence number + encoded `CorrectionRecord`),
///    DPC → gateway `acknowledge` (every record up to this sequence is on disk).
///    A gateway with nothing to send sends `keepalive`, which the DPC answers.
/// 5. DPC → gateway `corrections` (a sequence number of the DPC's own and the RTCM 3 SSR frames of one epoch of its
///    network processing), gateway → DPC `correctionsAcknowledge` (every correction up to this sequence taken). A
///    gateway that reconnects is sent the corrections the DPC still holds after the last it acknowledged.
///
/// Before authentication only frames of up to `handshakeBodyLimit` bytes are
/// accepted; after it, up to `maximumBodyLength`.
public enum LinkFrame: Sendable, Equatable {
    case hello(version: UInt8, challenge: [UInt8])
    case authenticate(version: UInt8, gateway: String, generation: UInt64, lastSequence: UInt64, challenge: [UInt8], proof: [UInt8])
    case welcome(proof: [UInt8], lastSequence: UInt64)
    case refused(reason: String)
    case record(sequence: UInt64, body: [UInt8])
    case acknowledge(sequence: UInt64)
    case keepalive
    case corrections(sequence: UInt64, rtcm: [UInt8])
    case correctionsAcknowledge(sequence: UInt64)

    /// 2: spool generations, the gateway's last sequence in `authenticate`, keep-alives. 3: corrections from the DPC.
    public static let protocolVersion: UInt8 = 3
    /// Frames larger than this are a protocol error (a record is at most a few RTCM frames per system).
    public static let maximumBodyLength = 4 << 20
    /// The largest frame of the handshake (`authenticate` with a 255-byte id is 337 bytes), the limit
    /// until the peer has authenticated.
    public static let handshakeBodyLimit = 512
    /// The largest frame a gateway accepts from the DPC, from the first byte on: the DPC's frames are the handshake's,
    /// acknowledgements and one epoch's corrections (a few kilobytes).
    public static let fromDPCBodyLimit = 64 << 10
    /// The longest refusal reason sent, in bytes, so a refusal always fits the handshake limit.
    static let reasonLimit = 256

    var typeCode: UInt8 {
        switch self {
        case .hello: 1
        case .authenticate: 2
        case .welcome: 3
        case .refused: 4
        case .record: 5
        case .acknowledge: 6
        case .keepalive: 7
        case .corrections: 8
        case .correctionsAcknowledge: 9
        }
    }

    func writeBody(into b: inout ByteBuffer) {
        switch self {
        case .hello(let version, let challenge):
            b.writeInteger(version)
            b.writeBytes(challenge)
        case .authenticate(let version, let gateway, let generation, let last, let challenge, let proof):
            b.writeInteger(version)
            b.writeInteger(generation)
            b.writeInteger(last)
            let id = Array(gateway.utf8.prefix(255))
            b.writeInteger(UInt8(id.count))
            b.writeBytes(id)
            b.writeBytes(challenge)
            b.writeBytes(proof)
        case .welcome(let proof, let last):
            b.writeBytes(proof)
            b.writeInteger(last)
        case .refused(let reason):
            b.writeBytes(reason.utf8.prefix(Self.reasonLimit))
        case .record(let sequence, let body):
            b.writeInteger(sequence)
            b.writeBytes(body)
        case .acknowledge(let sequence):
            b.writeInteger(sequence)
        case .keepalive:
            break
        case .corrections(let sequence, let rtcm):
            b.writeInteger(sequence)
            b.writeBytes(rtcm)
        case .correctionsAcknowledge(let sequence):
            b.writeInteger(sequence)
        }
    }

    static func parse(type: UInt8, body b: inout ByteBuffer) throws(LinkProtocolError) -> LinkFrame {
        switch type {
        case 1:
            guard let v = b.readInteger(as: UInt8.self), let c = b.readBytes(length: 32) else { throw .malformed("hello") }
            return .hello(version: v, challenge: c)
        case 2:
            guard let version = b.readInteger(as: UInt8.self) else { throw .malformed("authenticate") }
            guard version == protocolVersion else { throw .version(version) }
            guard let generation = b.readInteger(as: UInt64.self), let last = b.readInteger(as: UInt64.self),
                  let n = b.readInteger(as: UInt8.self), let id = b.readString(length: Int(n)),
                  let c = b.readBytes(length: 32), let p = b.readBytes(length: 32) else { throw .malformed("authenticate") }
            return .authenticate(version: version, gateway: id, generation: generation, lastSequence: last, challenge: c, proof: p)
        case 3:
            guard let p = b.readBytes(length: 32), let last = b.readInteger(as: UInt64.self) else { throw .malformed("welcome") }
            return .welcome(proof: p, lastSequence: last)
        case 4:
            return .refused(reason: b.readString(length: b.readableBytes) ?? "")
        case 5:
            guard let s = b.readInteger(as: UInt64.self) else { throw .malformed("record") }
            return .record(sequence: s, body: b.readBytes(length: b.readableBytes) ?? [])
        case 6:
            guard let s = b.readInteger(as: UInt64.self) else { throw .malformed("acknowledge") }
            return .acknowledge(sequence: s)
        case 7:
            return .keepalive
        case 8:
            guard let s = b.readInteger(as: UInt64.self) else { throw .malformed("corrections") }
            return .corrections(sequence: s, rtcm: b.readBytes(length: b.readableBytes) ?? [])
        case 9:
            guard let s = b.readInteger(as: UInt64.self) else { throw .malformed("corrections acknowledgement") }
            return .correctionsAcknowledge(sequence: s)
        default:
            throw .malformed("unknown frame type \(type)")
        }
    }

    static func isKnownType(_ type: UInt8) -> Bool { (1...9).contains(type) }
}

public enum LinkProtocolError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    case tooLarge(Int)
    case unexpected(String)
    case authentication(String)
    case version(UInt8)

    public var description: String {
        switch self {
        case .malformed(let what): "malformed \(what) frame"
        case .tooLarge(let n): "frame of \(n) bytes exceeds the limit"
        case .unexpected(let what): "unexpected \(what)"
        case .authentication(let why): "authentication failed: \(why)"
        case .version(let theirs): "the peer speaks link protocol \(theirs), this side \(LinkFrame.protocolVersion)"
        }
    }
}

/// Frames link messages onto the TCP stream.
public struct LinkFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = LinkFrame
    public init() {}

    public func encode(data: LinkFrame, out: inout ByteBuffer) throws {
        out.writeInteger(data.typeCode)
        let lengthIndex = out.writerIndex
        out.writeInteger(UInt32(0))
        let start = out.writerIndex
        data.writeBody(into: &out)
        out.setInteger(UInt32(out.writerIndex - start), at: lengthIndex)
    }
}

/// The largest frame body a connection accepts now: `LinkFrame.handshakeBodyLimit` until the peer has
/// authenticated, then `LinkFrame.maximumBodyLength`. Shared by one connection's decoder and handler on
/// its event loop.
public final class LinkFrameLimit {
    public var bodyBytes: Int

    public init(bodyBytes: Int = LinkFrame.handshakeBodyLimit) { self.bodyBytes = bodyBytes }
}

/// Cuts link messages out of the TCP stream. A frame of an unknown type or longer than the connection's
/// current limit is refused from its 5-byte header, before its body is buffered; so is a partial frame
/// left at the end of the stream.
public struct LinkFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = LinkFrame
    private let limit: LinkFrameLimit

    public init(limit: LinkFrameLimit = LinkFrameLimit()) { self.limit = limit }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
        guard LinkFrame.isKnownType(type) else { throw LinkProtocolError.malformed("unknown frame type \(type)") }
        guard buffer.readableBytes >= 5,
              let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self) else { return .needMoreData }
        guard Int(length) <= limit.bodyBytes else { throw LinkProtocolError.tooLarge(Int(length)) }
        guard buffer.readableBytes >= 5 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 5)
        guard var body = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(try LinkFrame.parse(type: type, body: &body)))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            let left = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: left)
            throw LinkProtocolError.malformed("partial frame (\(left) bytes) at the end of the connection")
        }
        return .needMoreData
    }
}
