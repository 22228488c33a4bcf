import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Random and mutated inputs, seeded from the real files: every decoder must
/// finish without crashing, report problems as errors, and keep finding the
/// good records that follow bad ones. 100 000 cases in all.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct FuzzTests {
    static func mutate(_ input: [UInt8], _ rng: inout SeededGenerator) -> [UInt8] {
        var b = input
        let edits = Int.random(in: 1...6, using: &rng)
        for _ in 0..<edits where !b.isEmpty {
            let i = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0...5, using: &rng) {
            case 0: b[i] ^= UInt8(1 << Int.random(in: 0...7, using: &rng))
            case 1: b[i] = UInt8.random(in: 0...255, using: &rng)
            case 2: b.insert(UInt8.random(in: 0...255, using: &rng), at: i)
            case 3: b.remove(at: i)
            case 4: b.removeSubrange(i..<b.count)                      // truncate
            default:                                                   // duplicate a slice
                let j = min(b.count, i + Int.random(in: 1...40, using: &rng))
                b.insert(contentsOf: b[i..<j], at: i)
            }
        }
        return b
    }

    static func window(_ data: [UInt8], _ size: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        guard data.count > size else { return data }
        let start = Int.random(in: 0...(data.count - size), using: &rng)
        return Array(data[start..<(start + size)])
    }

    @Test func binaryStreams() throws {
        var rng = SeededGenerator(seed: 42)
        let rtcm = try FileByteSource.readAll(path: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))
        let ssr = try FileByteSource.readAll(path: SharedData.path("rtcm3/pygpsdata-NTRIP-4076.log"))
            + (try FileByteSource.readAll(path: SharedData.path("rtcm3/pygpsdata-1240-1264.log")))
        let ubx = Array(try FileByteSource.readAll(path: SharedData.path("ubx/F9T-L2-5min.ubx.gz")).prefix(300_000))
        var frames = 0
        for k in 0..<60_000 {
            let input: [UInt8]
            switch k % 4 {
            case 0: input = Self.mutate(Self.window(rtcm, 700, &rng), &rng)
            case 1: input = Self.mutate(Self.window(ssr, 500, &rng), &rng)
            case 2: input = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            default: input = Self.mutate(Self.window(ubx, 700, &rng), &rng)
            }
            if k % 4 == 3 {
                frames += decodeUBX(input, chunk: Int.random(in: 1...512, using: &rng)).messages.count
            } else {
                frames += decodeRTCM3(input, chunk: Int.random(in: 1...512, using: &rng)).messages.count
            }
        }
        #expect(frames > 10_000)   // windows of real streams still yield their intact frames
    }

    @Test func textFiles() throws {
        var rng = SeededGenerator(seed: 43)
        let sources = ["rtk-0759-3040/07590920.05o", "rinex-edge/demo3.10o", "rinex-edge/P43300USA_R_20190012056_17M_15S_MO.crx",
                       "rtk-0759-3040/07590920.05n", "rinex-edge/BRDC00IGS_R_20201360000_01D_MN.rnx", "rinex-edge/minimal.sp3d",
                       "rinex-edge/example1.sp3a"]
        let files = try sources.map { try FileByteSource.readAll(path: SharedData.path($0)) }
        var epochs = 0
        for k in 0..<40_000 {
            let which = k % files.count
            let data = files[which]
            // Keep the header (the first 3 kB) and cut a random piece of the body after it.
            let head = Array(data.prefix(3000))
            let body = Self.window(Array(data.dropFirst(3000)), 1500, &rng)
            let input = Self.mutate(head + body, &rng)
            let lines = LineReader(name: "fuzz", bytes: input)
            do {
                switch which {
                case 0, 1, 2:
                    let r = try RINEXObservationReader(lines: lines)
                    while try r.next() != nil { epochs += 1 }
                case 3, 4:
                    let r = try RINEXNavigationReader(lines: lines)
                    while try r.next() != nil { epochs += 1 }
                default:
                    let r = try SP3Reader(lines: lines)
                    while try r.next() != nil { epochs += 1 }
                }
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
        #expect(epochs > 1000)
    }

    /// ANTEX (written by `ANTEXText`, as ../shared/data has none), mutated: the reader and the variation lookup
    /// never crash, and every number they keep is finite.
    @Test func antexFiles() throws {
        var rng = SeededGenerator(seed: 44)
        var sample = ANTEXText()
        sample.antenna(type: "ASH701945E_M    NONE", frequencies: [
            ("G01", (1.2, -0.8, 91.0), (0..<19).map { Double($0) * 0.5 }), ("G02", (0.3, 0.1, 119.5), (0..<19).map { -Double($0) })])
        sample.antenna(type: "BLOCK IIF", serial: "G01", zenith: (0, 17, 1), validFrom: "  2011     7    16     0     0    0.0000000",
                       frequencies: [("G01", (394, 0, 1500), (0..<18).map(Double.init)), ("G02", (394, 0, 1500), (0..<18).map(Double.init))])
        let text = Array(sample.text.utf8)
        var kept = 0
        for _ in 0..<5_000 {
            let lines = LineReader(name: "fuzz", bytes: Self.mutate(text, &rng))
            guard let (antennas, _) = try? ANTEXReader.read(lines: lines) else { continue }
            for a in antennas {
                kept += 1
                for pattern in a.patterns.values {
                    #expect(pattern.offset.0.isFinite && pattern.offset.1.isFinite && pattern.offset.2.isFinite)
                    for angle in [-1e300, -5, 0, 7.3, 90, 1e300, .nan] { #expect(a.variation(pattern, angle: angle).isFinite) }
                }
            }
        }
        #expect(kept > 2_000)
    }
}
