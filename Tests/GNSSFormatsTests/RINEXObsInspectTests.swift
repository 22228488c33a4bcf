import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXObsInspectTests {
    final class Lines { var all: [String] = [] }

    // junk_time_obs3.10o: epochs at lines 7 (00:00:30, G13 R19) and 11 (00:01:30, G32 L1C 133135049.387,
    // S1C 75.000 on line 12), and the garbage epoch line "> 23 29" at line 10.
    @Test func junkTimeFile() throws {
        let path = SharedData.path("rinex-edge/junk_time_obs3.10o")
        let lines = Lines()
        let sink = InspectSink(writeJSON: true) { lines.all.append($0) }
        try RINEXObservationInspector.inspect(path: path, sink: sink)
        #expect(sink.counts["rinex-obs epoch"] == 2)
        #expect(sink.totalErrors == 1)
        #expect(sink.firstErrors.first?.description.hasPrefix(path + ":10") == true)
        let epochs = lines.all.filter { $0.contains("\"time\"") }
        #expect(epochs.count == 2)
        #expect(epochs.first?.hasPrefix("{\"format\":\"rinex-obs\",\"time\":\"2010-03-05T00:00:30") == true)
        #expect(epochs.first?.contains("\"flag\":0,\"satellites\":2") == true)
        #expect(epochs.last?.contains("\"G32\":{") == true)
        #expect(epochs.last?.contains("133135049.387") == true)
        #expect(lines.all.contains { $0.contains("\"error\"") && $0.contains(":10:") })
    }
}
