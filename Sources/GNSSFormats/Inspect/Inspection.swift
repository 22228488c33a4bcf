/// Entry point of `gatewayd inspect`: recognises a file's format by content
/// and hands it to that format's inspector.
public enum Inspection {
    /// Decodes the file at `path` into `sink`; returns the kind it recognised.
    /// Throws only when the file cannot be read at all or its format is unknown;
    /// decode errors inside a file go to the sink and decoding goes on.
    @discardableResult
    public static func inspect(path: String, sink: InspectSink) throws(FormatError) -> FileKind {
        let head = try FileByteSource.peek(path: path)
        let kind = FileKind.detect(head)
        switch kind {
        case .unknown:
            throw FormatError("format", "not a recognised GNSS format (RINEX, Hatanaka, SP3, RTCM 3, UBX)", file: path)
        default:
            throw FormatError("format", "\(kind.rawValue) inspection is not available", file: path)
        }
    }
}
