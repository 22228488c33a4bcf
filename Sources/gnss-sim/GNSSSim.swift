import ArgumentParser
import DaemonSupport
import Dispatch
import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GNSSSimulation
import Synchronization

@main
struct GNSSSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gnss-sim",
        abstract: "Simulated GNSS and LEO observations with known truth.",
        version: SoftwareVersion.line("gnss-sim"),
        subcommands: [ObservationsCommand.self, StreamCommand.self, FixtureCommand.self, ConvergenceCommand.self, NetworkExperimentCommand.self, LoopCommand.self]
    )

    static func main() { mainReportingFailures() }
}

struct ConvergenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convergence",
        abstract: "Kinematic PPP convergence of a static station, GNSS-only against GNSS+LEO, over start times spread over a day."
    )

    @Option(help: "Number of start times, spread evenly over the day.")
    var runs = 24

    @Option(help: "Minutes processed from each start.")
    var minutes = 45.0

    @Option(help: "Observation interval, seconds.")
    var interval = 2.0

    @Option(help: "The range error imperfect corrections leave in each GPS and Galileo satellite (cm, 1σ), put into the user's observations.")
    var gnssRangeError = 0.0

    @Option(help: "The same for each LEO satellite, cm.")
    var leoRangeError = 0.0

    @Option(help: "Correlation time of the GNSS satellites' range errors, minutes.")
    var gnssRangeErrorTime = 30.0

    @Option(help: "Correlation time of the LEO satellites' range errors, minutes.")
    var leoRangeErrorTime = 10.0

    @Option(help: "The real day whose precise orbits and clocks make the GNSS sky (the ESBC data set of 2020-06-25).")
    var data = Self.defaultData

    func validate() throws {
        guard gnssRangeError >= 0, leoRangeError >= 0 else {
            throw ValidationError("--gnss-range-error and --leo-range-error must not be negative")
        }
        guard gnssRangeErrorTime > 0, leoRangeErrorTime > 0 else {
            throw ValidationError("--gnss-range-error-time and --leo-range-error-time must be positive")
        }
    }

    /// The real day's precise orbits and clocks in `--data`.
    static let orbits = "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
    static let clocks = "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"

    static var defaultData: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/data/ppp-esbc-2020177").path
    }

    func run() throws {
        let products: Products
        do {
            products = try Products.load(navigation: [data + "/" + SimulationFixture.navigation], sp3: [data + "/" + Self.orbits],
                                         clock: [data + "/" + Self.clocks])
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        var experiment = ConvergenceExperiment(precise: products.precise, broadcast: products.ephemerides,
                                               station: ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150))
        experiment.duration = minutes * 60
        experiment.interval = interval
        let gnssError = CorrectionResidual.Process(sigma: gnssRangeError / 100, correlationTime: gnssRangeErrorTime * 60)
        experiment.rangeError = [.gps: gnssError, .galileo: gnssError,
                                 .leo: .init(sigma: leoRangeError / 100, correlationTime: leoRangeErrorTime * 60)]
        guard let day = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25), scale: .gps) else { return }
        let step = (86_400 - experiment.duration - 600) / Double(max(runs, 1))
        // Calibration: the same engine on ESBC's real 30 s observations and on simulated 30 s observations, same starts.
        var real: [ObservationEpoch] = []
        do {
            let reader = try RINEXObservationSource(path: data + "/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
            while let e = try reader.next() { real.append(e) }
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        let outcomes = Mutex([Int: (ConvergenceExperiment.Outcome, ConvergenceExperiment.Outcome)]())
        let calibration = Mutex([Int: (ConvergenceExperiment.Outcome, ConvergenceExperiment.Outcome)]())
        let started = Date()
        print("station ESBC (simulated), \(runs) starts over 2020-06-25, \(Int(minutes)) min at \(interval) s each, GPS+Galileo vs GPS+Galileo+LEO (\(experiment.constellation.elements.count) satellites)")
        if gnssRangeError > 0 || leoRangeError > 0 {
            print(String(format: "corrections' range errors put into the observations: GNSS %.1f cm over %.0f min, LEO %.1f cm over %.0f min",
                         gnssRangeError, gnssRangeErrorTime, leoRangeError, leoRangeErrorTime))
        }
        let setup = experiment
        let realEpochs = real
        DispatchQueue.concurrentPerform(iterations: runs) { k in
            let start = day + 300 + Double(k) * step
            let result = setup.run(start: start, seed: UInt64(1000 + k))
            outcomes.withLock { $0[k] = result }
            let realOutcome = setup.gnssOnly(realEpochs, start: start, reference: setup.station)
            let simulatedOutcome = setup.gnssOnly(setup.simulatedGNSS(start: start, interval: 30, seed: UInt64(2000 + k)), start: start,
                                                  reference: setup.station)
            calibration.withLock { $0[k] = (realOutcome, simulatedOutcome) }
            func text(_ o: ConvergenceExperiment.Outcome) -> String {
                guard let c = o.convergence else { return "not converged" }
                return String(format: "%5.1f min (RMS %.1f/%.1f cm)", c / 60, (o.rms?.horizontal ?? 0) * 100, (o.rms?.vertical ?? 0) * 100)
            }
            StandardError.writeLine("  start \(start.iso8601(fractionDigits: 0)): GNSS-only \(text(result.0)), GNSS+LEO \(text(result.1))")
        }
        let all = outcomes.withLock { $0 }.sorted { $0.key < $1.key }.map(\.value)
        func summary(_ list: [ConvergenceExperiment.Outcome], _ name: String) -> Double {
            let times = list.map { $0.convergence ?? experiment.duration }.sorted()
            let median = times[times.count / 2]
            let p90 = times[min(times.count - 1, Int((Double(times.count) * 0.9).rounded(.up)) - 1)]
            let converged = list.compactMap(\.rms)
            let h = (converged.reduce(0) { $0 + $1.horizontal * $1.horizontal } / Double(max(converged.count, 1))).squareRoot()
            let v = (converged.reduce(0) { $0 + $1.vertical * $1.vertical } / Double(max(converged.count, 1))).squareRoot()
            print(String(format: "%@: median %.1f min, 90th percentile %.1f min, %d/%d converged, RMS after convergence %.1f cm horizontal, %.1f cm vertical",
                         name, median / 60, p90 / 60, converged.count, list.count, h * 100, v * 100))
            return median
        }
        let checks = calibration.withLock { $0 }.sorted { $0.key < $1.key }.map(\.value)
        let realMedian = summary(checks.map(\.0), "calibration, real ESBC 30 s, GNSS-only")
        let simulatedMedian = summary(checks.map(\.1), "calibration, simulated ESBC 30 s, GNSS-only")
        print(String(format: "calibration ratio simulated/real %.2f (within a factor of two: %@)", simulatedMedian / max(realMedian, 1),
                     simulatedMedian <= 2 * realMedian && simulatedMedian >= realMedian / 2 ? "yes" : "no"))
        let gnss = summary(all.map(\.0), "GNSS-only")
        let augmented = summary(all.map(\.1), "GNSS+LEO")
        print(String(format: "elapsed %.0f s; speed-up of the median %.1f×", Date().timeIntervalSince(started), gnss / max(augmented, 1)))
        print(String(format: "median convergence: GNSS-only %.1f min, GNSS+LEO %.1f min", gnss / 60, augmented / 60))
    }
}

