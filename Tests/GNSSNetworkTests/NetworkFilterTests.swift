import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// The network filter under a known truth: stations simulated on the real orbits and clocks of 2020-06-25 (the ESBC
/// data set's final products) while the filter has only that day's real broadcast ephemerides. The broadcast errors
/// it corrects are the real ones; the truth it is judged against is the final products, which the filter never sees.
@Suite(.serialized) struct NetworkFilterTests {
    static let directory = "ppp-esbc-2020177/"
    static let esbc = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)

    static func products() throws -> Products { try ESBCDay.products() }

    static let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 0, minute: 35), scale: .gps)!

    static func experiment(_ network: [NetworkStation], warmUp: Double, judged: Double) throws -> NetworkExperiment {
        let products = try products()
        var experiment = NetworkExperiment(precise: products.precise, broadcast: products.ephemerides, network: network, user: esbc)
        experiment.warmUp = warmUp
        experiment.userDuration = judged
        experiment.userInterval = 30
        return experiment
    }

    static func describe(_ o: NetworkExperiment.Outcome) -> String {
        func cm(_ v: Double?) -> String { String(format: "%.1f", (v ?? .nan) * 100) }
        return "SISRE broadcast GPS \(cm(o.broadcastSISRE[.gps])) Galileo \(cm(o.broadcastSISRE[.galileo])) cm; corrected GPS "
            + "\(cm(o.correctedSISRE[.gps])) Galileo \(cm(o.correctedSISRE[.galileo])) cm; \(o.states) states"
    }

    @Test("with centimetre code a global network recovers the real broadcast errors: SISRE below 5 cm after 30 min",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func globalNetworkRecoversOrbitsAndClocks() throws {
        var experiment = try Self.experiment(ReferenceNetwork.global.stations, warmUp: 1800, judged: 300)
        // Precise observations isolate the model from the noise: what is left is what the filter gets wrong.
        experiment.model.codeNoise = 0.01
        experiment.model.phaseNoise = 0.0001
        experiment.model.codeMultipath = 0
        experiment.model.slipProbability = 0
        experiment.options.codeSigma = 0.01
        experiment.options.phaseSigma = 0.0003
        let outcome = experiment.run(start: Self.start, seed: 3000)
        print(Self.describe(outcome))
        #expect((outcome.broadcastSISRE[.gps] ?? 0) > 0.4)
        #expect((outcome.correctedSISRE[.gps] ?? 1) < 0.05)
        #expect((outcome.correctedSISRE[.galileo] ?? 1) < 0.05)
    }

    @Test("a global network with receiver noise: the orbit corrections' rates follow the broadcast errors' drift, the random walk alone lags it",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func orbitRatesFollowTheDrift() throws {
        var experiment = try Self.experiment(ReferenceNetwork.global.stations, warmUp: 1800, judged: 1800)
        experiment.userInterval = 1800  // the user is not the point here
        let withRates = experiment.run(start: Self.start, seed: 3000)
        experiment.options.orbitRatePrior = [:]
        let without = experiment.run(start: Self.start, seed: 3000)
        print("with rates: " + Self.describe(withRates) + "\nwithout: " + Self.describe(without))
        for system in [GNSSSystem.gps, .galileo] {
            let a = withRates.correctedSISRE[system] ?? 1, b = without.correctedSISRE[system] ?? 0
            #expect(a < 0.10 && a < 0.6 * b, "\(system): \(a) m with rates, \(b) m without")
        }
    }

    @Test("a regional network with receiver noise and multipath halves GPS's broadcast range error within 30 min",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func regionalNetworkImprovesTheBroadcast() throws {
        let outcome = try Self.experiment(ReferenceNetwork.regional.stations, warmUp: 1800, judged: 300).run(start: Self.start, seed: 3000)
        print(Self.describe(outcome))
        #expect((outcome.correctedSISRE[.gps] ?? 1) < (outcome.broadcastSISRE[.gps] ?? 0) / 2)
    }
}
