import GNSSCore
import GNSSFormats

/// What a station's byte stream carries, once framed and decoded.
enum StreamEvent {
    /// A frame of this message type arrived (`1077`, `UBX-RXM-RAWX`), whether or not it decodes.
    case frame(String)
    case epoch(ObservationEpoch)
    case ephemeris(Ephemeris)
    case stationPosition(ECEF)
    case descriptors(StationDescriptors)
    /// The MSM station id, for the corrections.
    case stationID(Int)
    case problem(FormatError)
    /// Satellite segment: a LEO broadcast ephemeris, a LEO satellite's onboard GNSS epoch, and frames for the DPC.
    case leoEphemeris(LEOEphemeris)
    case onboardEpoch(satellite: SatelliteID, ObservationEpoch)
    case downlink([UInt8], time: GNSSTime)
    /// A state-space correction message.
    case ssr(SSRMessage)
}

/// Framing and decoding of one station's stream, by format; epochs come out whole.
protocol StationStream {
    /// Feeds bytes; `reference` resolves truncated times (live: the stream's own, else the shared
    /// ephemerides', else the wall clock; replay: never the wall clock).
    mutating func ingest<C: Collection>(_ bytes: C, reference: () -> GNSSTime?, events: inout [StreamEvent]) where C.Element == UInt8
    /// The epoch still open (its closing message lost or the stream ended).
    mutating func flush() -> ObservationEpoch?
    /// At the end of the input: what was left unfinished.
    mutating func finish(events: inout [StreamEvent])
    /// Bytes skipped outside valid frames so far.
    var bytesSkipped: Int { get }
    /// Whether an epoch is being assembled.
    var epochOpen: Bool { get }
    /// The whole frames read since the last call, for streams made to keep them.
    mutating func takeFrames() -> [UInt8]
}

extension StationStream {
    mutating func takeFrames() -> [UInt8] { [] }
}

/// RTCM 3: MSM epochs (closed by the multiple-message bit), ephemerides, station coordinates and descriptors.
struct RTCM3StationStream: StationStream {
    private var decoder = RTCM3StreamDecoder()
    private var decoded: [RTCM3StreamEvent] = []

    /// `keepsFrames`: every whole frame is also kept as it came, to be relayed (a corrections stream's mountpoint).
    init(keepsFrames: Bool = false) {
        decoder.keepsFrames = keepsFrames
    }

    mutating func takeFrames() -> [UInt8] { decoder.takeFrames() }

    var bytesSkipped: Int { decoder.bytesSkipped }
    var epochOpen: Bool { decoder.epochOpen }

    mutating func ingest<C: Collection>(_ bytes: C, reference: () -> GNSSTime?, events: inout [StreamEvent]) where C.Element == UInt8 {
        decoder.ingest(bytes, reference: reference, events: &decoded)
        forward(to: &events)
    }

    private mutating func forward(to events: inout [StreamEvent]) {
        for event in decoded {
            switch event {
            case .frame(let type): events.append(.frame(String(type)))
            case .epoch(let e): events.append(.epoch(e))
            case .ephemeris(let e): events.append(.ephemeris(e))
            case .stationPosition(let p): events.append(.stationPosition(p))
            case .descriptors(let d): events.append(.descriptors(d))
            case .stationID(let id): events.append(.stationID(id))
            case .problem(let e): events.append(.problem(e))
            case .ssr(let m): events.append(.ssr(m))
            }
        }
        decoded.removeAll(keepingCapacity: true)
    }

    mutating func flush() -> ObservationEpoch? { decoder.flush() }

    mutating func finish(events: inout [StreamEvent]) {
        decoder.finish(events: &decoded)
        forward(to: &events)
    }
}

/// u-blox UBX: one epoch per RXM-RAWX, ephemerides from RXM-SFRBX navigation words.
struct UBXStationStream: StationStream {
    private var framer = UBXFramer()
    private var converter = UBXObservationConverter()
    private var navigation = UBXNavigationDecoder()
    private var lastTime: GNSSTime?
    let epochOpen = false

    var bytesSkipped: Int { framer.bytesSkipped }

    mutating func ingest<C: Collection>(_ bytes: C, reference: () -> GNSSTime?, events: inout [StreamEvent]) where C.Element == UInt8 {
        framer.append(bytes)
        while let item = framer.next() { handle(item, &events) }
    }

    private mutating func handle(_ item: UBXFramer.Item, _ events: inout [StreamEvent]) {
        guard case .frame(let f) = item else {
            if case .error(let e) = item { events.append(.problem(e)) }
            return
        }
        events.append(.frame("UBX-" + f.name))
        do {
            switch try UBXMessage.decode(f) {
            case .rawMeasurements(let raw):
                let epoch = converter.epoch(raw)
                lastTime = epoch.time
                events.append(.epoch(epoch))
            case .subframe(let s):
                if let e = navigation.add(s, near: lastTime) { events.append(.ephemeris(e)) }
            default:
                break
            }
        } catch {
            events.append(.problem(FormatError(error.kind, "\(f.name): \(error.message)", at: .byteOffset(f.offset))))
        }
    }

    mutating func flush() -> ObservationEpoch? { nil }

    mutating func finish(events: inout [StreamEvent]) {
        for item in framer.finish() { handle(item, &events) }
    }
}
