import GNSSFormats

/// A RINEX observation file (2.x–4.x, or Hatanaka-compressed), read from memory epoch by epoch to its end.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let lines = LineReader(name: "input", bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    guard let reader = try? RINEXObservationReader(lines: lines) else { return 0 }
    while true {
        do {
            guard try reader.next() != nil else { break }
        } catch {
            break
        }
    }
    return 0
}
