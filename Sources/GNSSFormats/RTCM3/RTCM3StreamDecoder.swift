import GNSSCore

/// What an RTCM 3 stream carries, frame by frame, in the order it arrives.
public enum RTCM3StreamEvent: Sendable {
    /// A frame of this message type arrived, whether or not it decodes.
    case frame(Int)
    /// An epoch's observation messages complete (closed by the MSM multiple-message bit or the legacy synchronous
    /// flag, or by a message of a later time).
    case epoch(ObservationEpoch)
    case ephemeris(Ephemeris)
    /// Antenna reference point from 1005/1006.
    case stationPosition(ECEF)
    case descriptors(StationDescriptors)
    /// The station id of an MSM or legacy observation message.
    case stationID(Int)
    case problem(FormatError)
    /// A state-space correction message (RTCM 3 or IGS SSR).
    case ssr(SSRMessage)
}

/// Framing, decoding and epoch assembly of one RTCM 3 stream: bytes in, events out in stream order. Live stations
/// and recorded captures both read their RTCM 3 through it, so a capture read from a file gives the epochs, and the
/// ephemerides before each, that the station received live.
public struct RTCM3StreamDecoder: Sendable {
    private var framer = RTCM3Framer()
    private var decoder = RTCM3Decoder()
    private var assembler = MSMEpochAssembler()
    /// Whether an epoch is being assembled (the last MSM had its multiple-message bit set).
    public private(set) var epochOpen = false
    /// Whether every whole frame is also kept as it came, for `takeFrames()` (a stream relayed onwards).
    public var keepsFrames = false
    private var kept: [UInt8] = []

    public init() {}

    /// The whole frames (preamble to CRC) read since the last call, when `keepsFrames` is set.
    public mutating func takeFrames() -> [UInt8] {
        defer { kept.removeAll(keepingCapacity: true) }
        return kept
    }

    /// Bytes skipped outside valid frames so far.
    public var bytesSkipped: Int { framer.bytesSkipped }

    /// Feeds bytes; `reference` resolves MSM times of week until the stream's own ephemerides give the week.
    public mutating func ingest<C: Collection>(_ bytes: C, reference: () -> GNSSTime? = { nil },
                                               events: inout [RTCM3StreamEvent]) where C.Element == UInt8 {
        framer.append(bytes)
        while let item = framer.next() {
            switch item {
            case .error(let e): events.append(.problem(e))
            case .frame(let frame): decode(frame, reference: reference, events: &events)
            }
        }
    }

    private mutating func decode(_ frame: RTCM3Frame, reference: () -> GNSSTime?, events: inout [RTCM3StreamEvent]) {
        events.append(.frame(frame.messageType))
        if keepsFrames { kept += frame.bytes }
        do {
            switch try decoder.decode(frame) {
            case .msm(let msm):
                events.append(.stationID(msm.stationID))
                for e in assembler.add(msm, reference: decoder.referenceTime ?? reference()) { events.append(.epoch(e)) }
                epochOpen = msm.multipleMessage
            case .legacyObservations(let l):
                events.append(.stationID(l.stationID))
                for e in assembler.add(l, reference: decoder.referenceTime ?? reference()) { events.append(.epoch(e)) }
                epochOpen = l.synchronous
            case .ephemeris(let e, _):
                if case .glonass(let g) = e { assembler.glonassChannels[g.satellite.prn] = g.frequencyChannel }
                events.append(.ephemeris(e))
            case .stationCoordinates(let s): events.append(.stationPosition(s.position))
            case .descriptors(let d): events.append(.descriptors(d))
            case .ssr(let m): events.append(.ssr(m))
            default: break
            }
        } catch {
            events.append(.problem(error))
        }
    }

    /// The epoch still open (its closing message lost, or the stream ended).
    public mutating func flush() -> ObservationEpoch? {
        epochOpen = false
        return assembler.flush()
    }

    /// At the end of the stream: a frame left unfinished.
    public mutating func finish(events: inout [RTCM3StreamEvent]) {
        if let e = framer.finish() { events.append(.problem(e)) }
    }
}
