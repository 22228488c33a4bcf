import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Damaged and noisy input: the framer never crashes, reports each bad spot with its byte offset,
/// and keeps every good frame after it.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct UBXRobustnessTests {
    static func file() throws -> [UInt8] { try FileByteSource.readAll(path: SharedData.path("ubx/F9T-L2-5min.ubx.gz")) }
    // pyubx2 1.4.0 message counts for the whole file (see UBXTests.countsEqualPyubx2): 3066 messages.
    static let total = 3066

    static func frames(_ bytes: [UInt8], chunks: (inout SeededGenerator) -> Int, seed: UInt64 = 1)
        -> (frames: [UBXFrame], errors: [FormatError], tail: [FormatError], nmea: Int) {
        var rng = SeededGenerator(seed: seed)
        var framer = UBXFramer()
        var frames: [UBXFrame] = [], errors: [FormatError] = []
        var nmea = 0
        var i = 0
        while i < bytes.count {
            let n = max(1, chunks(&rng))
            framer.append(bytes[i..<min(bytes.count, i + n)])
            i += n
            while let item = framer.next() {
                switch item {
                case .frame(let f): frames.append(f)
                case .error(let e): errors.append(e)
                case .nmea: nmea += 1
                }
            }
        }
        var tail: [FormatError] = []
        for item in framer.finish() {
            switch item {
            case .frame(let f): frames.append(f)
            case .error(let e): tail.append(e)
            case .nmea: nmea += 1
            }
        }
        return (frames, errors, tail, nmea)
    }

    static func offset(_ e: FormatError) -> Int? {
        if case .byteOffset(let o) = e.location { return o }
        return nil
    }

    @Test func randomChunkSizesGiveTheSameFrames() throws {
        let bytes = try Self.file()
        let whole = Self.frames(bytes, chunks: { _ in 1 << 20 })
        #expect(whole.frames.count == Self.total && whole.errors.isEmpty && whole.tail.isEmpty)
        let tiny = Self.frames(bytes, chunks: { Int.random(in: 1...7, using: &$0) })
        let mixed = Self.frames(bytes, chunks: { Int.random(in: 1...5000, using: &$0) }, seed: 9)
        #expect(tiny.frames == whole.frames)
        #expect(mixed.frames == whole.frames)
        #expect(tiny.errors.isEmpty && mixed.errors.isEmpty)
    }

    @Test func flippedChecksumLosesOnlyThatFrame() throws {
        let bytes = try Self.file()
        let clean = Self.frames(bytes, chunks: { _ in 4096 })
        var damaged = bytes
        let victim = clean.frames[500]
        damaged[victim.offset + 6 + victim.payload.count] ^= 0x5A   // CK_A
        let victim2 = clean.frames[1500]
        damaged[victim2.offset + 7 + victim2.payload.count] ^= 0x01   // CK_B
        let r = Self.frames(damaged, chunks: { Int.random(in: 1...3000, using: &$0) })
        #expect(r.frames.count == Self.total - 2)
        #expect(r.errors.map(\.kind) == [.checksum, .checksum])
        #expect(r.errors.compactMap(Self.offset) == [victim.offset, victim2.offset])
        #expect(r.frames.contains(clean.frames[501]) && r.frames.contains(clean.frames[1501]))
    }

    @Test func oversizeLengthIsAnErrorAndTheNextFrameSurvives() throws {
        let bytes = Array(try Self.file().prefix(100_000))
        let clean = Self.frames(bytes, chunks: { _ in 4096 })
        let at = clean.frames[20].offset
        var noisy = Array(bytes[..<at])
        noisy += [0xB5, 0x62, 0x02, 0x15, 0xFF, 0xFF]
        noisy += bytes[at...]
        let r = Self.frames(noisy, chunks: { _ in 4096 })
        #expect(r.errors.map(\.kind) == [.length])
        #expect(r.errors.first.flatMap(Self.offset) == at)
        #expect(r.frames.map(\.payload) == clean.frames.map(\.payload))
    }

    @Test func truncatedTailIsReported() throws {
        let bytes = Array(try Self.file().prefix(100_000))
        let clean = Self.frames(bytes, chunks: { _ in 4096 })
        let k = try #require(clean.frames.lastIndex { $0.payload.count > 100 })
        let last = clean.frames[k]
        let cut = Array(bytes[..<(last.offset + 40)])
        let r = Self.frames(cut, chunks: { Int.random(in: 1...999, using: &$0) })
        #expect(r.frames == Array(clean.frames.prefix(k)))
        #expect(r.tail.first?.kind == .truncated)
        #expect(r.tail.first.flatMap(Self.offset) == last.offset)
    }

    @Test func nmeaAndGarbageBetweenFramesAreSkipped() throws {
        let bytes = Array(try Self.file().prefix(300_000))
        let clean = Self.frames(bytes, chunks: { _ in 4096 })
        var rng = SeededGenerator(seed: 5)
        var noisy: [UInt8] = []
        var sentences = 0
        for f in clean.frames {
            switch Int.random(in: 0...3, using: &rng) {
            case 0:
                sentences += 1
                noisy += Array("$GNGGA,213131.00,4404.12857,N,12118.84181,W,1,12,0.98,1131.6,M,-21.3,M,,*4F\r\n".utf8)
            case 1: noisy += (0..<Int.random(in: 1...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 2: noisy += [0xB5, 0x62, 0x01]   // a false sync that runs into the next frame
            default: break
            }
            noisy += f.bytes
        }
        let r = Self.frames(noisy, chunks: { Int.random(in: 1...2000, using: &$0) })
        #expect(r.nmea == sentences)
        #expect(r.frames.count == clean.frames.count, "\(r.frames.count) \(clean.frames.count) \(r.errors.prefix(5))")
        #expect(r.frames.map(\.payload) == clean.frames.map(\.payload))
        #expect(r.tail.allSatisfy { $0.kind == .truncated })
        #expect(r.errors.allSatisfy { [FormatError.Kind.checksum, .length].contains($0.kind) && Self.offset($0) != nil })
    }

    @Test func randomBytesAndDamagedPayloadsNeverCrash() throws {
        var rng = SeededGenerator(seed: 11)
        let garbage = (0..<1_000_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let r = Self.frames(garbage, chunks: { Int.random(in: 1...8000, using: &$0) })
        #expect(r.errors.allSatisfy { (Self.offset($0) ?? -1) >= 0 && (Self.offset($0) ?? .max) < garbage.count })
        for f in r.frames { _ = try? UBXMessage.decode(f) }
        // Valid frames whose payloads are cut short or scribbled on: decoding throws or succeeds, never traps.
        let real = Self.frames(Array(try Self.file().prefix(200_000)), chunks: { _ in 1 << 20 }).frames
        var thrown = 0
        for f in real {
            var cut = f
            cut.payload = Array(f.payload.prefix(Int.random(in: 0..<max(1, f.payload.count), using: &rng)))
            if (try? UBXMessage.decode(cut)) == nil { thrown += 1 }
            var scribbled = f
            for _ in 0..<8 where !scribbled.payload.isEmpty {
                scribbled.payload[Int.random(in: 0..<scribbled.payload.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            _ = try? UBXMessage.decode(scribbled)
        }
        #expect(thrown > 0)
    }

    /// Throughput of framing plus decoding every message (printed; debug builds are several times slower).
    @Test func throughput() throws {
        let bytes = try Self.file()
        let start = Date()
        var framer = UBXFramer()
        framer.append(bytes)
        var n = 0, measurements = 0
        while let item = framer.next() {
            if case .frame(let f) = item, let m = try? UBXMessage.decode(f) {
                n += 1
                if case .rawMeasurements(let r) = m { measurements += r.measurements.count }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("UBX: \(n) messages, \(measurements) measurements, \(bytes.count) bytes in \(String(format: "%.3f", seconds)) s"
              + " (\(String(format: "%.1f", Double(bytes.count) / seconds / 1e6)) MB/s)")
        #expect(n == Self.total)
    }
}
