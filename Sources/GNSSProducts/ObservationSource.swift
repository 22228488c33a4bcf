import GNSSCore
import GNSSFormats

/// A time-ordered stream of observation epochs from a recorded file.
public protocol ObservationSource: AnyObject {
    var name: String { get }
    /// The next epoch with observations (event records are skipped), or nil at the end.
    func next() throws(FormatError) -> ObservationEpoch?
    /// Receiver position from the file's header or stream, when it has one.
    var approximatePosition: ECEF? { get }
    /// Decode problems met so far.
    var problems: [FormatError] { get }
    /// Broadcast ephemerides the stream carried since the last call (RTCM, UBX); none for RINEX.
    func takeEphemerides() -> [Ephemeris]
    /// The receiver antenna's type (antenna and radome, as RINEX writes it) and its reference point from the
    /// marker, when the file says.
    var antenna: ReceiverAntenna? { get }
}

/// A receiver antenna as an observation file's header describes it.
public struct ReceiverAntenna: Sendable, Hashable {
    public var type: String
    /// Antenna reference point from the marker: east, north, up (m).
    public var eccentricity: ENU

    public init(type: String, eccentricity: ENU) {
        self.type = type
        self.eccentricity = eccentricity
    }
}

extension ObservationSource {
    public func takeEphemerides() -> [Ephemeris] { [] }
    public var antenna: ReceiverAntenna? { nil }
}

/// Observation epochs and ephemerides from an RTCM 3 capture.
public final class RTCM3ObservationSource: ObservationSource {
    private let reader: RTCM3EpochReader
    public let name: String

    public init(path: String) throws(FormatError) {
        reader = try RTCM3EpochReader(path: path)
        name = path
    }

    public func next() throws(FormatError) -> ObservationEpoch? { try reader.next() }
    public var approximatePosition: ECEF? { reader.stationPosition }
    public var problems: [FormatError] { reader.errors }
    public func takeEphemerides() -> [Ephemeris] { reader.takeEphemerides() }
    /// Known once the stream's 1007/1008/1033 frames have been read. A stream's coordinates (1005/1006) are the
    /// antenna reference point's, so no eccentricity applies (1006's height only says where the marker is).
    public var antenna: ReceiverAntenna? {
        reader.antennaDescriptor.map { ReceiverAntenna(type: $0, eccentricity: ENU(east: 0, north: 0, up: 0)) }
    }
}

/// Observation epochs from RINEX (plain, Hatanaka, gzip).
public final class RINEXObservationSource: ObservationSource {
    private let reader: RINEXObservationReader
    public let name: String

    /// `systems`: the systems to read, nil for all (see `RINEXObservationReader.systems`).
    public init(path: String, systems: Set<GNSSSystem>? = nil) throws(FormatError) {
        reader = try RINEXObservationReader(path: path)
        reader.systems = systems
        name = path
    }

    public func next() throws(FormatError) -> ObservationEpoch? {
        while let e = try reader.next() {
            if e.flag == .ok || e.flag == .powerFailure { return e }
        }
        return nil
    }

    public var approximatePosition: ECEF? { reader.header.approximatePosition }
    public var problems: [FormatError] { reader.errors }
    public var antenna: ReceiverAntenna? {
        let h = reader.header
        return ReceiverAntenna(type: h.antennaType, eccentricity: h.antennaDelta)
    }
}

/// Opens an observation file of any supported kind.
public enum ObservationSources {
    /// `systems`: those a RINEX file's records are read for, nil for all (a stream's are all decoded).
    public static func open(_ path: String, systems: Set<GNSSSystem>? = nil) throws(FormatError) -> ObservationSource {
        let kind = FileKind.detect(try FileByteSource.peek(path: path))
        switch kind {
        case .rinexObservation, .hatanaka: return try RINEXObservationSource(path: path, systems: systems)
        case .rtcm3: return try RTCM3ObservationSource(path: path)
        default: throw FormatError(.format, "not an observation file (\(kind.rawValue))", file: path)
        }
    }
}
