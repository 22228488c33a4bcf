import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
@testable import GNSSPositioning

/// RTK between receivers that track different signals of a band, as a base and a rover of different makes do:
/// ESBC's first hour (Septentrio PolaRx5, RINEX 3.05: GPS C1C C1W C2L C2W C5Q, Galileo C1C C5Q C6C C7Q C8Q) against
/// itself, the rover without GPS L2W, the base without GPS L2L, L2W on some satellites and Galileo E5a. One antenna,
/// so the fixed rover lies on the base, whose position is the header's, within millimetres: also a minute before each new Galileo issue
/// (every ten minutes), which holds only when both receivers' satellite states come from the same issue.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKSignalPairingTests {
    static let observations = "ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
    static let navigation = "ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"

    static func without(_ epoch: ObservationEpoch, _ drop: (SatelliteID, SignalCode) -> Bool) -> ObservationEpoch {
        var e = epoch
        for k in e.satellites.indices {
            let satellite = e.satellites[k].satellite
            e.satellites[k].signals.removeAll { drop(satellite, $0.signal) }
        }
        return e
    }

    static let l2w = SignalCode("2W")!, l2l = SignalCode("2L")!, l5q = SignalCode("5Q")!, e7q = SignalCode("7Q")!

    /// The rover loses GPS L2W.
    static func roverDrops(_ satellite: SatelliteID, _ code: SignalCode) -> Bool {
        satellite.system == .gps && code == l2w
    }

    /// The base loses GPS L2L, and for the GPS satellites of even number also L2W (those with L5 fall back to it,
    /// in a group of their own); Galileo loses E5a.
    static func baseDrops(_ satellite: SatelliteID, _ code: SignalCode) -> Bool {
        switch satellite.system {
        case .gps: code == l2l || (code == l2w && satellite.prn % 2 == 0)
        case .galileo: code == l5q
        default: false
        }
    }

    @Test func differentCodesOfABandPairAndFix() throws {
        let reader = try RINEXObservationReader(path: SharedData.path(Self.observations))
        let basePosition = try #require(reader.header.approximatePosition)
        let store = try ephemerisStore(Self.navigation)
        var filter = RTKFilter(options: RTKOptions(dynamics: .kinematic, systems: [.gps, .galileo]))
        var fixed: [ECEF] = []
        var epochs = 0
        var checkedPairing = false
        while epochs < 120, let epoch = try reader.next() {
            epochs += 1
            let rover = Self.without(epoch, Self.roverDrops), base = Self.without(epoch, Self.baseDrops)
            if !checkedPairing {
                // GPS pairs L2L at the rover with L2W at the base, or falls back to L5 where the base lost L2;
                // Galileo falls back from E5a to E5b (the second frequency's bands in order of preference).
                func secondSignal(_ satellite: SatelliteObservation) throws -> RTKFilter.PairSignal {
                    let atBase = try #require(base.satellite(satellite.satellite))
                    return try #require(RTKFilter.commonSignal(satellite, atBase, SignalSelection.secondary(satellite.satellite.system), channel: nil))
                }
                let gps = rover.satellites.filter { $0.satellite.system == .gps }
                let odd = try #require(gps.first { $0.satellite.prn % 2 == 1 && $0.signal(Self.l2l) != nil })
                let l2 = try secondSignal(odd)
                #expect(l2.roverCode == Self.l2l && l2.baseCode == Self.l2w)
                #expect(l2.codeRover != l2.codeBase && l2.phaseRover != nil && l2.phaseBase != nil)
                let even = try #require(gps.first { $0.satellite.prn % 2 == 0 && $0.signal(Self.l5q) != nil })
                let l5 = try secondSignal(even)
                #expect(l5.roverCode == Self.l5q && l5.baseCode == Self.l5q)
                let e5 = try secondSignal(try #require(rover.satellites.first { $0.satellite.system == .galileo }))
                #expect(e5.roverCode == Self.e7q && e5.baseCode == Self.e7q)
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

/// A phase whose half-cycle ambiguity the receiver has not resolved yet (RINEX LLI bit 1, as u-blox receivers flag
/// new tracks) is used float and never fixed: 0759/3040 with the flag on every rover phase is never fixed; with it
/// on one satellite the others still fix every epoch they fix unflagged.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKHalfCycleTests {
    static func fixedEpochs(flagging flagged: (SatelliteID) -> Bool) throws -> (fixed: Int, float: Int) {
        let rover = try RINEXObservationReader(path: SharedData.path("rtk-0759-3040/07590920.05o"))
        let base = try RINEXObservationReader(path: SharedData.path("rtk-0759-3040/30400920.05o"))
        let basePosition = try #require(base.header.approximatePosition)
        let store = try ephemerisStore("rtk-0759-3040/07590920.05n")
        var options = RTKOptions(dynamics: .kinematic, systems: [.gps])
        options.frequencies = 2
        var filter = RTKFilter(options: options)
        var fixed = 0, float = 0
        var baseEpochs: [ObservationEpoch] = []
        while let b = try base.next() { baseEpochs.append(b) }
        while var r = try rover.next() {
            // The receivers' clocks keep within milliseconds of each other; each file has epochs the other lacks.
            guard let b = baseEpochs.first(where: { abs($0.time - r.time) < 0.5 }) else { continue }
            for k in r.satellites.indices where flagged(r.satellites[k].satellite) {
                for j in r.satellites[k].signals.indices { r.satellites[k].signals[j].halfCycleAmbiguity = true }
            }
            switch filter.process(rover: r, base: b, basePosition: basePosition, ephemerides: store).quality {
            case .fixed: fixed += 1
            case .float: float += 1
            default: break
            }
        }
        return (fixed, float)
    }

    @Test func unresolvedHalfCyclesStayFloat() throws {
        let none = try Self.fixedEpochs { _ in false }
        let all = try Self.fixedEpochs { _ in true }
        let one = try Self.fixedEpochs { $0 == SatelliteID(.gps, 19) }
        #expect(none.fixed == 115)
        #expect(all.fixed == 0 && all.float == 115)
        #expect(one.fixed == 115)
    }
}

/// Partial fixing by system: ESBC's first half hour against itself, GPS and BeiDou, with half a cycle added to the
/// rover's BeiDou phases on the satellites of odd number. Their double differences are then no integers, the search
/// over all ambiguities fails its ratio test at any elevation cut, and GPS's alone fix: every epoch fixed, on the
/// base within millimetres. Without the per-system attempts, no epoch is.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKPartialFixingTests {
    @Test func aSystemWhoseAmbiguitiesAreNoIntegersIsLeftFloat() throws {
        let reader = try RINEXObservationReader(path: SharedData.path(RTKSignalPairingTests.observations))
        let basePosition = try #require(reader.header.approximatePosition)
        let store = try ephemerisStore(RTKSignalPairingTests.navigation)
        var filter = RTKFilter(options: RTKOptions(dynamics: .kinematic, systems: [.gps, .beidou]))
        var fixed: [ECEF] = []
        var epochs = 0
        while epochs < 60, let epoch = try reader.next() {
            epochs += 1
            var rover = epoch
            for k in rover.satellites.indices where rover.satellites[k].satellite.system == .beidou && rover.satellites[k].satellite.prn % 2 == 1 {
                for j in rover.satellites[k].signals.indices { rover.satellites[k].signals[j].carrierPhase? += 0.5 }
            }
            let s = filter.process(rover: rover, base: epoch, basePosition: basePosition, ephemerides: store)
            if s.quality == .fixed { fixed.append(s.position) }
        }
        #expect(fixed.count == 60, "\(fixed.count) of \(epochs) fixed")
        let worst = fixed.map { $0.distance(to: basePosition) }.max() ?? .infinity
        #expect(worst < 0.005, "worst fixed position \(worst) m from the base")
    }
}

/// A base recording less often than the rover: 0759 every 30 s against 3040 kept every 60 s, so every other rover
/// epoch meets a base epoch 30 s old. The satellites' clocks move between the two receptions (centimetres to
/// decimetres over 30 s); modelled, every epoch fixes with a median error of 3 cm against RTKLIB's position of
/// 0759 (13.6 cm, and a 95th percentile of 1.03 m, without).
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKBaseIntervalTests {
    @Test func anOlderBaseEpochStillFixes() throws {
        let rover = try RINEXObservationReader(path: SharedData.path("rtk-0759-3040/07590920.05o"))
        let base = try RINEXObservationReader(path: SharedData.path("rtk-0759-3040/30400920.05o"))
        let basePosition = try #require(base.header.approximatePosition)
        let store = try ephemerisStore("rtk-0759-3040/07590920.05n")
        var baseEpochs: [ObservationEpoch] = []
        var k = 0
        while let b = try base.next() {
            if k % 2 == 0 { baseEpochs.append(b) }
            k += 1
        }
        var options = RTKOptions(dynamics: .kinematic, systems: [.gps])
        options.frequencies = 2
        var filter = RTKFilter(options: options)
        let reference = ECEF(-3_976_219.6636, 3_382_372.5411, 3_652_513.0541)
        var errors: [Double] = []
        while let r = try rover.next() {
            guard let b = baseEpochs.last(where: { $0.time - r.time <= RTKOptions.epochTolerance }), r.time - b.time < 40 else { continue }
            let s = filter.process(rover: r, base: b, basePosition: basePosition, ephemerides: store)
            if s.quality == .fixed { errors.append(s.position.distance(to: reference)) }
        }
        errors.sort()
        #expect(errors.count >= 110, "\(errors.count) fixed")
        #expect(errors[errors.count / 2] < 0.05, "median \(errors[errors.count / 2]) m")
        #expect(errors[errors.count * 95 / 100] < 0.2, "95th percentile \(errors[errors.count * 95 / 100]) m")
    }
}
