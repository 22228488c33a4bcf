@_spi(Fuzzing) import Gateway

/// NTRIP text from the network: the first byte's low bit chooses what the rest is. Set: a caster's answer to the
/// client, fed to its parser in pieces whose sizes the next bytes give (as reads split it). Clear: a client's request
/// head, read as the caster reads it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    if selector & 1 == 0 {
        _ = NTRIPParsing.request(Array(bytes.dropFirst()))
        return 0
    }
    // Up to four piece sizes (1–256 bytes), then the answer; what is left after the sizes runs out goes whole.
    let sizes = bytes.dropFirst().prefix(4).map { Int($0) + 1 }
    var rest = bytes.dropFirst(1 + sizes.count)
    var pieces: [ArraySlice<UInt8>] = []
    for n in sizes where !rest.isEmpty {
        pieces.append(rest.prefix(n))
        rest = rest.dropFirst(n)
    }
    if !rest.isEmpty { pieces.append(rest) }
    _ = NTRIPParsing.answer(pieces)
    return 0
}
