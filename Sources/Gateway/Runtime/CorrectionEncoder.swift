import GNSSCore
import GNSSFormats
import GNSSOrbits

/// Turns a reference station's cleaned epochs into the RTCM 3 frames forwarded
/// to the DPC: MSM7 observations every epoch; station coordinates (1006) and
/// antenna/receiver descriptors (1033) with the first epoch, every
/// `descriptorInterval` seconds and whenever the position changes; and every
/// broadcast ephemeris the first time the gateway sees it.
public struct CorrectionEncoder: Sendable {
    public var stationID: Int
    public var descriptors: StationDescriptors?
    public var descriptorInterval: Double = 10
    private var lastDescriptors: GNSSTime?
    private var lastPosition: ECEF?
    public private(set) var encodeErrors = 0

    public init(stationID: Int) {
        self.stationID = stationID
    }

    /// The frames for one epoch, concatenated.
    public mutating func encode(epoch: ObservationEpoch, position: ECEF?, newEphemerides: [Ephemeris]) -> [UInt8] {
        var out: [UInt8] = []
        let due = lastDescriptors.map { epoch.time - $0 >= descriptorInterval || epoch.time < $0 } ?? true
        if let position, due || position != lastPosition {
            out += RTCM3Encoder.frame(StationCoordinates(stationID: stationID, position: position, antennaHeight: 0).encode())
            var d = descriptors ?? StationDescriptors(stationID: stationID, antennaDescriptor: "")
            d.stationID = stationID
            out += RTCM3Encoder.frame(d.encode())
            lastDescriptors = epoch.time
            lastPosition = position
        }
        do {
            for f in try RTCM3Encoder.msmFrames(epoch: epoch, stationID: stationID, msmType: 7) { out += f }
        } catch {
            encodeErrors += 1
        }
        for e in newEphemerides {
            guard let body = try? RTCM3EphemerisCodec.encode(e) else { continue }
            out += RTCM3Encoder.frame(body)
        }
        return out
    }
}
