import Foundation
import GNSSCore

/// The bundled simulation's truth files (fixtures/sim/NAME-truth.csv): time, then the marker's ECEF.
public enum SimulationTruth {
    /// Positions keyed by the time's first 19 characters (`2020-06-25T06:00:01`), as solutions print it.
    public static func positions(_ station: String) throws -> [String: ECEF] {
        var truth: [String: ECEF] = [:]
        let text = try String(contentsOfFile: SharedData.fixture("sim/\(station)-truth.csv"), encoding: .utf8)
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",")
            guard f.count >= 4, let x = Double(f[1]), let y = Double(f[2]), let z = Double(f[3]) else { continue }
            truth[String(f[0].prefix(19))] = ECEF(x, y, z)
        }
        return truth
    }
}
