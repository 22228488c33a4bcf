import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
@testable import GNSSPositioning

/// RTK between receivers that track different signals of a band, as a base and a rover of different makes do:
/// ESBC's first hour (Septentrio PolaRx5, RINEX 3.05: GPS C1C C1W C2L C2W C5Q, Galileo C1C C5Q C6C C7Q C8Q) against
/// itself, the rover without GPS L2W, the base without GPS L2L and Galileo E5a. One antenna, so the fixed rover lies
/// on the base, whose position is the header's, within millimetres: also a minute before each new Galileo issue
/// (every ten minutes), which holds only when both receivers' satellite states come from the same issue.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKSignalPairingTests {
    static let observations = "ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
    static let navigation = "ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"

    static func without(_ epoch: ObservationEpoch, _ codes: [SatelliteSystemCode]) -> ObservationEpoch {
        var e = epoch
        for k in e.satellites.indices {
            let system = e.satellites[k].satellite.system
            e.satellites[k].signals.removeAll { s in codes.contains { $0.system == system && $0.code == s.signal } }
        }
        return e
    }

    struct SatelliteSystemCode {
        var system: GNSSSystem
        var code: SignalCode
        init(_ system: GNSSSystem, _ code: String) {
            self.system = system
            self.code = SignalCode(code)!
        }
    }

    static let roverDrops = [SatelliteSystemCode(.gps, "2W")]
    static let baseDrops = [SatelliteSystemCode(.gps, "2L"), SatelliteSystemCode(.galileo, "5Q")]

    @Test func differentCodesOfABandPairAndFix() throws {
        let reader = try RINEXObservationReader(path: SharedData.path(Self.observations))
        let basePosition = try #require(reader.header.approximatePosition)
        var store = EphemerisStore(historyLimit: .max)
        for e in try RINEXNavigationReader.readAll(path: SharedData.path(Self.navigation)).ephemerides { store.add(e) }
        var filter = RTKFilter(options: RTKOptions(dynamics: .kinematic, systems: [.gps, .galileo]))
        var fixed: [ECEF] = []
        var epochs = 0
        var checkedPairing = false
        while epochs < 120, let epoch = try reader.next() {
            epochs += 1
            let rover = Self.without(epoch, Self.roverDrops), base = Self.without(epoch, Self.baseDrops)
            if !checkedPairing {
                // GPS pairs L2L at the rover with L2W at the base; Galileo falls back from E5a to E7 (the second
                // frequency's bands in order of preference), the one band both kept.
                let g = try #require(rover.satellites.first { $0.satellite.system == .gps && $0.signal(SignalCode("2L")!) != nil })
                let gBase = try #require(base.satellite(g.satellite))
                let l2 = try #require(RTKFilter.commonSignal(g, gBase, SignalSelection.secondary(.gps), channel: nil))
                #expect(l2.roverCode == SignalCode("2L")! && l2.baseCode == SignalCode("2W")!)
                #expect(l2.codeRover != l2.codeBase && l2.phaseRover != nil && l2.phaseBase != nil)
                let e = try #require(rover.satellites.first { $0.satellite.system == .galileo })
                let eBase = try #require(base.satellite(e.satellite))
                let e5 = try #require(RTKFilter.commonSignal(e, eBase, SignalSelection.secondary(.galileo), channel: nil))
                #expect(e5.roverCode == SignalCode("7Q")! && e5.baseCode == SignalCode("7Q")!)
                checkedPairing = true
            }
            let s = filter.process(rover: rover, base: base, basePosition: basePosition, ephemerides: store)
            if s.quality == .fixed { fixed.append(s.position) }
        }
        #expect(epochs == 120)
        #expect(fixed.count == 120, "\(fixed.count) of \(epochs) epochs fixed")
        let worst = fixed.map { $0.distance(to: basePosition) }.max() ?? .infinity
        #expect(worst < 0.005, "worst fixed position \(worst) m from the base")
    }
}
