import GNSSCore
import GNSSFormats

/// The satellite segment's downlink (`format: leo`): RTCM 3 frames carrying
/// the LEO satellites' broadcast ephemerides (4058/1) and their onboard GNSS
/// receivers' MSM observations, one reference station id per LEO satellite
/// (its number). Ephemerides go to the shared LEO store; every frame is kept
/// for the DPC, one record per ephemeris and per completed onboard epoch.
struct SatelliteSegmentStream: StationStream {
    private var framer = RTCM3Framer()
    private var decoder = RTCM3Decoder()
    /// Per LEO satellite (its station id): the epoch being assembled and its frames so far.
    private var onboard: [Int: (assembler: MSMEpochAssembler, frames: [UInt8])] = [:]

    var bytesSkipped: Int { framer.bytesSkipped }
    /// Onboard epochs close with their last message or when the satellite's next epoch begins; none is flushed on a timeout.
    let epochOpen = false

    mutating func ingest<C: Collection>(_ bytes: C, reference: () -> GNSSTime?, events: inout [StreamEvent]) where C.Element == UInt8 {
        framer.append(bytes)
        while let item = framer.next() {
            switch item {
            case .error(let e): events.append(.problem(e))
            case .frame(let frame):
                events.append(.frame(Self.label(frame)))
                do {
                    switch try decoder.decode(frame) {
                    case .leoEphemeris(let e):
                        // The decoder takes the ephemeris' full GPS time as its reference for the MSMs that follow.
                        events.append(.leoEphemeris(e))
                        events.append(.downlink(frame.bytes, time: e.reference - e.halfWidth))
                    case .msm(let msm):
                        var entry = onboard[msm.stationID] ?? (MSMEpochAssembler(), [])
                        entry.frames += frame.bytes
                        let epochs = entry.assembler.add(msm, reference: decoder.referenceTime ?? reference())
                        if let epoch = epochs.last {
                            events.append(.onboardEpoch(satellite: SatelliteID(.leo, msm.stationID), epoch))
                            events.append(.downlink(entry.frames, time: epoch.time))
                            entry.frames = []
                        }
                        onboard[msm.stationID] = entry
                    case .ephemeris(let e, _):
                        events.append(.ephemeris(e))
                    default:
                        break
                    }
                } catch {
                    events.append(.problem(error))
                }
            }
        }
    }

    mutating func flush() -> ObservationEpoch? { nil }

    mutating func finish(events: inout [StreamEvent]) {
        if let e = framer.finish() { events.append(.problem(e)) }
    }

    /// `4058/1`-style labels for this project's LEO messages, the message number for the rest.
    static func label(_ frame: RTCM3Frame) -> String {
        guard frame.messageType == RTCM3LEO.messageType, let subtype = RTCM3LEO.subtype(ofPayload: frame.payload[...]) else {
            return String(frame.messageType)
        }
        return "\(frame.messageType)/\(subtype)"
    }
}
