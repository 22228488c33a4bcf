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

    @Test("kinematic PPP with LEO satellites converges much faster than GNSS alone on the same simulated sky", .enabled(if: SharedData.available, "needs ../shared/data"))
    func leoSpeedsUpConvergence() throws {
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

    @Test("gatewayd's replay positions the simulator's RINEX 4 file with its LEO ephemerides file to a few centimetres within two minutes", .enabled(if: SharedData.available, "needs ../shared/data"))
    func replayOfSimulatorFiles() throws {
        let products = try SynthesizerTests.products()
        let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 6), scale: .gps)!
        let leo = LEOSky(start: start - 300, span: 900, seed: 21)
        let ephemerides = SatelliteSegment().ephemerides(sky: leo, from: start - 120, to: start + 240, seed: 22)
        var sim = ObservationSynthesizer(sky: CombinedSky([PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo]), leo]),
                                         station: SynthesizerTests.esbc, seed: 23)
        let epochs = (0..<120).map { sim.epoch(at: start + Double($0)).0 }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sim-replay-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try SimulationFiles.rinex(epochs, marker: "SIM0", position: SynthesizerTests.esbc, interval: 1)
            .write(toFile: dir + "/SIM0.rnx", atomically: true, encoding: .utf8)
        try SimulationFiles.ephemerisLines(ephemerides).write(toFile: dir + "/leo.jsonl", atomically: true, encoding: .utf8)

        var c = ReplayConfiguration()
        c.profile.mode = .ppp
        c.rover = [dir + "/SIM0.rnx"]
        c.navigation = [SharedData.path(SynthesizerTests.directory + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")]
        c.sp3 = [SharedData.path(SynthesizerTests.directory + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")]
        c.clock = [SharedData.path(SynthesizerTests.directory + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")]
        c.leo = [dir + "/leo.jsonl"]
        c.profile.systems = [.gps, .galileo, .leo]
        c.profile.elevationMask = 10 * Constants.degreesToRadians
        c.format = .json
        let summary = try ReplayRunner(configuration: c).run { _ in }
        #expect(summary.byQuality[.ppp] == 120)
        let last = try #require(summary.lastSolution)
        #expect(last.position.distance(to: SynthesizerTests.esbc) < 0.10, "\(last.position.distance(to: SynthesizerTests.esbc)) m")
    }
}
