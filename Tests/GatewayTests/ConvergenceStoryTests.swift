import GNSSCore
import Gateway
import Testing

@Suite("How a demo station's solutions converged")
struct ConvergenceStoryTests {
    static let start = GNSSTime(gpsWeek: 2111, secondOfWeek: 367_200)

    /// 1 Hz errors: `error(second)` for each second of `seconds`.
    static func series(_ seconds: [Int], _ error: (Int) -> ENU) -> [(time: GNSSTime, error: ENU)] {
        seconds.map { (time: start + Double($0), error: error($0)) }
    }

    @Test("converged is the first epoch from which every later one stays within the limits")
    func convergenceStays() {
        // Within the limits at 5 s, out again at 8 s (horizontal 12 cm), within for good from 10 s on.
        let story = ConvergenceStory(errors: Self.series(Array(0..<60)) { s in
            s < 5 || s == 8 ? ENU(east: 0.12, north: 0, up: 0) : ENU(east: 0.03, north: 0.04, up: -0.1)
        })
        #expect(story.convergedAfter == 9)
        #expect(abs(story.horizontalRMS! - 0.05) < 1e-12)
        #expect(abs(story.verticalRMS! - 0.1) < 1e-12)
        #expect(story.outages.isEmpty)
        #expect(story.summary == "converged after 9 s, then 5.0 cm horizontal and 10.0 cm vertical RMS")
    }

    @Test("an outage is a gap of more than three intervals, and re-convergence is counted from the data's return")
    func outageAndReconvergence() {
        // Epochs 0–99 and 121–199; after the gap the errors are 30 cm vertical until second 140.
        let seconds = Array(0..<100) + Array(121..<200)
        let story = ConvergenceStory(errors: Self.series(seconds) { s in
            s < 3 || (s >= 121 && s < 140) ? ENU(east: 0, north: 0, up: 0.3) : ENU(east: 0.01, north: 0, up: 0.02)
        })
        #expect(story.convergedAfter == 3)
        #expect(story.outages.count == 1)
        #expect(story.outages[0].seconds == 22)
        #expect(story.outages[0].reconvergedAfter == 19)
    }

    @Test("a vertical error beyond 20 cm at the end means never converged")
    func neverConverged() {
        let story = ConvergenceStory(errors: Self.series(Array(0..<30)) { _ in ENU(east: 0.01, north: 0, up: 0.25) })
        #expect(story.convergedAfter == nil)
        #expect(story.horizontalRMS == nil)
        #expect(story.summary.hasPrefix("not within 10 cm horizontal / 20 cm vertical"))
    }

    @Test("ISO 8601 GPS times read back as written")
    func isoRoundTrip() {
        let t = Self.start + 12.25
        #expect(GNSSTime(iso8601: t.iso8601(fractionDigits: 3)) == t)
        #expect(GNSSTime(iso8601: "2020-06-25T06:04:59") == GNSSTime(gpsCalendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 6, minute: 4, second: 59)))
        #expect(GNSSTime(iso8601: "2020-06-25 06:04:59") == nil)
        #expect(GNSSTime(iso8601: "2020-13-25T06:04:59") == nil)
    }
}
