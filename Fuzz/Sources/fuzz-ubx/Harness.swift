import GNSSCore
import GNSSFormats

/// UBX as a station receives it: frames (and NMEA between them), the messages decoded, RXM-RAWX turned into
/// epochs and RXM-SFRBX navigation words into ephemerides, fed in datagram-sized pieces, then the end of the
/// stream. The input is decoded as it is, then once more with every frame's checksum made right, so that changed
/// message contents reach the decoders rather than stopping at the checksum.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    decode(bytes)
    let repaired = withChecksums(bytes)
    if repaired != bytes { decode(repaired) }
    return 0
}

private func decode(_ bytes: [UInt8]) {
    var stream = Stream()
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + 1024)
        stream.framer.append(bytes[start..<end])
        while let item = stream.framer.next() { stream.handle(item) }
        start = end
    }
    for item in stream.framer.finish() { stream.handle(item) }
}

/// The bytes with the Fletcher-8 checksum of each frame found (sync 0xB5 0x62, 16-bit length) set to its
/// contents' checksum.
private func withChecksums(_ input: [UInt8]) -> [UInt8] {
    var b = input
    var i = 0
    while i + 6 <= b.count {
        guard b[i] == 0xB5, b[i + 1] == 0x62 else { i += 1; continue }
        let end = i + 6 + (Int(b[i + 4]) | Int(b[i + 5]) << 8)
        guard end + 2 <= b.count else { i += 1; continue }
        (b[end], b[end + 1]) = UBXFramer.checksum(b[(i + 2)..<end])
        i = end + 2
    }
    return b
}

private struct Stream {
    var framer = UBXFramer()
    var converter = UBXObservationConverter()
    var navigation = UBXNavigationDecoder()
    /// Until the stream's own RXM-RAWX gives a time: one, so the navigation words that need a week are decoded too.
    var lastTime: GNSSTime? = GNSSTime(gpsWeek: 2100, secondOfWeek: 302_400)
    var ephemerides = 0

    mutating func handle(_ item: UBXFramer.Item) {
        guard case .frame(let frame) = item else { return }
        _ = frame.name
        guard let message = try? UBXMessage.decode(frame) else { return }
        switch message {
        case .rawMeasurements(let raw):
            lastTime = converter.epoch(raw).time
        case .subframe(let s):
            if navigation.add(s, near: lastTime) != nil { ephemerides += 1 }
        default:
            break
        }
    }
}
