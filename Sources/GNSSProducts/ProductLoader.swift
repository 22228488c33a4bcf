import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits

/// Loads navigation and precise products from files, whatever their format
/// (recognised by content): broadcast ephemerides into an `EphemerisStore`,
/// SP3 orbits and RINEX clocks into a `PreciseEphemeris`.
public struct Products: Sendable {
    /// Every ephemeris of the files (a day of Galileo I/NAV and F/NAV every 10 minutes is 288 a satellite).
    public var ephemerides = EphemerisStore(historyLimit: .max)
    public var klobuchar: KlobucharCoefficients?
    public var precise = PreciseEphemeris()
    public var hasPreciseOrbits = false
    /// LEO satellites' broadcast ephemerides (from the satellite segment), for LEO-augmented PPP.
    public var leo = LEOEphemerisStore(limitPerSatellite: .max)
    /// Antenna calibrations from an ANTEX file.
    public var antennas: [AntennaCalibration] = []
    /// The antenna models the clock products were computed with, as their headers name them (`igs14_2108.atx`).
    public var clockAntennaModels: [String] = []
    public var problems: [FormatError] = []

    public init() {}

    public mutating func loadNavigation(_ path: String) throws(FormatError) {
        let (header, ephs, errors) = try RINEXNavigationReader.readAll(path: path)
        for e in ephs { ephemerides.add(e) }
        if klobuchar == nil, let k = header.klobuchar[.gps], k.alpha.count == 4, k.beta.count == 4 { klobuchar = k }
        problems += errors
    }

    public mutating func loadSP3(_ path: String) throws(FormatError) {
        let reader = try SP3Reader(path: path)
        while let epoch = try reader.next() {
            for r in epoch.records {
                if let p = r.position { precise.addPosition(r.satellite, time: epoch.time, position: p) }
            }
        }
        hasPreciseOrbits = true
        problems += reader.errors
    }

    public mutating func loadClock(_ path: String) throws(FormatError) {
        add(try Self.satelliteClocks(path))
    }

    typealias ClockFile = (clocks: PreciseEphemeris, header: RINEXClockHeader, errors: [FormatError])

    /// The satellite clocks (AS records) of a RINEX clock file, with its header.
    static func satelliteClocks(_ path: String) throws(FormatError) -> ClockFile {
        let reader = try RINEXClockReader(path: path)
        var clocks = PreciseEphemeris()
        while let c = try reader.nextSatelliteClock() { clocks.addClock(c.satellite, time: c.time, bias: c.bias) }
        return (clocks, reader.header, reader.errors)
    }

    private mutating func add(_ file: ClockFile) {
        precise.addClocks(of: file.clocks)
        for name in file.header.antennaModels where !clockAntennaModels.contains(name) { clockAntennaModels.append(name) }
        problems += file.errors
    }

    /// Every product file, finalised. The clock files, the largest (every satellite every 30 s or less), are read
    /// on a second thread while the others load.
    public static func load(navigation: [String], sp3: [String], clock: [String], leo: [String] = [],
                            antex: String? = nil) throws(FormatError) -> Products {
        let clocks = BackgroundClockFiles(clock)
        var p = Products()
        for n in navigation { try p.loadNavigation(n) }
        for s in sp3 { try p.loadSP3(s) }
        for l in leo { try p.loadLEOEphemerides(l) }
        if let antex {
            let (calibrations, errors) = try ANTEXReader.readAll(path: antex)
            p.antennas = calibrations
            p.problems += errors
        }
        for file in try clocks.wait() { p.add(file) }
        p.finalise()
        return p
    }

    /// LEO ephemerides as JSON lines (`gnss-sim observations` writes them): satellite, issue (optional), gps_seconds and
    /// the fractional part of reference, half_width, polynomial coefficients x, y, z and clock.
    public mutating func loadLEOEphemerides(_ path: String) throws(FormatError) {
        let reader = try LineReader(path: path)
        var number = 0
        while let line = try reader.next() {
            number += 1
            let text = line.text.trimmingCharacters(in: .whitespaces)
            guard !text.isEmpty else { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
                  let name = object["satellite"] as? String, let satellite = SatelliteID(rinex: name), satellite.system == .leo,
                  let seconds = object["gps_seconds"] as? Int, let reference = object["reference"] as? String,
                  let half = object["half_width"] as? Double, let x = object["x"] as? [Double], let y = object["y"] as? [Double],
                  let z = object["z"] as? [Double], let clock = object["clock"] as? [Double], !x.isEmpty, x.count == y.count, y.count == z.count
            else {
                problems.append(FormatError(.syntax, "not a LEO ephemeris", at: .line(number), file: path))
                continue
            }
            let fraction = reference.split(separator: ".").last.flatMap { Double("0." + $0) } ?? 0
            leo.add(LEOEphemeris(satellite: satellite, reference: GNSSTime(seconds: Int64(seconds), fraction: fraction), halfWidth: half,
                                 x: x, y: y, z: z, clock: clock, issue: object["issue"] as? Int ?? 0))
        }
    }

    public mutating func finalise() { precise.finalise() }
}

/// Clock files read on a thread of their own, in order; `wait` hands over what they held or the first error.
private final class BackgroundClockFiles: @unchecked Sendable {
    typealias File = Products.ClockFile
    private let done = DispatchSemaphore(value: 0)
    // Written by the thread before it signals `done`, read after `wait` returns.
    private var result: Result<[File], FormatError> = .success([])

    init(_ paths: [String]) {
        guard !paths.isEmpty else {
            done.signal()
            return
        }
        let thread = Thread { [self] in
            var files: [File] = []
            do {
                for path in paths { files.append(try Products.satelliteClocks(path)) }
                result = .success(files)
            } catch let e as FormatError {
                result = .failure(e)
            } catch {
                result = .failure(FormatError(.io, "\(error)"))
            }
            done.signal()
        }
        thread.start()
    }

    func wait() throws(FormatError) -> [File] {
        done.wait()
        return try result.get()
    }
}
