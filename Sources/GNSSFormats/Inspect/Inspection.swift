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
        case .rtcm3: try RTCM3Inspector.inspect(path: path, sink: sink)
        case .rinexObservation, .hatanaka: try RINEXObservationInspector.inspect(path: path, sink: sink)
        case .rinexNavigation: try RINEXNavigationInspector.inspect(path: path, sink: sink)
        case .sp3: try SP3Inspector.inspect(path: path, sink: sink)
        case .rinexClock: try RINEXClockInspector.inspect(path: path, sink: sink)
        case .ubx: try UBXInspector.inspect(path: path, sink: sink)
        case .unknown:
            throw FormatError(.format, "not a recognised GNSS format (RINEX, Hatanaka, SP3, RINEX clock, RTCM 3, UBX)", file: path)
        }
        return kind
    }
}
