import GNSSCore
import GNSSFormats
import GNSSOrbits

/// A simulated ground station's RTCM 3 stream, as a receiver with a caster
/// would send it: per epoch, the broadcast ephemerides that came into use
/// (and all of them again every `ephemerisInterval`, so a late listener
/// catches up), 1005 station coordinates every `coordinatesInterval` for a
/// station that does not move, then the MSM7 observations of every system,
/// LEO included, chained by the multiple-message bit.
public struct StationStreamWriter {
    public let stationID: Int
    public let ephemerides: EphemerisStore?
    public let position: ECEF?
    public var ephemerisInterval = 60.0
    public var coordinatesInterval = 10.0
    /// The ephemeris last sent per satellite and navigation message (Galileo's I/NAV and F/NAV both travel, as a real
    /// receiver's stream carries them: SSR corrections refer to I/NAV).
    private var sent: [SatelliteID: [NavigationMessage?: Ephemeris]] = [:]
    private var lastRepeat: GNSSTime?
    private var lastCoordinates: GNSSTime?

    /// `ephemerides`: the broadcast ephemerides to carry (nil: none); `position`: the antenna of a fixed station.
    public init(stationID: Int, ephemerides: EphemerisStore?, position: ECEF?) {
        self.stationID = stationID
        self.ephemerides = ephemerides
        self.position = position
    }

    /// The stream of a scenario's station: its id, and its position when it does not move.
    public init(station: SimulatedStation, ephemerides: EphemerisStore?) {
        let fixed: ECEF? = if case .fixed(let p) = station.trajectory { p } else { nil }
        self.init(stationID: station.stationID, ephemerides: ephemerides, position: fixed)
    }

    /// The epoch's frames, in the order they are sent.
    public mutating func frames(for epoch: ObservationEpoch) throws(FormatError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let t = epoch.time
        if let store = ephemerides {
            let repeatAll = lastRepeat.map { t - $0 >= ephemerisInterval } ?? true
            if repeatAll { lastRepeat = t }
            for sat in store.satellites {
                let messages: [NavigationMessage?] = sat.system == .galileo ? [.inav, .fnav] : [nil]
                for message in messages {
                    guard let e = store.select(sat, at: t, message: message), repeatAll || sent[sat]?[message] != e else { continue }
                    sent[sat, default: [:]][message] = e
                    out.append(RTCM3Encoder.frame(try RTCM3EphemerisCodec.encode(e)))
                }
            }
        }
        if let position, lastCoordinates.map({ t - $0 >= coordinatesInterval }) ?? true {
            lastCoordinates = t
            out.append(RTCM3Encoder.frame(StationCoordinates(stationID: stationID, position: position).encode()))
        }
        return out + (try RTCM3Encoder.msmFrames(epoch: epoch, stationID: stationID, msmType: 7))
    }
}

/// The satellite segment's downlink as the gateway receives it: each LEO
/// broadcast ephemeris once its validity window opens (those already open at
/// the start, at once), and the onboard GNSS receivers' MSM7 observations
/// with the LEO satellite's number as the reference station id.
public struct SatelliteSegmentStreamWriter {
    private let ephemerides: [LEOEphemeris]
    private var next = 0

    public init(ephemerides: [LEOEphemeris]) {
        self.ephemerides = ephemerides.sorted { ($0.reference - $0.halfWidth, $0.satellite) < ($1.reference - $1.halfWidth, $1.satellite) }
    }

    /// The frames due at `time`, in the order they are sent.
    public mutating func frames(at time: GNSSTime, onboard: [(satellite: SatelliteID, observations: ObservationEpoch)]) throws(FormatError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        while next < ephemerides.count, ephemerides[next].reference - ephemerides[next].halfWidth <= time {
            out.append(RTCM3Encoder.frame(try RTCM3LEO.encode(ephemerides[next])))
            next += 1
        }
        for (sat, observations) in onboard {
            out += try RTCM3Encoder.msmFrames(epoch: observations, stationID: sat.prn, msmType: 7)
        }
        return out
    }
}
