import Foundation
import GNSSCore
import GNSSFormats

/// What `gatewayd demo` plays: the epochs of recorded RTCM 3 streams, each as the frames that make it up,
/// merged in the order of their full GNSS times, so a recording that crosses a GPS week (or a BeiDou or
/// GLONASS day) plays in the order it was recorded.
struct DemoTimeline {
    /// One epoch of one recording: its frames, sent to the station as one datagram each.
    struct Entry {
        var time: GNSSTime
        var station: Int
        var frames: [[UInt8]]
    }

    /// A recording read for playing.
    struct Recording {
        var epochs: [(time: GNSSTime, frames: [[UInt8]])] = []
        /// The RTCM station id of its first MSM or 1005/1006, if it has either.
        var stationID: Int?
    }

    /// Longest pause played between two epochs, in stream seconds: a gap in a recording, or recordings of
    /// different days, are not waited out.
    static let longestPause = 30.0

    private(set) var entries: [Entry] = []

    /// The recordings' epochs merged by time; equal times keep the recordings' order.
    init(_ recordings: [Recording]) {
        for (station, recording) in recordings.enumerated() {
            entries += recording.epochs.map { Entry(time: $0.time, station: station, frames: $0.frames) }
        }
        entries.sort { ($0.time, $0.station) < ($1.time, $1.station) }
    }

    /// Stream seconds from the first epoch to each epoch's playing time, pauses longer than `longestPause`
    /// shortened to it.
    var offsets: [Double] {
        var out: [Double] = []
        out.reserveCapacity(entries.count)
        var offset = 0.0
        for (i, entry) in entries.enumerated() {
            if i > 0 { offset += min(max(entry.time - entries[i - 1].time, 0), Self.longestPause) }
            out.append(offset)
        }
        return out
    }

    /// The frames of a recorded RTCM 3 stream grouped by epoch: a group closes with an MSM whose
    /// multiple-message bit is clear. Each epoch's time is resolved from the MSM's time of week (or GLONASS
    /// time of day) against the latest ephemeris before it in the stream; epochs before the first ephemeris
    /// against the first one after; a stream without ephemerides against the system clock, as a live
    /// station would.
    static func recording(path: String) throws -> Recording {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var framer = RTCM3Framer()
        framer.append(data)
        var decoder = RTCM3Decoder()
        var recording = Recording()
        var closed: [(msm: MSMMessage, reference: GNSSTime?, frames: [[UInt8]])] = []
        var current: [[UInt8]] = []
        while let item = framer.next() {
            guard case .frame(let frame) = item else { continue }
            current.append(frame.bytes)
            switch try? decoder.decode(frame) {
            case .msm(let msm)?:
                if recording.stationID == nil { recording.stationID = msm.stationID }
                if !msm.multipleMessage {
                    closed.append((msm, decoder.referenceTime, current))
                    current = []
                }
            case .stationCoordinates(let s)?:
                if recording.stationID == nil { recording.stationID = s.stationID }
            default:
                break
            }
        }
        let fallback = closed.lazy.compactMap(\.reference).first ?? decoder.referenceTime ?? GNSSTime.now
        var previous: GNSSTime?
        for epoch in closed {
            let time = epoch.msm.time(near: epoch.reference ?? fallback)
            recording.epochs.append((time, epoch.frames))
            previous = time
        }
        if !current.isEmpty { recording.epochs.append((previous ?? fallback, current)) }
        return recording
    }
}
