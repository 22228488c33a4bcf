import Foundation
import GNSSCore
@testable import GNSSNetwork
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// The network's integer ambiguity resolution against the simulator's own integers: a regional network on the real sky
/// of 2020-06-25 (final orbits and clocks as the truth, the real broadcast in the filter), each double difference the
/// filter fixes compared with the whole cycles the simulator put into the four phases.
@Suite(.serialized) struct NetworkAmbiguityTests {
    @Test("the double differences a regional network fixes are the simulator's integers, wide and narrow lane",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func fixedIntegersAreTheTruth() throws {
        let products = try NetworkFilterTests.products()
        let stations = ReferenceNetwork.regional.stations
        let sky = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
        var receivers = stations.enumerated().map { i, s in
            ObservationSynthesizer(sky: sky, station: s.position, model: NetworkExperiment.referenceStationModel, seed: UInt64(700 + i))
        }
        var options = NetworkOptions()
        options.codeSigma = NetworkExperiment.referenceStationModel.codeNoise
        options.resolveAmbiguities = true
        var filter = NetworkFilter(stations: stations, options: options)
        var checked: Set<String> = []
        var wrong: [String] = []
        var held = 0
        for k in 0..<120 {
            let t = NetworkFilterTests.start + Double(k) * 30
            var observations: [Int: ObservationEpoch] = [:]
            for i in receivers.indices { observations[i] = receivers[i].epoch(at: t).0 }
            let epoch = filter.process(time: t, observations: observations, ephemerides: products.ephemerides)
            held = epoch.fixedAmbiguities
            // Every double difference held is checked against the truth, every epoch.
            for dd in filter.fixed {
                let name = "stations \(dd.stations.0)-\(dd.stations.1) \(dd.satellites.0)-\(dd.satellites.1)"
                let (a, b) = dd.stations, (s, r) = dd.satellites
                checked.insert(name)
                var narrow = 0.0, wide = 0.0
                for (station, sat, sign) in [(a, s, 1.0), (a, r, -1.0), (b, s, -1.0), (b, r, 1.0)] {
                    let truth = try #require(receivers[station].carrier(of: sat))
                    let (first, second) = PPPFilter.signalPair(sat.system)
                    let n1 = try #require(first.lazy.compactMap { truth.cycles[$0] }.first)
                    let n2 = try #require(second.lazy.compactMap { truth.cycles[$0] }.first)
                    // The filter counts the wind-up from where it first saw the satellite: a whole number of cycles from
                    // the simulator's count, which moves both frequencies' integers alike.
                    let windUp = try #require(filter.tracks[.init(receiver: .station(station), satellite: sat)]?.windUp)
                    let offset = (truth.windUp - windUp).rounded()
                    narrow += sign * (n1 + offset)
                    wide += sign * (n1 - n2)
                }
                if Int(narrow) != dd.narrowLane || Int(wide) != dd.wideLane {
                    wrong.append("\(name) at epoch \(k): fixed N1 \(dd.narrowLane) WL \(dd.wideLane), true \(Int(narrow)) \(Int(wide))")
                }
            }
        }
        print("network ambiguity resolution, regional network, 60 min: \(checked.count) double differences fixed, \(held) held at the end, \(wrong.count) wrong")
        #expect(checked.count >= 100, "too few fixed: \(checked.count)")
        #expect(wrong.isEmpty, "\(wrong.prefix(10))")
    }
}
