import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// An event record (flag 4) that adds an observation type in the middle of a file, read plain and after
/// compression by RNXCMP `rnx2crx` (PyPI `hatanaka` 2.8.1), which this project does not write.
@Suite
struct HatanakaEventTests {
    /// One F14.3 value with its LLI and signal-strength columns, as RINEX 3.05 table A3 lays them out.
    static func obs(_ v: Double?, _ lli: String = " ", _ ssi: String = " ") -> String {
        guard let v else { return String(repeating: " ", count: 16) }
        return String(format: "%14.3f", v) + lli + ssi
    }

    static func header(_ text: String, _ label: String) -> String {
        text.padding(toLength: 60, withPad: " ", startingAt: 0) + label
    }

    /// The RINEX 3.05 text, the reference for every value checked below.
    static let text: String = {
        var l: [String] = []
        l.append(header("     3.05           OBSERVATION DATA    G (GPS)", "RINEX VERSION / TYPE"))
        l.append(header("G    2 C1C L1C", "SYS / # / OBS TYPES"))
        l.append(header("  2020     6    25     0     0    0.0000000     GPS", "TIME OF FIRST OBS"))
        l.append(header("", "END OF HEADER"))
        l.append("> 2020 06 25 00 00  0.0000000  0  2")
        l.append("G05" + obs(20_000_000.123) + obs(105_100_000.456, " ", "7"))
        l.append("G07" + obs(21_000_000.456) + obs(110_350_000.123, " ", "6"))
        l.append("> 2020 06 25 00 00 30.0000000  0  2")
        l.append("G05" + obs(20_000_100.223) + obs(105_100_525.556, " ", "7"))
        l.append("G07" + obs(21_000_050.556) + obs(110_350_262.823, "1", "6"))
        l.append(">" + String(repeating: " ", count: 28) + "  4  2")
        l.append(header("G    3 C1C L1C S1C", "SYS / # / OBS TYPES"))
        l.append(header("S1C ADDED", "COMMENT"))
        l.append("> 2020 06 25 00 01  0.0000000  0  2")
        l.append("G05" + obs(20_000_200.323) + obs(105_101_051.656, " ", "7") + obs(45.25))
        l.append("G07" + obs(21_000_100.656) + obs(110_350_525.523, " ", "6") + obs(41.0))
        l.append("> 2020 06 25 00 01 30.0000000  0  1")
        l.append("G05" + obs(20_000_300.423) + obs(105_101_577.756, " ", "7") + obs(45.5))
        return l.joined(separator: "\n") + "\n"
    }()

    static func check(_ path: String, compact: Bool) throws {
        let reader = try RINEXObservationReader(path: path)
        #expect(reader.isCompact == compact)
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        #expect(reader.errors.isEmpty, "\(reader.errors)")
        #expect(epochs.map(\.flag) == [.ok, .ok, .headerFollows, .ok, .ok])
        #expect(epochs.map(\.satellites.count) == [2, 2, 0, 2, 1])
        #expect(reader.header.observationTypes[.gps]?.count == 3)
        let g05 = SatelliteID(rinex: "G05")!, g07 = SatelliteID(rinex: "G07")!, l1 = SignalCode(band: 1, attribute: "C")
        #expect(epochs[1].satellite(g07)?.signal(l1)?.carrierPhase == 110_350_262.823)
        #expect(epochs[1].satellite(g07)?.signal(l1)?.lli == 1)
        #expect(epochs[1].satellite(g05)?.signal(l1)?.cn0 == nil)
        #expect(epochs[3].time.iso8601() == "2020-06-25T00:01:00.000")
        #expect(epochs[3].satellite(g05)?.signal(l1)?.cn0 == 45.25)
        #expect(epochs[3].satellite(g07)?.signal(l1)?.carrierPhase == 110_350_525.523)
        #expect(epochs[4].satellite(g05)?.signal(l1)?.cn0 == 45.5)
        #expect(epochs[4].satellite(g05)?.signal(l1)?.pseudorange == 20_000_300.423)
    }

