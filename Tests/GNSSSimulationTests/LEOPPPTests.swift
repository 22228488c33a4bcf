import Foundation
import GNSSCore
import GNSSOrbits
import GNSSPositioning
import GNSSSimulation
import Testing
import TestSupport
@testable import Gateway

/// LEO-augmented PPP on a simulated sky: the real GNSS day plus the standard LEO constellation.
@Suite struct LEOPPPTests {
    @Test("LEO broadcast ephemerides reproduce the true orbit within a millimetre without errors, and carry the configured errors otherwise")
    func ephemerisFit() throws {
        let start = GNSSTime(seconds: 1_277_000_000)
        let sky = LEOSky(constellation: LEOConstellation(shells: [LEOConstellation.standard.shells[0]]), start: start, span: 1200, seed: 5)
        var exact = SatelliteSegment()
        exact.orbitError = 0
        exact.clockError = 0
        let ephemerides = exact.ephemerides(sky: sky, from: start, to: start + 600, seed: 1)
        #expect(ephemerides.count == 96 * 6)
        var worst = 0.0, worstClock = 0.0
        for e in ephemerides.prefix(40) {
            for dt in stride(from: -e.halfWidth, through: e.halfWidth, by: 7) {
                guard let truth = sky.state(e.satellite, at: e.reference + dt), let s = e.state(at: e.reference + dt) else { continue }
                worst = max(worst, (truth.position - s.position).norm)
                worstClock = max(worstClock, abs(truth.clock - s.clockBias) * Constants.speedOfLight)
            }
        }
        #expect(worst < 0.001, "fit error \(worst) m")
        #expect(worstClock < 0.002, "clock fit error \(worstClock) m")
        var store = LEOEphemerisStore()
        for e in SatelliteSegment().ephemerides(sky: sky, from: start, to: start + 600, seed: 1) { store.add(e) }
        var squares = 0.0, n = 0.0
        for prn in 1...96 {
            let sat = SatelliteID(.leo, prn)
            guard let truth = sky.state(sat, at: start + 300), let s = store.state(sat, at: start + 300) else { continue }
            squares += (truth.position - s.position).norm * (truth.position - s.position).norm
            n += 1
        }
        let rms3D = (squares / n).squareRoot()
        #expect(abs(rms3D / (0.02 * 3.0.squareRoot()) - 1) < 0.25, "3D orbit error RMS \(rms3D) m")
    }

    @Test("kinematic PPP with LEO satellites converges much faster than GNSS alone on the same simulated sky")
    func leoSpeedsUpConvergence() throws {
        guard SharedData.available else { return }
        let products = try SynthesizerTests.products()
        var experiment = ConvergenceExperiment(precise: products.precise, broadcast: products.ephemerides, station: SynthesizerTests.esbc)
        experiment.duration = 1200
        let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 6), scale: .gps)!
        let (gnss, augmented) = experiment.run(start: start, seed: 7)
        print("convergence from 06:00: GNSS-only \(gnss.convergence.map { String(format: "%.1f min", $0 / 60) } ?? "never"), GNSS+LEO \(augmented.convergence.map { String(format: "%.1f min", $0 / 60) } ?? "never")")
        let fast = try #require(augmented.convergence)
        #expect(fast < 90)
        #expect(fast < (gnss.convergence ?? experiment.duration) / 3)
        let rms = try #require(augmented.rms)
        #expect(rms.horizontal < 0.05 && rms.vertical < 0.08)
    }
}
