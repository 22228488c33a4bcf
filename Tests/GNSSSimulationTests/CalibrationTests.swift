import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing
@testable import Gateway

/// A simulator easier than the sky proves nothing: the same kinematic PPP engine must take about as long to
/// converge on simulated observations of ESBC as on ESBC's real observations of the same day.
@Suite struct CalibrationTests {
    static let window: Double = 3 * 3600

    @Test("GNSS-only kinematic PPP converges on simulated ESBC within a factor of two of real ESBC", .enabled(if: SharedData.available, "needs ../shared/data"))
    func convergenceMatchesRealData() throws {
        let products = try SynthesizerTests.products()
        let reference = SynthesizerTests.esbc
        let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25), scale: .gps)!
        var options = PPPOptions(dynamics: .kinematic, elevationMask: 10 * Constants.degreesToRadians, systems: [.gps, .galileo])
        options.systems = [.gps, .galileo]

        // Real: the day's first three hours of ESBC, against the README's reference position.
        let rover = try RINEXObservationSource(path: SharedData.path(SynthesizerTests.directory + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"))
        var filter = PPPFilter(options: options)
        var real: [Convergence.Sample] = []
        while let e = try rover.next(), e.time - start < Self.window {
            let s = filter.process(epoch: e, orbits: .precise(products.precise), ephemerides: products.ephemerides)
            guard s.quality != .none else { continue }
            real.append(.init(time: e.time, error: s.position.enu(relativeTo: reference)))
        }

        // Simulated: the same station, sky and engine.
        var sim = ObservationSynthesizer(sky: PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo]), station: reference, seed: 2020)
        filter = PPPFilter(options: options)
        var simulated: [Convergence.Sample] = []
        var t = start
        while t - start < Self.window {
            let (epoch, truth) = sim.epoch(at: t)
            let s = filter.process(epoch: epoch, orbits: .precise(products.precise), ephemerides: products.ephemerides)
            if s.quality != .none { simulated.append(.init(time: t, error: s.position.enu(relativeTo: truth.marker))) }
            t = t + 30
        }
        let realTime = try #require(Convergence.time(real, from: start), "real data never converged")
        let simulatedTime = try #require(Convergence.time(simulated, from: start), "simulated data never converged")
        print(String(format: "kinematic PPP convergence (10 cm horizontal, 20 cm vertical): real ESBC %.1f min, simulated %.1f min",
                     realTime / 60, simulatedTime / 60))
        #expect(simulatedTime <= 2 * realTime && simulatedTime >= realTime / 2)
    }
}
