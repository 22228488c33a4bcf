import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXWriterTests {
    /// Writing real epochs as RINEX 3.05 and 4.02 and reading them back gives the same values (0.001 resolution),
    /// and RTKLIB's convbin accepts the 3.05 file with the same epoch count where it is installed.
    @Test(arguments: [3.05, 4.02])
    func roundTrip(version: Double) throws {
        let reader = try RINEXObservationReader(path: SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"))
        var epochs: [ObservationEpoch] = []
        while epochs.count < 20, let e = try reader.next() { epochs.append(e) }
        var writer = RINEXObservationWriter(version: version, markerName: "ESBC", approximatePosition: reader.header.approximatePosition,
                                            interval: 30, observationTypes: RINEXObservationWriter.observationTypes(for: epochs))
        writer.glonassChannels = reader.header.glonassChannels
        var text = writer.header(firstEpoch: epochs.first?.time)
        for e in epochs { text += writer.epoch(e) }
        let path = NSTemporaryDirectory() + "gateway-writer-\(version).rnx"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let back = try RINEXObservationReader(path: path)
        #expect(back.header.version == version)
        var i = 0
        while let e = try back.next() {
            let original = epochs[i]
            #expect(e.time == original.time)
            #expect(e.satellites.count == original.satellites.count)
            for (a, b) in zip(e.satellites, original.satellites) {
                #expect(a.satellite == b.satellite)
                for s in b.signals {
                    let t = a.signal(s.signal)
                    #expect(t?.pseudorange == s.pseudorange && t?.carrierPhase == s.carrierPhase && t?.lli == s.lli
                            && t?.signalStrengthIndicator == s.signalStrengthIndicator, "\(b.satellite) \(s.signal)")
                }
            }
            i += 1
        }
        #expect(back.errors.isEmpty && i == epochs.count)
        if version == 3.05 && SharedData.hasTool("convbin") {
            let out = path + ".convbin"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["convbin", "-r", "rinex", "-o", out, path]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            let converted = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(atPath: out)
            #expect(converted.split(separator: "\n").filter { $0.hasPrefix(">") }.count == epochs.count)
        }
    }
}
