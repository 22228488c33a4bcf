import GNSSFormats

/// A RINEX navigation file (2.x–4.x, every system), read from memory record by record to its end.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let lines = LineReader(name: "input", bytes: Array(UnsafeBufferPointer(start: data, count: size)))
    guard let reader = try? RINEXNavigationReader(lines: lines) else { return 0 }
    while true {
        do {
            guard try reader.next() != nil else { break }
        } catch {
            break
        }
    }
    return 0
}
