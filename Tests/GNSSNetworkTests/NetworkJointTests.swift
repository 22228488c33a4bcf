import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// Joint processing: LEO satellites' onboard receivers observe in the network filter beside the ground stations, under
/// the simulator's truth (the real GNSS orbits and clocks of 2020-06-25 and their real broadcast errors; LEO orbits
/// under forces the filter's model lacks: radiation pressure and drag).
@Suite(.serialized) struct NetworkJointTests {
    static func experiment(_ processing: LEOProcessing, precise: Bool) throws -> NetworkExperiment {
        var experiment = try NetworkFilterTests.experiment(ReferenceNetwork.global.stations, warmUp: 1500, judged: 600)
        experiment.leoSegment = NetworkExperiment.realisticSegment
        experiment.leoProcessing = processing
        experiment.leoJointRegion = 20 * Constants.degreesToRadians
        experiment.options.maximumLEOReceivers = 24
        experiment.userInterval = 600  // the user is not the point here
        if precise {
            // Precise observations on the ground and on board isolate the model from the noise.
            for path in [\NetworkExperiment.model, \NetworkExperiment.onboardModel] {
                experiment[keyPath: path].codeNoise = 0.01
                experiment[keyPath: path].phaseNoise = 0.0001
                experiment[keyPath: path].codeMultipath = 0
                experiment[keyPath: path].slipProbability = 0
            }
            experiment.options.codeSigma = 0.01
            experiment.options.phaseSigma = 0.0003
        }
        return experiment
    }

    static func describe(_ o: NetworkExperiment.Outcome) -> String {
        NetworkFilterTests.describe(o) + String(format: "; LEO SISRE %.1f cm (radial-clock %.1f, along-cross %.1f), %.0f%% corrected",
                                                (o.leoCorrectedSISRE ?? .nan) * 100, (o.leoCorrectedParts?.radialClock ?? .nan) * 100,
                                                (o.leoCorrectedParts?.alongCross ?? .nan) * 100, o.leoAvailability * 100)
    }

    @Test("precise observations: the LEO satellites' view sharpens the GNSS corrections, and their own orbits and clocks come out within centimetres",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func jointModelIsConsistent() throws {
        let ground = try Self.experiment(.kinematic, precise: true).run(start: NetworkFilterTests.start, seed: 3000)
        let joint = try Self.experiment(.joint, precise: true).run(start: NetworkFilterTests.start, seed: 3000)
        print("ground stations alone: " + Self.describe(ground) + "\njoint: " + Self.describe(joint))
        for system in [GNSSSystem.gps, .galileo] {
            let a = joint.correctedSISRE[system] ?? 1, b = ground.correctedSISRE[system] ?? 0
            #expect(a < 0.03 && a < 0.8 * b, "\(system): \(a) m joint, \(b) m from the ground stations alone")
        }
        #expect((joint.leoCorrectedSISRE ?? 1) < 0.03)
        #expect(joint.leoAvailability > 0.5)
    }
}