    @Test func plainAndCompact() throws {
        let dir = NSTemporaryDirectory() + "rinex-obs-event-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = dir + "/EVNT00XXX_R_20201770000_01M_30S_GO.rnx"
        try Self.text.write(toFile: plain, atomically: true, encoding: .utf8)
        try Self.check(plain, compact: false)
        guard SharedData.hasTool("rnx2crx") else {
            print("skipping the compact half: rnx2crx is not installed")
            return
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["rnx2crx", "-f", plain]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        try p.run()
        p.waitUntilExit()
        let crx = dir + "/EVNT00XXX_R_20201770000_01M_30S_GO.crx"
        try #require(FileManager.default.fileExists(atPath: crx))
        try Self.check(crx, compact: true)
    }

    /// rnx2crx writes the second epoch's G05 line as "100100 525100" (differences of 3rd order arcs) and starts
    /// again with full values after the event record. A difference that overflows 64 bits is reported with
    /// its line, and reading resumes at the event record, which re-initialises every arc.
    @Test func overflowingDifferenceIsReportedAndSkipped() throws {
        guard SharedData.hasTool("rnx2crx") else {
            print("skipping: rnx2crx is not installed")
            return
        }
        let dir = NSTemporaryDirectory() + "rinex-obs-overflow-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = dir + "/EVNT00XXX_R_20201770000_01M_30S_GO.rnx"
        try Self.text.write(toFile: plain, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["rnx2crx", "-f", plain]
        try p.run()
        p.waitUntilExit()
        let crx = dir + "/EVNT00XXX_R_20201770000_01M_30S_GO.crx"
        var lines = try String(contentsOfFile: crx, encoding: .utf8).components(separatedBy: "\n")
        let bad = try #require(lines.firstIndex(of: "100100 525100"))
        lines[bad] = "9223372036854775807 525100"
        let corrupt = dir + "/CORR00XXX_R_20201770000_01M_30S_GO.crx"
        try lines.joined(separator: "\n").write(toFile: corrupt, atomically: true, encoding: .utf8)
        let reader = try RINEXObservationReader(path: corrupt)
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        #expect(reader.errors.count == 1)
        if case .line(let n) = reader.errors.first?.location { #expect(n == bad + 1) } else { Issue.record("no line") }
        #expect(reader.errors.first?.file == corrupt)
        #expect(epochs.map(\.flag) == [.ok, .headerFollows, .ok, .ok])
        #expect(epochs.last?.satellite(SatelliteID(rinex: "G05")!)?.signal(SignalCode(band: 1, attribute: "C"))?.pseudorange == 20_000_300.423)
    }

    /// An absurd date (month 13) is reported with its line and the epochs after it still read; a short data
    /// line is legal RINEX (trailing blanks may be dropped) and reads with the missing values absent.
    @Test func absurdDateAndShortLine() throws {
        var l = Self.text.components(separatedBy: "\n")
        // Line 8 is the 00:00:30 epoch line; line 15 is G05 of the 00:01:00 epoch (C1C L1C S1C).
        l[7] = "> 2020 13 25 00 00 30.0000000  0  2"
        l[14] = "G05  20000200.3"
        let path = NSTemporaryDirectory() + "rinex-obs-absurd-\(getpid()).rnx"
        try l.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try RINEXObservationReader(path: path)
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        let lines = reader.errors.map { e -> Int in if case .line(let n) = e.location { return n } else { return 0 } }
        #expect(lines.first == 8)
        #expect(reader.errors.first?.kind == .time)
        #expect(epochs.first?.time.iso8601() == "2020-06-25T00:00:00.000")
        #expect(epochs.last?.time.iso8601() == "2020-06-25T00:01:30.000")
        #expect(epochs.last?.satellites.first?.signal(SignalCode(band: 1, attribute: "C"))?.cn0 == 45.5)
        let short = try #require(epochs.first { $0.time.iso8601() == "2020-06-25T00:01:00.000" })
        #expect(short.satellites.first?.signal(SignalCode(band: 1, attribute: "C"))?.pseudorange == 20_000_200.3)
        #expect(short.satellites.first?.signal(SignalCode(band: 1, attribute: "C"))?.carrierPhase == nil)
        #expect(reader.errors.count == 1)
    }
}
