import DPCLink
import NIOCore
import NIOEmbedded

/// The DPC link's framing, as a peer's bytes reach it: before authentication (frames of at most the handshake
/// limit), the input in small pieces; after it (the full limit), all at once; then the end of the connection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    feed(bytes, piece: 61, limit: LinkFrameLimit())
    feed(bytes, piece: max(size, 1), limit: LinkFrameLimit(bodyBytes: LinkFrame.maximumBodyLength))
    return 0
}

private func feed(_ bytes: UnsafeRawBufferPointer, piece: Int, limit: LinkFrameLimit) {
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(LinkFrameDecoder(limit: limit)))
    do {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + piece)
            var buffer = channel.allocator.buffer(capacity: end - start)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            try channel.writeInbound(buffer)
            while try channel.readInbound(as: LinkFrame.self) != nil {}
            start = end
        }
        _ = try channel.finish(acceptAlreadyClosed: true)
    } catch {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }
}
