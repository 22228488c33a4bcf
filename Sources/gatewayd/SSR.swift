import ArgumentParser
import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts

struct SSR: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssr",
        abstract: "State-space corrections (SSR): generate them from orbit and clock products.",
        subcommands: [SSREncode.self]
    )
}

struct SSREncode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Write RTCM 3 or IGS SSR orbit and clock corrections to the broadcast ephemerides from SP3 and clock files.",
        discussion: """
            Each correction refers to the broadcast ephemeris a receiver holds at its epoch (the one broadcast last, \
            Galileo's of I/NAV), named by its issue of data; clock corrections refer to the issue of the last orbit \
            correction. Corrections refer to their epoch plus half the update interval, as RTCM defines it. Example:
              gatewayd ssr encode --nav brdc.rnx --sp3 orbits.sp3 --clk clocks.clk --out corrections.rtcm3
            """
    )

    @OptionGroup var products: ProductFileOptions

    @Option(help: "Antenna model file (ANTEX): the satellites' antenna offsets, for --reference apc.")
    var atx: String?

    @Option(help: "Systems to correct: G, R, E, J (default: G,E).")
    var systems: String = "G,E"

    @Option(name: .customLong("orbit-interval"), help: "Seconds between orbit corrections, an SSR update interval (default: 60).")
    var orbitInterval: Double = 60

    @Option(name: .customLong("clock-interval"), help: "Seconds between clock corrections, an SSR update interval (default: 5).")
    var clockInterval: Double = 5

    @Option(help: "Message format: rtcm (1057–1068, 1240–1251) or igs (4076) (default: rtcm).")
    var format: String = "rtcm"

    @Option(help: "Point the corrected orbits give: apc (antenna phase centre, needs --atx) or com (centre of mass) (default: apc with --atx, else com).")
    var reference: String?

    @Option(help: "User range accuracy the corrections claim, metres, sent as SSR URA with each orbit update; 0 sends none (default: 0.01).")
    var ura: Double = 0.01

    @Option(help: "SSR provider identifier (default: 0).")
    var provider: Int = 0

    @Option(help: "SSR solution identifier (default: 0).")
    var solution: Int = 0

    @Option(help: "Output file.")
    var out: String

    @Flag(help: "No progress on stderr.")
    var quiet = false

    func validate() throws {
        guard !products.nav.isEmpty else { throw ValidationError("give --nav: the broadcast ephemerides the corrections refer to") }
        guard !products.sp3.isEmpty, !products.clk.isEmpty else { throw ValidationError("give --sp3 and --clk: the orbits and clocks to encode") }
        guard SSRGenerator.Format(rawValue: format) != nil else { throw ValidationError("--format must be rtcm or igs") }
        guard ura >= 0, ura.isFinite else { throw ValidationError("--ura must be a number of metres, 0 or more") }
        if let reference, SSRReferencePoint(rawValue: reference) == nil { throw ValidationError("--reference must be apc or com") }
        guard (0..<65_536).contains(provider), (0..<16).contains(solution) else {
            throw ValidationError("--provider must be within 0–65535 and --solution within 0–15")
        }
        _ = try parsedSystems()
    }

    func parsedSystems() throws -> Set<GNSSSystem> {
        try SystemList.parse(systems, among: SSRGenerator.supportedSystems, named: "G, R, E, J, C")
    }

    func run() throws {
        let started = Date()
        var options = SSRGenerator.Options()
        options.systems = try parsedSystems()
        options.orbitInterval = orbitInterval
        options.clockInterval = clockInterval
        options.format = SSRGenerator.Format(rawValue: format) ?? .rtcm
        options.reference = reference.flatMap(SSRReferencePoint.init(rawValue:)) ?? (atx == nil ? .centreOfMass : .antennaPhaseCentre)
        options.providerID = provider
        options.solutionID = solution
        options.accuracy = ura > 0 ? ura : nil
        let loaded: Products
        let offset: (@Sendable (SatelliteID, GNSSTime, ECEF) -> ECEF?)?
        var generator: SSRGenerator
        do {
            loaded = try Products.load(navigation: products.nav, sp3: products.sp3, clock: products.clk, antex: atx)
            offset = atx == nil ? nil : AntennaModels(calibrations: loaded.antennas, receiverType: nil,
                                                      eccentricity: ENU(east: 0, north: 0, up: 0)).ionosphereFreeSatelliteOffset
            generator = try SSRGenerator(ephemerides: loaded.ephemerides, precise: loaded.precise, options: options, antennaOffset: offset)
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(1)
        }
        guard let span = loaded.precise.orbitSpan else {
            StandardError.error("the SP3 files hold no orbits")
            throw ExitCode(1)
        }
        guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
            StandardError.error("cannot create \(out)")
            throw ExitCode(1)
        }
        var buffer: [UInt8] = []
        var counts: [String: Int] = [:]
        var frames = 0, bytes = 0
        var t = GNSSTime(seconds: Int64((span.lowerBound.totalSeconds / clockInterval).rounded(.up) * clockInterval))
        var lastReport = Date()
        while !(span.upperBound < t) {
            for m in generator.messages(at: t) {
                let frame = RTCM3Framer.frame(try RTCM3SSRCodec.encode(m))
                buffer += frame
                frames += 1
                bytes += frame.count
                counts[m.igsSubtype.map { "4076.\($0)" } ?? String(m.messageType), default: 0] += 1
            }
            if buffer.count > 1 << 20 {
                file.write(Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
            if !quiet, Date().timeIntervalSince(lastReport) >= 1 {
                lastReport = Date()
                StandardError.writeLine("  at \(t.iso8601(fractionDigits: 0)) GPST, \(frames) frames")
            }
            t = t + clockInterval
        }
        file.write(Data(buffer))
        try file.close()
        guard !quiet else { return }
        let types = counts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        StandardError.writeLine(String(format: "%d frames, %d bytes in %.2f s: %@", frames, bytes, Date().timeIntervalSince(started), types))
        StandardError.writeLine("  \(span.lowerBound.iso8601(fractionDigits: 0)) to \(span.upperBound.iso8601(fractionDigits: 0)) GPST, "
                                + "orbits to the \(options.reference == .centreOfMass ? "centre of mass" : "antenna phase centre")")
        for p in loaded.problems.prefix(5) { StandardError.writeLine("  \(p)") }
    }
}
