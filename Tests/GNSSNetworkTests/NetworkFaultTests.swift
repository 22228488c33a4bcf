import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// What goes wrong in a network, under the real sky of 2020-06-25: a station that disappears, a station whose code
/// goes wrong, a satellite whose clock jumps. The filter goes on, leaves the bad measurements out, counts them, and
/// follows the jump within the epoch.
@Suite(.serialized) struct NetworkFaultTests {
    @Test("a vanished station, an outlier station and a satellite clock jump: the estimates go on and follow the jump",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func faults() throws {
        let products = try NetworkFilterTests.products()
        let stations = ReferenceNetwork.regional.stations.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let sky = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
        var receivers = stations.enumerated().map { i, s in
            ObservationSynthesizer(sky: sky, station: s.position, model: NetworkExperiment.referenceStationModel, seed: UInt64(50 + i))
        }
        var filter = NetworkFilter(stations: stations)
        let start = NetworkFilterTests.start
        let jumped = try #require(SatelliteID(rinex: "G05"))
        let jump = 5.0  // metres: the satellite's clock runs 5 m / c ahead from 25 minutes on
        var rejected = 0
        var before: Double?, after: Double?
        for k in 0..<60 {
            let t = start + Double(k) * 30
            var observations: [Int: ObservationEpoch] = [:]
            for i in receivers.indices {
                var epoch = receivers[i].epoch(at: t).0
                if i == 0 && k >= 30 { continue }  // station 0 is gone from 15 minutes on
                for j in epoch.satellites.indices {
                    let sat = epoch.satellites[j].satellite
                    for s in epoch.satellites[j].signals.indices {
                        guard let range = epoch.satellites[j].signals[s].pseudorange else { continue }
                        // Station 1's code of one satellite goes 40 m wrong from 20 to 25 minutes.
                        if i == 1 && j == 0 && (40..<50).contains(k) { epoch.satellites[j].signals[s].pseudorange = range + 40 }
                        if sat == jumped && k >= 50 {
                            let f = CarrierFrequency.of(system: .gps, band: epoch.satellites[j].signals[s].signal.band) ?? 1
                            epoch.satellites[j].signals[s].pseudorange = (epoch.satellites[j].signals[s].pseudorange ?? 0) + jump
                            epoch.satellites[j].signals[s].carrierPhase = (epoch.satellites[j].signals[s].carrierPhase ?? 0)
                                + jump * f / Constants.speedOfLight
                        }
                    }
                }
                observations[i] = epoch
            }
            let summary = filter.process(time: t, observations: observations, ephemerides: products.ephemerides)
            rejected += summary.rejected
            #expect(summary.stations == (k >= 30 ? stations.count - 1 : stations.count), "epoch \(k)")
            #expect(summary.satellites >= 12, "epoch \(k)")
            let clock = filter.estimates.first { $0.satellite == jumped }?.clock
            if k == 49 { before = clock }
            if k == 50 { after = clock }
        }
        // Station 1's wrong code: left out epoch by epoch, not absorbed.
        #expect(rejected >= 10, "\(rejected) measurements rejected")
        // The jump: the satellite's clock correction follows it at once (white noise), less the datum's share of it.
        let step = try #require(after) - (try #require(before))
        print("clock correction of \(jumped) stepped by \(step) m; \(rejected) measurements rejected")
        #expect(abs(step + jump) < 0.8, "step \(step) m for a \(jump) m jump")
    }
}
