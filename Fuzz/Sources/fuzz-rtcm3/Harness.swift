import GNSSCore
import GNSSFormats

/// RTCM 3 as a station receives it: framing, message decoding and MSM epoch assembly, fed in datagram-sized
/// pieces, then the end of the stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var decoder = RTCM3StreamDecoder()
    var events: [RTCM3StreamEvent] = []
    let reference = GNSSTime(gpsWeek: 2100, secondOfWeek: 302_400)
    var start = 0
    while start < size {
        let end = min(size, start + 1024)
        decoder.ingest(bytes[start..<end], reference: { reference }, events: &events)
        start = end
    }
    decoder.finish(events: &events)
    _ = decoder.flush()
    return 0
}
