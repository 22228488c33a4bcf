import GNSSCore
import GNSSFormats

/// RTCM 3 as a station receives it: framing, message decoding and MSM epoch assembly, fed in datagram-sized
/// pieces, then the end of the stream. The input is decoded as it is, then once more with every frame's CRC made
/// right, so that changed message contents reach the decoders rather than stopping at the checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    decode(bytes)
    let repaired = withCRCs(bytes)
    if repaired != bytes { decode(repaired) }
    return 0
}

private func decode(_ bytes: [UInt8]) {
    var decoder = RTCM3StreamDecoder()
    var events: [RTCM3StreamEvent] = []
    let reference = GNSSTime(gpsWeek: 2100, secondOfWeek: 302_400)
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + 1024)
        decoder.ingest(bytes[start..<end], reference: { reference }, events: &events)
        start = end
    }
    decoder.finish(events: &events)
    _ = decoder.flush()
}

/// The bytes with the CRC-24Q of each frame found (preamble 0xD3, 10-bit length) set to its contents' CRC.
private func withCRCs(_ input: [UInt8]) -> [UInt8] {
    var b = input
    var i = 0
    while i + 3 <= b.count {
        guard b[i] == 0xD3 else { i += 1; continue }
        let length = Int(b[i + 1] & 0x03) << 8 | Int(b[i + 2])
        let end = i + 3 + length
        guard end + 3 <= b.count else { i += 1; continue }
        let crc = CRC24Q.checksum(b[i..<end])
        b[end] = UInt8(crc >> 16 & 0xFF)
        b[end + 1] = UInt8(crc >> 8 & 0xFF)
        b[end + 2] = UInt8(crc & 0xFF)
        i = end + 3
    }
    return b
}
