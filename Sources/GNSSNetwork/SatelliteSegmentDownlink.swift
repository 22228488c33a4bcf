import GNSSCore
import GNSSFormats
import GNSSOrbits

/// The satellite segment's downlink as the DPC receives it, forwarded by a gateway: RTCM 3 records of the LEO
/// satellites' broadcast ephemerides (4058/1) and of their onboard receivers' MSM observations, each satellite under
/// the reference station id of its number. Read into ephemerides and whole onboard epochs.
struct SatelliteSegmentDownlink: Sendable {
    private var framer = RTCM3Framer()
    private var decoder = RTCM3Decoder()
    /// One epoch assembler per LEO satellite; bounded by `maximumSatellites`.
    private var assemblers: [Int: MSMEpochAssembler] = [:]
    static let maximumSatellites = 1024

    /// Whether a record carries a LEO broadcast ephemeris (4058/1), which only the segment sends: what tells the
    /// downlink from a reference station (whose records may carry its own LEO observations, 4058/7).
    static func carriesSegmentMessages(_ rtcm: [UInt8]) -> Bool {
        var framer = RTCM3Framer()
        framer.append(rtcm)
        while let item = framer.next() {
            if case .frame(let f) = item, f.messageType == RTCM3LEO.messageType, RTCM3LEO.subtype(ofPayload: f.payload[...]) == 1 {
                return true
            }
        }
        return false
    }

    /// One forwarded record, stamped `time` (which resolves MSM times before the first ephemeris).
    mutating func add(_ rtcm: [UInt8], time: GNSSTime) -> (ephemerides: [LEOEphemeris], epochs: [(SatelliteID, ObservationEpoch)]) {
        var ephemerides: [LEOEphemeris] = []
        var epochs: [(SatelliteID, ObservationEpoch)] = []
        framer.append(rtcm)
        var touched: Set<Int> = []
        while let item = framer.next() {
            guard case .frame(let frame) = item else { continue }
            switch try? decoder.decode(frame) {
            case .leoEphemeris(let e)?:
                ephemerides.append(e)
            case .msm(let msm)?:
                guard assemblers[msm.stationID] != nil || assemblers.count < Self.maximumSatellites else { continue }
                var assembler = assemblers[msm.stationID] ?? MSMEpochAssembler()
                for epoch in assembler.add(msm, reference: decoder.referenceTime ?? time) {
                    epochs.append((SatelliteID(.leo, msm.stationID), epoch))
                }
                assemblers[msm.stationID] = assembler
                touched.insert(msm.stationID)
            default:
                break
            }
        }
        // A record is one whole onboard epoch: what is still open is closed with it.
        for id in touched.sorted() {
            if let epoch = assemblers[id]?.flush() { epochs.append((SatelliteID(.leo, id), epoch)) }
        }
        return (ephemerides, epochs)
    }
}
