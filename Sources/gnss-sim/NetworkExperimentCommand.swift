import ArgumentParser
import DaemonSupport
import Dispatch
import Foundation
import GNSSCore
import GNSSNetwork
import GNSSProducts
import GNSSSimulation
import Synchronization

struct NetworkExperimentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "network-experiment",
        abstract: "The network's own corrections under a known truth: reference stations on the real sky of a day estimate GNSS orbit and clock corrections from its real broadcast ephemerides; their signal-in-space range error, and a user's kinematic PPP on them.",
        discussion: "The truth is the day's final orbits and clocks (never given to the network). The user station (ESBC, not in the network) has only the broadcast ephemerides and the network's corrections."
    )

    @Option(help: "Network layout: regional (20 stations over Europe) or global (24 stations).")
    var network: ReferenceNetwork = .regional

    @Option(help: "Stations of a global network.")
    var stations: Int?

    @Option(help: "Number of start times, spread evenly over the day.")
    var runs = 12

    @Option(name: .customLong("warm-up"), help: "Minutes of network processing before the user starts.")
    var warmUp = 30.0

    @Option(help: "Minutes the user is processed (and the corrections judged).")
    var minutes = 30.0

    @Option(help: "Network observation interval and correction update interval, seconds.")
    var interval = 30.0

    @Option(name: .customLong("user-interval"), help: "User observation interval, seconds.")
    var userInterval = 5.0

    @Flag(name: .customLong("no-orbits"), help: "Estimate clocks only: the orbit error along the network's lines of sight goes into them.")
    var clocksOnly = false

    @Flag(name: .customLong("fix-ambiguities"), help: "Fix the double-differenced ambiguities between neighbouring stations to integers.")
    var fixAmbiguities = false

    @Option(name: .customLong("clock-noise"), help: "Random walk of the satellite clock corrections, m/√s (white noise when not given).")
    var clockNoise: Double?

    @Option(name: .customLong("orbit-noise"), help: "Random walk of the orbit corrections, m/√s.")
    var orbitNoise = NetworkOptions().orbitProcessNoise

    @Option(name: .customLong("orbit-rate-prior"), help: "A priori rate of the GPS orbit corrections, m/s (Galileo: a third of it); 0 estimates no rates.")
    var orbitRatePrior = NetworkOptions().orbitRatePrior[.gps] ?? 0

    @Option(name: .customLong("orbit-rate-noise"), help: "Random walk of the orbit corrections' rates, m/s/√s.")
    var orbitRateNoise = NetworkOptions().orbitRateProcessNoise

    @Option(name: .customLong("code-noise"), help: "Reference stations' code noise at zenith, m (the filter weighs code by it).")
    var codeNoise = NetworkExperiment.referenceStationModel.codeNoise

    @Option(help: "Reference stations' code multipath at the horizon, m.")
    var multipath = NetworkExperiment.referenceStationModel.codeMultipath

    @Flag(name: .customLong("leo"), inversion: .prefixedNo,
          help: "The LEO part: the DPC determines the LEO orbits and clocks from their onboard GNSS data and corrects their broadcast; the user adds GNSS+LEO PPP.")
    var leo = true

    @Option(name: .customLong("leo-orbit-error"), help: "RMS error of the LEO broadcast orbits (the onboard orbit determination's), m.")
    var leoOrbitError = NetworkExperiment.realisticSegment.orbitError

    @Option(name: .customLong("leo-clock-error"), help: "RMS error of the LEO broadcast clocks, m.")
    var leoClockError = NetworkExperiment.realisticSegment.clockError

    @Option(name: .customLong("leo-accuracy"), help: "The accuracy (SSR URA, m) the DPC states with its LEO corrections; 0 states none.")
    var leoAccuracy = 0.1

    @Option(name: .customLong("leo-arc"), help: "Minutes of kinematic LEO positions each orbit fit spans.")
    var leoArc = LEOOrbitDetermination.Options().arcLength / 60

    @Flag(name: .customLong("leo-along"), help: "Fit a constant along-track acceleration with each LEO orbit.")
    var leoAlong = false

    @Option(name: .customLong("leo-gnss-sigma"), help: "Orbit-and-clock error (m) the LEO processing assumes of a GNSS satellite the network corrects, added to the network's formal orbit sigma.")
    var leoGNSSSigma = 0.05

    @Option(name: .customLong("leo-orbit-sigma-share"), help: "Share of the network's formal orbit sigma of a GNSS satellite the LEO processing adds to its error.")
    var leoOrbitSigmaShare = 0.3

    @Option(name: .customLong("leo-broadcast-gnss-sigma"), help: "Orbit-and-clock error (m) the LEO processing assumes of GPS's broadcast before the network corrects GPS (Galileo: a third of it).")
    var leoBroadcastSigma = 1.0

    @Flag(name: .customLong("leo-on-true-gnss"), help: "Diagnosis: position the LEO satellites on the true GNSS orbits and clocks, not the network's corrections.")
    var leoOnTrueGNSS = false

    @Option(name: .customLong("leo-gnss"), help: "The GNSS the LEO satellites are positioned on: gps, galileo or both.")
    var leoGNSS = "both"

    @Option(name: .customLong("leo-processing"), help: "The LEO onboard data: kinematic (positioned on the network's corrections, orbits fitted), joint (in the network filter beside the ground stations), hybrid (in the network filter, and the LEO orbits kinematic on its corrections).")
    var leoProcessing = LEOProcessing.kinematic

    @Option(name: .customLong("leo-joint-region"), help: "Joint processing: the LEO satellites within this angle (degrees, at the Earth's centre) of the user are processed.")
    var leoJointRegion = NetworkExperiment.jointRegionDegrees

    @Option(name: .customLong("leo-acceleration-noise"), help: "Joint processing: white noise of the LEO orbits' unmodelled acceleration, m/s² per √Hz.")
    var leoAccelerationNoise = NetworkOptions().leoAccelerationNoise

    @Option(name: .customLong("leo-mask"), help: "Elevation mask of the LEO satellites' onboard GNSS processing above their local horizon, degrees.")
    var leoMask = LEOKinematicFilter.Options().elevationMask / Constants.degreesToRadians

    @Option(help: "The real day whose precise orbits and clocks make the truth (the ESBC data set of 2020-06-25).")
    var data = ConvergenceCommand.defaultData

    func run() throws {
        let products: Products
        do {
            products = try Products.load(navigation: [data + "/" + SimulationFixture.navigation], sp3: [data + "/" + ConvergenceCommand.orbits],
                                         clock: [data + "/" + ConvergenceCommand.clocks])
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        var experiment = NetworkExperiment(precise: products.precise, broadcast: products.ephemerides, network: network.stations(count: stations),
                                           user: SimulationFixture.reference)
        experiment.warmUp = warmUp * 60
        experiment.userDuration = minutes * 60
        experiment.networkInterval = interval
        experiment.userInterval = userInterval
        experiment.model.codeNoise = codeNoise
        experiment.model.codeMultipath = multipath
        experiment.options.codeSigma = max(codeNoise, 0.01)
        experiment.options.estimateOrbits = !clocksOnly
        experiment.options.resolveAmbiguities = fixAmbiguities
        experiment.options.satelliteClockProcessNoise = clockNoise
        experiment.options.orbitProcessNoise = orbitNoise
        experiment.options.orbitRatePrior = orbitRatePrior > 0 ? [.gps: orbitRatePrior, .galileo: orbitRatePrior / 3] : [:]
        experiment.options.orbitRateProcessNoise = orbitRateNoise
        if leo {
            var segment = NetworkExperiment.realisticSegment
            segment.orbitError = leoOrbitError
            segment.clockError = leoClockError
            experiment.leoSegment = segment
            experiment.leoOptions.accuracy = leoAccuracy > 0 ? leoAccuracy : nil
            experiment.leoOptions.arcLength = leoArc * 60
            experiment.leoOptions.estimateAlong = leoAlong
            experiment.leoOnTrueGNSS = leoOnTrueGNSS
            experiment.leoOptions.kinematic.elevationMask = leoMask * Constants.degreesToRadians
            experiment.leoProcessing = leoProcessing
            experiment.leoJointRegion = leoJointRegion * Constants.degreesToRadians
            experiment.options.leoAccelerationNoise = leoAccelerationNoise
            experiment.options.leoElevationMask = leoMask * Constants.degreesToRadians
            experiment.leoOptions.kinematic.systems = leoGNSS == "gps" ? [.gps] : leoGNSS == "galileo" ? [.galileo] : [.gps, .galileo]
            experiment.leoGNSS.correctedSigma = leoGNSSSigma
            experiment.leoGNSS.orbitSigmaShare = leoOrbitSigmaShare
            experiment.leoGNSS.broadcastSigma = [.gps: leoBroadcastSigma, .galileo: leoBroadcastSigma / 3]
        }
        guard let day = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25), scale: .gps) else { return }
        let span = experiment.warmUp + experiment.userDuration
        let step = (86_400 - span - 600) / Double(max(runs, 1))
        print("\(network.rawValue) network, \(experiment.network.count) stations, \(runs) starts over 2020-06-25, \(Int(warmUp)) min warm-up then \(Int(minutes)) min judged, network at \(interval) s, user at \(userInterval) s, GPS+Galileo, orbits \(clocksOnly ? "not estimated" : "estimated")"
              + (leo ? String(format: "; LEO broadcast error %.2f m orbit, %.2f m clock, onboard data at %.0f s, LEO corrections every %.0f s",
                              leoOrbitError, leoClockError, experiment.onboardInterval, experiment.leoCorrectionInterval) : ""))
        let outcomes = Mutex([Int: NetworkExperiment.Outcome]())
        let setup = experiment
        let started = Date()
        DispatchQueue.concurrentPerform(iterations: runs) { k in
            let start = day + 300 + setup.warmUp + Double(k) * step
            let outcome = setup.run(start: start, seed: UInt64(3000 + k))
            outcomes.withLock { $0[k] = outcome }
            StandardError.writeLine(String(format: "  start %@: SISRE broadcast GPS %.1f cm Galileo %.1f cm, corrected GPS %.1f cm (%.1f radial-clock, %.1f along-cross) Galileo %.1f cm (%.1f, %.1f); user %@; %.3f s an epoch, %d states, %d ambiguities fixed",
                                           start.iso8601(fractionDigits: 0), Self.cm(outcome.broadcastSISRE[.gps]), Self.cm(outcome.broadcastSISRE[.galileo]),
                                           Self.cm(outcome.correctedSISRE[.gps]), Self.cm(outcome.correctedParts[.gps]?.radialClock),
                                           Self.cm(outcome.correctedParts[.gps]?.alongCross), Self.cm(outcome.correctedSISRE[.galileo]),
                                           Self.cm(outcome.correctedParts[.galileo]?.radialClock), Self.cm(outcome.correctedParts[.galileo]?.alongCross),
                                           outcome.convergence.map { String(format: "converged in %.1f min", $0 / 60) } ?? "not converged",
                                           outcome.secondsPerEpoch, outcome.states, outcome.lastEpoch?.fixedAmbiguities ?? 0))
            if setup.leoSegment != nil {
                StandardError.writeLine(String(format: "  start %@: LEO SISRE broadcast %.1f cm, corrected %.1f cm (%.1f radial-clock, %.1f along-cross), %.0f%% of those in view corrected; user GNSS+LEO %@; LEO %.3f s an onboard epoch",
                                               start.iso8601(fractionDigits: 0), Self.cm(outcome.leoBroadcastSISRE), Self.cm(outcome.leoCorrectedSISRE),
                                               Self.cm(outcome.leoCorrectedParts?.radialClock), Self.cm(outcome.leoCorrectedParts?.alongCross),
                                               outcome.leoAvailability * 100,
                                               outcome.augmentedConvergence.map { String(format: "converged in %.1f min", $0 / 60) } ?? "not converged",
                                               outcome.leoSecondsPerEpoch))
            }
        }
        let all = outcomes.withLock { $0 }.sorted { $0.key < $1.key }.map(\.value)
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? .nan : sorted[sorted.count / 2]
        }
        func rms(_ values: [Double]) -> Double { (values.reduce(0) { $0 + $1 * $1 } / Double(max(values.count, 1))).squareRoot() }
        let gps = rms(all.compactMap { $0.correctedSISRE[.gps] }), galileo = rms(all.compactMap { $0.correctedSISRE[.galileo] })
        print(String(format: "SISRE broadcast: GPS %.1f cm, Galileo %.1f cm", Self.cm(rms(all.compactMap { $0.broadcastSISRE[.gps] })),
                     Self.cm(rms(all.compactMap { $0.broadcastSISRE[.galileo] }))))
        print(String(format: "SISRE with the network's corrections: GPS %.1f cm, Galileo %.1f cm", Self.cm(gps), Self.cm(galileo)))
        print(String(format: "range error over the network's area (%d sites, each site's common part removed): broadcast GPS %.1f cm, "
                     + "Galileo %.1f cm; with the network's corrections GPS %.1f cm, Galileo %.1f cm",
                     ServiceAreaRangeError.grid(over: experiment.network).count,
                     Self.cm(rms(all.compactMap { $0.serviceAreaBroadcast[.gps] })), Self.cm(rms(all.compactMap { $0.serviceAreaBroadcast[.galileo] })),
                     Self.cm(rms(all.compactMap { $0.serviceAreaCorrected[.gps] })), Self.cm(rms(all.compactMap { $0.serviceAreaCorrected[.galileo] }))))
        let times = all.map { $0.convergence ?? experiment.userDuration }
        print(String(format: "network processing %.3f s an epoch (mean); elapsed %.0f s", all.map(\.secondsPerEpoch).reduce(0, +) / Double(max(all.count, 1)),
                     Date().timeIntervalSince(started)))
        guard leo else {
            print(String(format: "median convergence on the network's corrections: GNSS-only %.1f min (%d/%d converged); SISRE GNSS %.1f cm",
                         median(times) / 60, all.filter { $0.convergence != nil }.count, all.count, Self.cm(rms([gps, galileo]))))
            return
        }
        let leoSISRE = rms(all.compactMap(\.leoCorrectedSISRE))
        print(String(format: "LEO SISRE: broadcast %.1f cm, with the DPC's corrections %.1f cm; %.0f%% of the LEO satellites in view corrected",
                     Self.cm(rms(all.compactMap(\.leoBroadcastSISRE))), Self.cm(leoSISRE),
                     100 * all.map(\.leoAvailability).reduce(0, +) / Double(max(all.count, 1))))
        print(String(format: "GNSS range error with the network's corrections along the onboard receivers' lines of sight (each receiver's "
                     + "common part removed): GPS %.1f cm, Galileo %.1f cm", Self.cm(rms(all.compactMap { $0.gnssFromLEO[.gps] })),
                     Self.cm(rms(all.compactMap { $0.gnssFromLEO[.galileo] }))))
        if !all.compactMap(\.leoKinematicRMS).isEmpty {
            print(String(format: "LEO kinematic positions: RMS error radial %.1f cm, along %.1f cm, cross %.1f cm",
                         Self.cm(rms(all.compactMap { $0.leoKinematicRMS?.radial })), Self.cm(rms(all.compactMap { $0.leoKinematicRMS?.along })),
                         Self.cm(rms(all.compactMap { $0.leoKinematicRMS?.cross }))))
        }
        let augmented = all.map { $0.augmentedConvergence ?? experiment.userDuration }
        print(String(format: "converged: GNSS-only %d/%d, GNSS+LEO %d/%d (a run that does not converge counts as its %.0f min)",
                     all.filter { $0.convergence != nil }.count, all.count, all.filter { $0.augmentedConvergence != nil }.count, all.count, minutes))
        print(String(format: "median convergence on the network's corrections: GNSS-only %.1f min, GNSS+LEO %.1f min; SISRE GNSS %.1f cm, LEO %.1f cm",
                     median(times) / 60, median(augmented) / 60, Self.cm(rms([gps, galileo])), Self.cm(leoSISRE)))
    }

    static func cm(_ metres: Double?) -> Double { (metres ?? .nan) * 100 }
}

extension ReferenceNetwork: ExpressibleByArgument {}

extension LEOProcessing: ExpressibleByArgument {}
