import ArgumentParser
import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import Gateway

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Position recorded observation files (RINEX, Hatanaka, gzip) with SPP, RTK or PPP.",
        discussion: """
            Solutions go to --out (or stdout) in RTKLIB's ECEF .pos format, JSON lines or NMEA GGA; progress and a \
            summary go to stderr. Example:
              gatewayd replay --mode rtk --rover rover.obs --base base.obs --nav brdc.nav --format pos
            """
    )

    @Option(help: "Gateway configuration: replay its stations through the live pipeline, fed by --input STATION=PATH.")
    var config: String?

    @Option(name: .long, help: "With --config: a station's recorded stream or RINEX file, as STATION=PATH (repeatable).")
    var input: [String] = []

    @Option(name: .long, help: "With --config: replay at this multiple of real time (default: as fast as possible).")
    var speed: Double?

    @Option(help: "Positioning mode: spp, rtk or ppp (default: spp).")
    var mode: String = "spp"

    @Option(parsing: .upToNextOption, help: "Rover observation files, in time order.")
    var rover: [String] = []

    @Option(parsing: .upToNextOption, help: "Base station observation files (RTK).")
    var base: [String] = []

    @OptionGroup var products: ProductFileOptions

    @Option(parsing: .upToNextOption, help: "LEO satellites' broadcast ephemerides (JSON lines, as gnss-sim writes them); add L to --systems.")
    var leo: [String] = []

    @Option(help: "Antenna model file (ANTEX).")
    var atx: String?

    @Option(parsing: .upToNextOption, help: "PPP and SPP: recorded correction streams (RTCM 3 SSR, IGS SSR) applied to the broadcast ephemerides.")
    var ssr: [String] = []

    @Option(name: .customLong("ssr-reference"), help: "What the streams' RTCM SSR orbits refer to: apc (antenna phase centre) or com (centre of mass); IGS SSR's are the centre of mass's (default: apc).")
    var ssrReference: String = "apc"

    @Option(name: .customLong("ssr-latency"), help: "Seconds after its epoch each correction becomes usable, as a live stream delivers it (default: 0).")
    var ssrLatency: Double = 0

    @Option(name: .customLong("base-position"), parsing: .unconditional,
            help: "Base ECEF position X,Y,Z in metres; may start with a minus sign (default: the base file's header, or the base's own single-point fix when the header is over 100 m from it).")
    var basePosition: String?

    @Option(help: "Systems to use, e.g. G,R,E,C,J (default: G,R,E,C,J for SPP and RTK; G,E,L for PPP, the LEO satellites once their ephemerides are given).")
    var systems: String?

    @Option(help: "Satellites to leave out, e.g. G05,E14 (default: none).")
    var exclude: String?

    @Option(name: .customLong("elevation-mask"), help: "Elevation mask, degrees (default: 7 for SPP and PPP, 15 for RTK).")
    var elevationMask: Double?

    @Flag(name: .customLong("static"), help: "The receiver does not move: one position for the session (default: kinematic).")
    var isStatic = false

    @Option(help: "SPP ionosphere: iflc (ionosphere-free where two frequencies exist, else broadcast), brdc (broadcast model) or off (default: iflc).")
    var ionosphere: String = "iflc"

    @Option(name: .customLong("max-base-age"), help: "RTK: the oldest base epoch that serves a rover epoch, seconds (default: 30).")
    var maxBaseAge: Double = PositioningProfile.defaultMaxBaseAge

    @Option(name: .customLong("position-noise"), help: "Kinematic PPP: random walk of the position, m/√s (default: 0.1; 10 for a vehicle).")
    var positionNoise: Double?

    @Option(help: "When a recorded stream's (RTCM 3, UBX) ephemerides serve: ahead (every epoch, as after converting it to RINEX) or as-received (from their arrival on, as live) (default: ahead with --mode, as-received with --config).")
    var ephemerides: String?

    @Option(help: "Output format: pos, json or nmea (default: pos).")
    var format: String = "pos"

    @Flag(help: "With --format json: each epoch's satellites as the engine used them (used or why not, post-fit code and phase residuals) in \"satellite_report\".")
    var satellites = false

    @Option(help: "Output file (default: standard output).")
    var out: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard PositioningProfile.Mode(rawValue: mode) != nil else { throw ValidationError("--mode must be spp, rtk or ppp") }
        guard SolutionFormat(rawValue: format) != nil else { throw ValidationError("--format must be pos, json or nmea") }
        if satellites && format != "json" { throw ValidationError("--satellites needs --format json") }
        guard IonosphereModel(option: ionosphere) != nil else { throw ValidationError("--ionosphere must be iflc, brdc or off") }
        if let ephemerides, EphemerisTiming(rawValue: ephemerides) == nil { throw ValidationError("--ephemerides must be ahead or as-received") }
        guard SSRReferencePoint(rawValue: ssrReference) != nil else { throw ValidationError("--ssr-reference must be apc or com") }
        guard ssrLatency >= 0 else { throw ValidationError("--ssr-latency must not be negative") }
        if !ssr.isEmpty && mode == "rtk" { throw ValidationError("--ssr corrections serve --mode ppp and spp") }
        guard maxBaseAge > 0 else { throw ValidationError("--max-base-age must be positive") }
        if let positionNoise, !(positionNoise >= 0) { throw ValidationError("--position-noise must not be negative") }
        if config != nil {
            guard !input.isEmpty else { throw ValidationError("--config needs at least one --input STATION=PATH") }
            guard out != nil else { throw ValidationError("--config writes one file per station: give --out DIRECTORY") }
            _ = try parsedInputs()
            if let speed, !(speed > 0) { throw ValidationError("--speed must be positive") }
            return
        }
        guard !rover.isEmpty else { throw ValidationError("give at least one --rover observation file") }
        if mode == "rtk" && base.isEmpty { throw ValidationError("--mode rtk needs --base observation files") }
        if let elevationMask, !(elevationMask >= 0 && elevationMask < 90) { throw ValidationError("--elevation-mask must be within 0–90 degrees") }
        _ = try parsedSystems()
        _ = try parsedExclusions()
        _ = try parsedBasePosition()
    }

    func parsedExclusions() throws -> Set<SatelliteID> {
        guard let exclude else { return [] }
        var out = Set<SatelliteID>()
        for part in exclude.split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            guard text.count == 3, let id = SatelliteID(rinex: text) else {
                throw ValidationError("unknown satellite '\(part)' in --exclude (use RINEX names such as G05,E14)")
            }
            out.insert(id)
        }
        return out
    }

    func parsedSystems() throws -> Set<GNSSSystem>? {
        guard let systems else { return nil }
        let out = try SystemList.parse(systems, among: GNSSSystem.allCases, named: "G,R,E,C,J,I,S,L")
        guard !out.isEmpty else { throw ValidationError("--systems is empty") }
        return out
    }

    func parsedBasePosition() throws -> ECEF? {
        guard let basePosition else { return nil }
        let parts = basePosition.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let x = parts[0], let y = parts[1], let z = parts[2],
              ECEF(x, y, z).norm > 6.0e6, ECEF(x, y, z).norm < 7.0e6 else {
            throw ValidationError("--base-position must be X,Y,Z in metres on the Earth's surface")
        }
        return ECEF(x, y, z)
    }

    func parsedInputs() throws -> [String: [String]] {
        var inputs: [String: [String]] = [:]
        for item in input {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw ValidationError("--input must be STATION=PATH, not '\(item)'") }
            inputs[parts[0], default: []].append(parts[1])
        }
        return inputs
    }

    /// Replays the configuration's stations through the live pipeline.
    func runConfigured(_ path: String) throws {
        let outcome = ConfigurationLoader.load(path: path)
        guard let configuration = outcome.configuration else {
            for p in outcome.problems { StandardError.error(p.description) }
            throw ExitCode(1)
        }
        var replay = ConfiguredReplay(configuration: configuration, inputs: try parsedInputs(), outputDirectory: out ?? ".")
        replay.format = SolutionFormat(rawValue: format) ?? .pos
        replay.satelliteReport = satellites
        replay.speed = speed
        replay.ephemerides = ephemerides.flatMap(EphemerisTiming.init(rawValue:)) ?? .asReceived
        var lastReport = Date()
        if !quiet {
            replay.progress = { station, count, time in
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 1 {
                    lastReport = now
                    StandardError.writeLine("  \(station): \(count) epochs, at \(time.iso8601(fractionDigits: 0)) GPST")
                }
            }
        }
        let started = Date()
        let summaries: [String: ConfiguredReplay.StationSummary]
        do {
            summaries = try replay.run()
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        guard !quiet else { return }
        StandardError.writeLine(String(format: "replayed in %.2f s into %@", Date().timeIntervalSince(started), out ?? "."))
        for (name, s) in summaries.sorted(by: { $0.key < $1.key }) {
            let qualities = s.byQuality.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let taken = s.ssrMessages > 0 ? "\(s.ssrMessages) SSR messages, " : ""
            StandardError.writeLine("  \(name): \(s.epochs) epochs (\(qualities)), \(taken)\(s.correctionBytes) correction bytes, \(s.problems) decode errors")
        }
    }

    func run() throws {
        if let config { return try runConfigured(config) }
        var c = ReplayConfiguration()
        c.profile = PositioningProfile(mode: PositioningProfile.Mode(rawValue: mode) ?? .spp, dynamics: isStatic ? .static : .kinematic,
                                       elevationMask: elevationMask.map { $0 * Constants.degreesToRadians },
                                       systems: try parsedSystems(), excludedSatellites: try parsedExclusions(),
                                       ionosphere: IonosphereModel(option: ionosphere) ?? .ionosphereFree,
                                       maxBaseAge: maxBaseAge, positionProcessNoise: positionNoise)
        c.ephemerides = ephemerides.flatMap(EphemerisTiming.init(rawValue:)) ?? .ahead
        c.rover = rover
        c.base = base
        c.navigation = products.nav
        c.sp3 = products.sp3
        c.clock = products.clk
        c.leo = leo
        c.antex = atx
        c.ssr = ssr
        c.ssrReference = SSRReferencePoint(rawValue: ssrReference) ?? .antennaPhaseCentre
        c.ssrLatency = ssrLatency
        c.basePosition = try parsedBasePosition()
        c.format = SolutionFormat(rawValue: format) ?? .pos
        c.satelliteReport = satellites

        let sink: StandardOutput
        do {
            sink = try out.map { path throws(OutputFileError) in try StandardOutput(creating: path) } ?? StandardOutput()
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        var runner = ReplayRunner(configuration: c)
        let started = Date()
        var lastReport = Date()
        if !quiet {
            runner.progress = { count, time in
                let now = Date()
                if now.timeIntervalSince(lastReport) >= 1 {
                    lastReport = now
                    StandardError.writeLine("  \(count) epochs, at \(time.iso8601(fractionDigits: 0)) GPST")
                }
            }
        }
        let summary: ReplaySummary
        do {
            summary = try runner.run { sink.writeLine($0) }
        } catch {
            sink.flush()
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        sink.flush()
        if !quiet {
            let elapsed = Date().timeIntervalSince(started)
            let qualities = summary.byQuality.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            StandardError.writeLine(String(format: "%d epochs in %.2f s: %@", summary.epochs, elapsed, qualities))
            for (note, n) in summary.notes.sorted(by: { $0.value > $1.value }).prefix(5) {
                StandardError.writeLine("  no solution (\(n)×): \(note)")
            }
            for remark in summary.remarks { StandardError.writeLine("  \(remark)") }
        }
    }
}
