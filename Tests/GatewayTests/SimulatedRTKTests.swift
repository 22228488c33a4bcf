import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSPositioning
@testable import Gateway

/// RTK between the bundled simulated stations (fixtures/sim): GPS and Galileo, a rover driving circles with an
/// outage, both as RTCM 3 captures, the base's position from its stream's 1005. The truth is the simulator's.
struct SimulatedRTKTests {
    @Test func multiSystemRTKFixesTheDrivingRoverToTheTruth() throws {
        var c = ReplayConfiguration()
        c.mode = .rtk
        c.systems = [.gps, .galileo]
        c.rover = [SharedData.fixture("sim/ROV0.rtcm3")]
        c.base = [SharedData.fixture("sim/REF0.rtcm3")]
        c.format = .json
        var fixed: [(time: String, position: ECEF)] = []
        var epochs = 0
        _ = try ReplayRunner(configuration: c).run { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let time = o["time"] as? String,
                  let e = o["ecef"] as? [Double] else { return }
            epochs += 1
            if o["quality"] as? String == "fixed" { fixed.append((String(time.prefix(19)), ECEF(e[0], e[1], e[2]))) }
        }
        var truth: [String: ECEF] = [:]
        for line in try String(contentsOfFile: SharedData.fixture("sim/ROV0-truth.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            truth[String(f[0].prefix(19))] = ECEF(Double(f[1])!, Double(f[2])!, Double(f[3])!)
        }
        // Every epoch outside the 20 s outage (280 of 300) fixed, each within 2 cm of the truth.
        #expect(fixed.count >= 275, "\(fixed.count) fixed of \(epochs)")
        let errors = fixed.compactMap { s in truth[s.time].map { s.position.distance(to: $0) } }
        #expect(errors.count == fixed.count)
        #expect(errors.allSatisfy { $0 < 0.02 }, "worst \(errors.max() ?? -1) m")
    }
}
