import ArgumentParser
import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GNSSSimulation

/// What a scenario is made of, from the command line.
struct ScenarioOptions: ParsableArguments {
    @Option(help: "Start, GPS time, as YYYY-MM-DDTHH:MM:SS on 2020-06-25.")
    var start = "2020-06-25T06:00:00"

    @Option(help: "Minutes to simulate.")
    var minutes = 10.0

    @Option(help: "Observation interval, seconds.")
    var interval = 1.0

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 1

    @Option(name: .customLong("station"),
            help: "A fixed station, NAME@LAT,LON,HEIGHT (degrees, metres); repeat for several (default: SIM0 on the ESBC monument).")
    var stations: [String] = []

    @Option(name: .customLong("moving"),
            help: "A moving station driving circles, NAME@LAT,LON,HEIGHT,RADIUS,SPEED (centre in degrees and metres, radius m, speed m/s).")
    var moving: [String] = []

    @Option(name: .customLong("outage"), help: "A station recording nothing for a while, NAME@OFFSET+DURATION (seconds from the start).")
    var outages: [String] = []

    @Option(help: "GNSS orbits and clocks of the simulated sky: broadcast (the day's navigation file, carried in the RTCM streams) or precise (SP3 and clock files, the streams still carrying the day's broadcast ephemerides).")
    var sky = "broadcast"

    @Flag(help: "Leave the LEO satellites out.")
    var noLEO = false

    @Option(help: "The real day whose orbits and clocks make the GNSS sky.")
    var data = ConvergenceCommand.defaultData

    func startTime() throws -> GNSSTime {
        let fields = start.split(whereSeparator: { "-T:".contains($0) }).compactMap { Int($0) }
        guard fields.count == 6, let t0 = GNSSTime(calendar: CalendarDate(year: fields[0], month: fields[1], day: fields[2], hour: fields[3],
                                                                          minute: fields[4], second: Double(fields[5])), scale: .gps) else {
            throw ValidationError("--start must be YYYY-MM-DDTHH:MM:SS")
        }
        return t0
    }

    /// `LAT,LON,HEIGHT[,…]` after `NAME@`.
    static func parse(_ text: String, fields count: Int, option: String) throws -> (String, [Double]) {
        let parts = text.split(separator: "@", maxSplits: 1)
        let numbers = parts.count == 2 ? parts[1].split(separator: ",").compactMap { Double($0) } : []
        guard parts.count == 2, !parts[0].isEmpty, numbers.count == count else {
            throw ValidationError("--\(option) \(text): expected NAME@ followed by \(count) comma-separated numbers")
        }
        return (String(parts[0]), numbers)
    }

    func simulatedStations(start t0: GNSSTime) throws -> [SimulatedStation] {
        var list: [SimulatedStation] = []
        for text in stations {
            let (name, v) = try Self.parse(text, fields: 3, option: "station")
            list.append(SimulatedStation(name: name, trajectory: .fixed(Geodetic(latitudeDegrees: v[0], longitudeDegrees: v[1], height: v[2]).ecef()),
                                         stationID: list.count))
        }
        for text in moving {
            let (name, v) = try Self.parse(text, fields: 5, option: "moving")
            guard v[3] > 0, v[4] >= 0 else { throw ValidationError("--moving \(text): the radius must be positive and the speed not negative") }
            let centre = Geodetic(latitudeDegrees: v[0], longitudeDegrees: v[1], height: v[2]).ecef()
            list.append(SimulatedStation(name: name, trajectory: .circle(centre: centre, radius: v[3], speed: v[4], start: t0), stationID: list.count))
        }
        if list.isEmpty { list.append(SimulatedStation(name: "SIM0", trajectory: .fixed(SimulationFixture.reference), stationID: 0)) }
        for text in outages {
            let parts = text.split(separator: "@", maxSplits: 1)
            let span = parts.count == 2 ? parts[1].split(separator: "+").compactMap { Double($0) } : []
            guard parts.count == 2, span.count == 2, span[1] > 0, let i = list.firstIndex(where: { $0.name == parts[0] }) else {
                throw ValidationError("--outage \(text): expected NAME@OFFSET+DURATION for a station of the scenario")
            }
            list[i].outages.append(Outage(start: t0 + span[0], end: t0 + span[0] + span[1] - 1e-3))
        }
        guard Set(list.map(\.name)).count == list.count else { throw ValidationError("station names must differ") }
        return list
    }

    /// The scenario, and the broadcast ephemerides its streams carry (the day's real ones, whichever the sky).
    func scenario() throws -> (SimulationScenario, EphemerisStore?) {
        let t0 = try startTime()
        let list = try simulatedStations(start: t0)
        let gnss: any SatelliteSky
        var carried: EphemerisStore?
        do {
            switch sky {
            case "broadcast":
                let store = try SimulationFixture.ephemerides(directory: data)
                gnss = BroadcastSky(ephemerides: store, systems: [.gps, .galileo])
                carried = store
            case "precise":
                let products = try Products.load(navigation: [], sp3: [data + "/" + ConvergenceCommand.orbits],
                                                 clock: [data + "/" + ConvergenceCommand.clocks])
                gnss = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
                // The streams carry the day's real broadcast ephemerides: their errors against this sky are the real ones.
                carried = try SimulationFixture.ephemerides(directory: data)
            default:
                throw ValidationError("--sky must be broadcast or precise")
            }
        } catch let error as FormatError {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        guard minutes > 0, interval > 0 else { throw ValidationError("--minutes and --interval must be positive") }
        var scenario = SimulationScenario(start: t0, duration: minutes * 60, interval: interval, stations: list, gnss: gnss, leo: !noLEO, seed: seed)
        // The DPC determines each LEO satellite's clock from its onboard receiver: one oscillator for both.
        scenario.onboardOnSatelliteClock = true
        return (scenario, carried)
    }
}

struct ObservationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "observations",
        abstract: "Simulate stations under a real day's GNSS sky and the LEO constellation: per station an RTCM 3 stream, RINEX 4.02 and the truth; the satellite segment's stream; the LEO ephemerides."
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "Output directory.")
    var out = "sim"

    func run() throws {
        let (s, ephemerides) = try scenario.scenario()
        let total = s.times.count
        var done = 0
        let files = try SimulationFiles.make(s, ephemerides: ephemerides, rinex: true) { _ in
            done += 1
            if done % 600 == 0 { StandardError.writeLine("  \(done)/\(total) epochs") }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for f in files { try Data(f.bytes).write(to: URL(fileURLWithPath: out + "/" + f.name)) }
        StandardError.writeLine("\(total) epochs of \(s.stations.map(\.name).joined(separator: ", ")) → \(out)/: "
            + files.map { "\($0.name) (\($0.bytes.count / 1024) KiB)" }.joined(separator: ", "))
    }
}

struct FixtureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixture",
        abstract: "Write the bundled simulated data set (fixtures/sim) from its seed."
    )

    @Option(help: "Output directory.")
    var out = "fixtures/sim"

    @Option(help: "The directory holding the ESBC day's navigation file.")
    var data = ConvergenceCommand.defaultData

    func run() throws {
        let files: [(name: String, bytes: [UInt8])]
        do {
            files = try SimulationFixture.files(navigationDirectory: data)
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for f in files { try Data(f.bytes).write(to: URL(fileURLWithPath: out + "/" + f.name)) }
        StandardError.writeLine(files.map { "\($0.name) (\($0.bytes.count / 1024) KiB)" }.joined(separator: ", ") + " → \(out)/")
    }
}
