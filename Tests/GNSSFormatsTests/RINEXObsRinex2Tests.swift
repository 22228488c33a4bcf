import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// A RINEX 2.11 file with more than 12 satellites per epoch and 14 observation types (three lines per
/// satellite), made at test time by independent tools: RNXCMP `crx2rnx` (PyPI `hatanaka` 2.8.1) then
/// RTKLIB 2.4.3 `convbin -r rinex -v 2.11`, from P43300USA_R_20190012056_17M_15S_MO.crx.
@Suite(.enabled(if: SharedData.available && SharedData.hasTool("crx2rnx") && SharedData.hasTool("convbin"),
                "needs ../shared/data, crx2rnx and convbin"))
struct RINEXObsRinex2Tests {
    static func run(_ arguments: [String], in directory: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
    }

    // convbin's output: "# / TYPES OF OBSERV" 14 types C1 L1 P1 P2 L2 C2 C5 L5 C7 L7 C6 L6 C8 L8 over two lines;
    // 70 epochs; the first " 19 01 01 20 56 45.0000000  0 20E02E03...G16" continues on a second line
    // "G22G23G26G31S31S33S35S38". E02: C1 25430688.219, L1 133639165.949 (SSI 1), C5 25430690.553,
    // L5 99795491.632, C7 25430687.103, L7 102398838.461, C6 25430688.832, C8 25430688.620.
    // G01: C1 24689619.566, L1 129744826.202, P1 24689619.642, P2 24689621.833, L2 101099871.059,
    // C2 24689622.419, C5 24689622.141, L5 96887380.804.
    // Mapping of RINEX 2 names (documented in RINEX2Codes): GPS P1 → C1W, P2 → C2W, L2 → L2W, C2 → C2X
    // (2.11), C5/L5 → 5X; Galileo every band → X.
    @Test func convbinRinex211() throws {
        let dir = NSTemporaryDirectory() + "rinex-obs-211-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let crx = dir + "/P43300USA_R_20190012056_17M_15S_MO.crx"
        try FileManager.default.copyItem(atPath: SharedData.path("rinex-edge/P43300USA_R_20190012056_17M_15S_MO.crx"), toPath: crx)
        try Self.run(["crx2rnx", "-f", crx], in: dir)
        try Self.run(["convbin", "-r", "rinex", "-v", "2.11", "-o", dir + "/p433.19o", dir + "/P43300USA_R_20190012056_17M_15S_MO.rnx"], in: dir)
        let reader = try RINEXObservationReader(path: dir + "/p433.19o")
        #expect(reader.header.rinex2Types == ["C1", "L1", "P1", "P2", "L2", "C2", "C5", "L5", "C7", "L7", "C6", "L6", "C8", "L8"])
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        #expect(reader.errors.isEmpty, "\(reader.errors.prefix(3))")
        #expect(epochs.count == 70)
        let first = try #require(epochs.first)
        #expect(first.time.iso8601() == "2019-01-01T20:56:45.000")
        #expect(first.satellites.count == 20)
        #expect(first.satellites.last?.satellite.description == "S38")
        #expect(first.value("E02", "C1X") == 25_430_688.219)
        #expect(first.value("E02", "L1X") == 133_639_165.949)
        #expect(first.value("E02", "C5X") == 25_430_690.553)
        #expect(first.value("E02", "L5X") == 99_795_491.632)
        #expect(first.value("E02", "C7X") == 25_430_687.103)
        #expect(first.value("E02", "L7X") == 102_398_838.461)
        #expect(first.value("E02", "C6X") == 25_430_688.832)
        #expect(first.value("E02", "C8X") == 25_430_688.620)
        #expect(first.value("G01", "C1C") == 24_689_619.566)
        #expect(first.value("G01", "L1C") == 129_744_826.202)
        #expect(first.value("G01", "C1W") == 24_689_619.642)
        #expect(first.value("G01", "C2W") == 24_689_621.833)
        #expect(first.value("G01", "L2W") == 101_099_871.059)
        #expect(first.value("G01", "C2X") == 24_689_622.419)
        #expect(first.value("G01", "C5X") == 24_689_622.141)
        #expect(first.value("G01", "L5X") == 96_887_380.804)
        #expect(epochs.last?.time.iso8601() == "2019-01-01T21:14:00.000")
    }
}
