import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
@testable import Gateway

/// RTK between the bundled simulated stations (fixtures/sim): GPS and Galileo, a rover driving circles with an
/// outage, both as RTCM 3 captures, the base's position from its stream's 1005. The truth is the simulator's.
struct SimulatedRTKTests {
    @Test func multiSystemRTKFixesTheDrivingRoverToTheTruth() throws {
        var c = ReplayConfiguration()
        c.profile.mode = .rtk
        c.profile.systems = [.gps, .galileo]
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
        let truth = try SimulationTruth.positions("ROV0")
        // Every epoch outside the 20 s outage (280 of 300) fixed, each within 2 cm of the truth.
        #expect(fixed.count >= 275, "\(fixed.count) fixed of \(epochs)")
        let errors = fixed.compactMap { s in truth[s.time].map { s.position.distance(to: $0) } }
        #expect(errors.count == fixed.count)
        #expect(errors.allSatisfy { $0 < 0.02 }, "worst \(errors.max() ?? -1) m")
    }
}

/// Doppler cycle-slip detection: a slip of 77 cycles on L1 and 60 on L2 changes the geometry-free phase by under
/// a millimetre (77·λ1 ≈ 60·λ2), so only the Doppler reveals it.
struct DopplerSlipTests {
    static func epochs(_ name: String, into store: inout EphemerisStore) throws -> (epochs: [ObservationEpoch], position: ECEF?) {
        let source = try ObservationSources.open(SharedData.fixture("sim/" + name))
        var epochs: [ObservationEpoch] = []
        while let e = try source.next() {
            epochs.append(e)
            for eph in source.takeEphemerides() { store.add(eph) }
        }
        return (epochs, source.approximatePosition)
    }

    static func errors(slipThreshold: Double) throws -> [Double] {
        var store = EphemerisStore()
        let rover = try Self.epochs("ROV0.rtcm3", into: &store).epochs
        let (base, basePosition) = try Self.epochs("REF0.rtcm3", into: &store)
        let baseByTime = Dictionary(base.map { ($0.time.iso8601(fractionDigits: 0), $0) }, uniquingKeysWith: { a, _ in a })
        let truth = try SimulationTruth.positions("ROV0")
        var options = RTKOptions(dynamics: .kinematic, systems: [.gps, .galileo])
        options.dopplerSlipThreshold = slipThreshold
        var filter = RTKFilter(options: options)
        let slipped = try #require(rover[60].satellites.first { $0.satellite.system == .gps }).satellite
        var errors: [Double] = []
        for (i, var epoch) in rover.enumerated() {
            let key = epoch.time.iso8601(fractionDigits: 0)
            guard let b = baseByTime[key] else { continue }
            if i >= 60, let k = epoch.satellites.firstIndex(where: { $0.satellite == slipped }) {
                for j in epoch.satellites[k].signals.indices where epoch.satellites[k].signals[j].carrierPhase != nil {
                    let band = epoch.satellites[k].signals[j].signal.band
                    epoch.satellites[k].signals[j].carrierPhase! += band == 1 ? 77 : (band == 2 ? 60 : 0)
                }
            }
            let s = filter.process(rover: epoch, base: b, basePosition: try #require(basePosition), ephemerides: store)
            if i >= 60, s.quality == .fixed || s.quality == .float, let t = truth[String(key.prefix(19))] {
                errors.append(s.position.distance(to: t))
            }
        }
        return errors
    }

    @Test func aSlipTheGeometryFreeCombinationMissesIsCaught() throws {
        let caught = try Self.errors(slipThreshold: 5)
        let missed = try Self.errors(slipThreshold: .infinity)
        #expect(caught.count > 200 && caught.allSatisfy { $0 < 0.05 }, "worst \(caught.max() ?? -1) m")
        // Undetected, the slip corrupts the satellite's ambiguities (tens of metres here).
        #expect(missed.contains { $0 > 0.5 }, "worst without Doppler detection \(missed.max() ?? -1) m")
    }
}
