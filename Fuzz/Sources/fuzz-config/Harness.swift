import Gateway

/// A gateway configuration file's text: YAML parsing and every setting's checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let outcome = ConfigurationLoader.parse(text, file: "gateway.yaml")
    _ = outcome.problems.count + outcome.warnings.count
    return 0
}
