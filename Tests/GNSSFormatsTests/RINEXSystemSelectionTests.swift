import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// A reader told to read some systems gives those systems' records exactly as a reader of everything does, and
/// nothing of the others: RINEX 2 (one list of types for all systems), RINEX 3 and Hatanaka-compressed RINEX 3.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXSystemSelectionTests {
    static func epochs(_ name: String, systems: Set<GNSSSystem>?) throws -> [ObservationEpoch] {
        let reader = try RINEXObservationReader(path: SharedData.path("rinex-edge/" + name))
        reader.systems = systems
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        return epochs
    }

    static let files: [(name: String, systems: Set<GNSSSystem>)] = [
        ("demo.10o", [.gps]), ("demo3.10o", [.gps, .sbas]), ("P43300USA_R_20190012056_17M_15S_MO.crx", [.galileo, .beidou]),
    ]

    @Test(arguments: files.indices)
    func selectedSystemsAsWhenAllAreRead(file: Int) throws {
        let (name, systems) = Self.files[file]
        let all = try Self.epochs(name, systems: nil)
        let some = try Self.epochs(name, systems: systems)
        #expect(some.count == all.count)
        var left = 0
        for (a, s) in zip(all, some) {
            #expect(a.time == s.time)
            #expect(s.satellites == a.satellites.filter { systems.contains($0.satellite.system) })
            left += a.satellites.count - s.satellites.count
        }
        // The files do have satellites of other systems, and the selection kept some of the chosen ones.
        #expect(left > 0)
        #expect(some.contains { !$0.satellites.isEmpty })
    }
}
