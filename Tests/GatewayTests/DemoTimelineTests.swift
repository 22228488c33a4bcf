import Foundation
import GNSSCore
import Testing
import TestSupport
@testable import Gateway

@Suite struct DemoTimelineTests {
    static let gmsd = SharedData.path("rtcm3/GMSD7_20121014.rtcm3")

    @Test("A capture crossing a GPS week plays in recorded order, in about its own 257 s",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func weekCrossingCapture() throws {
        let recording = try DemoTimeline.recording(path: Self.gmsd)
        let times = recording.epochs.map(\.time)
        let first = try #require(times.first), last = try #require(times.last)
        // The capture starts on Saturday 2012-10-13 before midnight GPS time and ends on Sunday: a new GPS week.
        #expect(first.iso8601(fractionDigits: 0).hasPrefix("2012-10-13T23:59") && last.iso8601(fractionDigits: 0) == "2012-10-14T00:04:14",
                "\(first) … \(last)")
        #expect(last.gpsWeek == first.gpsWeek + 1)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "epochs out of recorded order")
        #expect(last - first > 250 && last - first < 260, "spans \(last - first) s")

        let timeline = DemoTimeline([recording])
        #expect(timeline.entries.map(\.time) == times)
        let played = try #require(timeline.offsets.last)
        #expect(played > 250 && played < 260, "played over \(played) stream seconds")
    }

    @Test("A pause in the merged timeline is played as at most 30 s")
    func longPausesShortened() {
        let start = GNSSTime(gpsWeek: 2000, secondOfWeek: 0)
        var a = DemoTimeline.Recording(), b = DemoTimeline.Recording()
        a.epochs = [(start, [[1]]), (start + 1, [[2]])]
        b.epochs = [(start + 86_400, [[3]]), (start + 86_401, [[4]])]
        let timeline = DemoTimeline([b, a])
        #expect(timeline.entries.map(\.station) == [1, 1, 0, 0])
        #expect(timeline.offsets == [0, 1, 31, 32])
    }

    @Test("A capture's station is named after the file, or its RTCM station id", .enabled(if: SharedData.available, "needs ../shared/data"))
    func stationNames() throws {
        #expect(try Demo.recordedStations(paths: [Self.gmsd]).map(\.name) == ["GMSD7_20121014"])
        #expect(RecordedStationName.names(paths: ["/x/a b.rtcm3", "/x/site.rtcm3", "/y/site.rtcm3.gz", "c d"], stationIDs: [7, nil, nil, nil])
                == ["RTCM-7", "site", "site-2", "STREAM-4"])
    }
}
