import GatewayControl

/// Control-socket requests: the input cut into lines at line feeds, as the socket reads them, each parsed as the
/// server parses it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
        if let request = ControlProtocol.Request(line: Array(line)) {
            _ = request.command.count + (request.station?.count ?? 0)
        }
    }
    return 0
}
