import GNSSCore
import GNSSFormats

/// UBX as a station receives it: frames (and NMEA between them), the messages decoded, RXM-RAWX turned into
/// epochs and RXM-SFRBX navigation words into ephemerides, fed in datagram-sized pieces, then the end of the stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var stream = Stream()
    var start = 0
    while start < size {
        let end = min(size, start + 1024)
        stream.framer.append(bytes[start..<end])
        while let item = stream.framer.next() { stream.handle(item) }
        start = end
    }
    for item in stream.framer.finish() { stream.handle(item) }
    return 0
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
