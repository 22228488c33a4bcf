import Foundation
import DaemonSupport
import Testing

// MARK: - Helpers

/// Small seeded generator (SplitMix64) so every random test is reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A unique empty directory under the system temp directory; call `remove()` when done.
struct TempDir {
    let path: String
    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("segmentlog-test-\(UUID().uuidString)").path
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
    func file(_ name: String) -> String { path + "/" + name }
}

/// Deterministic payload for a record index: 0...40 bytes derived from the index.
func payload(_ index: UInt64) -> [UInt8] {
    let count = Int(index &* 7 % 41)
    return (0..<count).map { UInt8(truncatingIfNeeded: index &* 31 &+ UInt64($0) &* 17) }
}

func segmentNames(_ dir: TempDir) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".seg") }.sorted()
}

func firstIndex(ofSegment name: String) -> UInt64 { UInt64(name.prefix(20)) ?? 0 }

func segmentName(_ first: UInt64) -> String {
    let digits = String(first)
    return String(repeating: "0", count: 20 - digits.count) + digits + ".seg"
}

func readBytes(_ path: String) -> [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? [] }

func writeBytes(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

func truncateFile(_ path: String, to size: Int) throws { try writeBytes(Array(readBytes(path).prefix(size)), path) }

/// Opens a log, appends `payload(i)` for the indices it hands out until `count` records exist, closes it.
func makeLog(_ dir: TempDir, count: UInt64, segmentBytes: Int) throws {
    let log = try SegmentLog(directory: dir.path, segmentBytes: segmentBytes)
    for i in 1...count { #expect(try log.append(payload(i)) == i) }
    try log.sync()
}

/// Every record of the log, checked to be in strictly increasing index order.
func allRecords(_ log: SegmentLog) throws -> [(index: UInt64, payload: [UInt8])] {
    let records = try log.records(from: 0, limit: Int.max)
    #expect(zip(records, records.dropFirst()).allSatisfy { $0.index < $1.index })
    return records
}

// MARK: - Tests

@Test func crc32KnownVectors() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([]) == 0)
    #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
}

@Test func roundTripAcrossSegmentsAndReopen() throws {
    let dir = TempDir()
    defer { dir.remove() }
    do {
        let log = try SegmentLog(directory: dir.path, segmentBytes: 200)
        #expect(log.firstIndex == 1 && log.nextIndex == 1)
        #expect(try log.records(from: 1, limit: 10).isEmpty)
        for i in UInt64(1)...300 { #expect(try log.append(payload(i)) == i) }
        try log.sync()
        let records = try allRecords(log)
        #expect(records.map(\.index) == Array(1...300))
        #expect(records.allSatisfy { $0.payload == payload($0.index) })
        #expect(try log.records(from: 150, limit: 10).map(\.index) == Array(150...159))
        #expect(try log.records(from: 301, limit: 10).isEmpty)
        #expect(try log.records(from: 1, limit: 0).isEmpty)
    }
    let names = segmentNames(dir)
    #expect(names.count > 10)
    #expect(firstIndex(ofSegment: names[0]) == 1)
    let totalOnDisk = names.reduce(0) { $0 + readBytes(dir.file($1)).count }

    let log = try SegmentLog(directory: dir.path, segmentBytes: 200)
    #expect(log.recovery == SegmentLogRecovery())
    #expect(log.firstIndex == 1 && log.nextIndex == 301 && log.totalBytes == totalOnDisk)
    // Each file name carries the index of its first record.
    for name in names {
        let first = firstIndex(ofSegment: name)
        #expect(try log.records(from: first, limit: 1).first?.index == first)
    }
    #expect(try log.append(payload(301)) == 301)
    let records = try allRecords(log)
    #expect(records.map(\.index) == Array(1...301))
    #expect(records.allSatisfy { $0.payload == payload($0.index) })
}

@Test func secondInstanceOnSameDirectoryIsRefused() throws {
    let dir = TempDir()
    defer { dir.remove() }
    let log = try SegmentLog(directory: dir.path)
    #expect(throws: SegmentLogError.self) { _ = try SegmentLog(directory: dir.path) }
    #expect(try log.append([1]) == 1)
}

@Test func oversizedPayloadIsRejected() throws {
    let dir = TempDir()
    defer { dir.remove() }
    let log = try SegmentLog(directory: dir.path)
    #expect(throws: SegmentLogError.self) { try log.append([UInt8](repeating: 0, count: SegmentLog.maxPayloadBytes + 1)) }
    #expect(try log.append([7]) == 1)
    #expect(try log.records(from: 1, limit: 5).map(\.payload) == [[7]])
}

@Test(arguments: [1, 4, 7, 11, 12, 13, 20, -1])
func tornTailIsCutAndAppendingContinues(cut: Int) throws {
    let dir = TempDir()
    defer { dir.remove() }
    let n: UInt64 = 40  // payload(40) is 34 bytes
    try makeLog(dir, count: n, segmentBytes: 300)
    let last = dir.file(segmentNames(dir).last ?? "")
    let size = readBytes(last).count
    let lastRecordStart = size - 12 - payload(n).count
    let keep = cut < 0 ? 12 + payload(n).count - 1 : cut  // bytes of the last record that survive the "crash"
    try truncateFile(last, to: lastRecordStart + keep)

    let log = try SegmentLog(directory: dir.path, segmentBytes: 300)
    #expect(log.recovery == SegmentLogRecovery(truncatedBytes: keep))
    #expect(log.nextIndex == n)
    #expect(readBytes(last).count == lastRecordStart)
    let records = try allRecords(log)
    #expect(records.map(\.index) == Array(1..<n))
    #expect(records.allSatisfy { $0.payload == payload($0.index) })
    #expect(try log.append([0xAB, 0xCD]) == n)
    #expect(try log.records(from: n, limit: 5).map(\.payload) == [[0xAB, 0xCD]])
}

@Test func corruptLastRecordIsTreatedAsTornTail() throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 20, segmentBytes: 1 << 20)
    let path = dir.file(segmentNames(dir)[0])
    var bytes = readBytes(path)
    bytes[bytes.count - 3] ^= 0x40  // payload(20) has 17 bytes
    try writeBytes(bytes, path)

    let log = try SegmentLog(directory: dir.path)
    #expect(log.recovery == SegmentLogRecovery(truncatedBytes: 12 + payload(20).count))
    #expect(try allRecords(log).map(\.index) == Array(1...19))
    #expect(try log.append([1, 2, 3]) == 20)
}

@Test(arguments: [0, 5, 9, 14])  // byte of the record to damage: magic, length, CRC, payload
func corruptMiddleRecordIsSkippedAndCounted(byte: Int) throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 60, segmentBytes: 200)
    let names = segmentNames(dir)
    #expect(names.count >= 3)
    // Damage the second record of the second segment file.
    let first = firstIndex(ofSegment: names[1])
    let path = dir.file(names[1])
    var bytes = readBytes(path)
    let offset = 16 + 12 + payload(first).count + byte
    bytes[offset] ^= 0x5A
    try writeBytes(bytes, path)

    for _ in 0..<2 {  // twice: the second reopen must give the same answer from the same bytes
        let log = try SegmentLog(directory: dir.path, segmentBytes: 200)
        #expect(log.recovery == SegmentLogRecovery(corruptRecords: 1))
        #expect(log.nextIndex == 61)
        let records = try allRecords(log)
        #expect(records.map(\.index) == Array(1...60).filter { $0 != first + 1 })
        #expect(records.allSatisfy { $0.payload == payload($0.index) })
    }
}

@Test func regionHidingSeveralRecordsKeepsLaterIndicesInOlderSegment() throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 60, segmentBytes: 300)
    let names = segmentNames(dir)
    let first = firstIndex(ofSegment: names[0]), next = firstIndex(ofSegment: names[1])
    #expect(next - first >= 5)
    // Destroy the magic of records first+1 and first+2: one unreadable region covering two records.
    let path = dir.file(names[0])
    var bytes = readBytes(path)
    let r1 = 16 + 12 + payload(first).count
    let r2 = r1 + 12 + payload(first + 1).count
    bytes[r1] ^= 0xFF
    bytes[r2] ^= 0xFF
    try writeBytes(bytes, path)

    let log = try SegmentLog(directory: dir.path, segmentBytes: 300)
    let records = try allRecords(log)
    #expect(records.map(\.index) == Array(1...60).filter { $0 != first + 1 && $0 != first + 2 })
    #expect(records.allSatisfy { $0.payload == payload($0.index) })
}

@Test func removeSegmentsDeletesOnlyFullyCoveredSegments() throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 50, segmentBytes: 150)
    let names = segmentNames(dir)
    #expect(names.count >= 4)
    let third = firstIndex(ofSegment: names[2])
    do {
        let log = try SegmentLog(directory: dir.path, segmentBytes: 150)
        try log.removeSegments(through: third - 2)  // second segment still has record third-1
        #expect(segmentNames(dir) == Array(names.dropFirst()))
        #expect(log.firstIndex == firstIndex(ofSegment: names[1]))
        try log.removeSegments(through: third)  // covers the second segment, not the third
        #expect(segmentNames(dir) == Array(names.dropFirst(2)))
        #expect(log.firstIndex == third)
        #expect(try log.records(from: 1, limit: 1).first?.index == third)
        try log.sync()
    }
    do {
        let log = try SegmentLog(directory: dir.path, segmentBytes: 150)
        #expect(log.firstIndex == third && log.nextIndex == 51)
        #expect(try allRecords(log).map(\.index) == Array(third...50))
        // Acknowledge everything, including the segment being appended to.
        try log.removeSegments(through: 50)
        #expect(log.firstIndex == 51 && log.nextIndex == 51)
        #expect(try log.records(from: 0, limit: 10).isEmpty)
        #expect(segmentNames(dir) == [segmentName(51)])
        #expect(log.totalBytes == 16)
        try log.sync()
    }
    let log = try SegmentLog(directory: dir.path, segmentBytes: 150)
    #expect(log.firstIndex == 51 && log.nextIndex == 51)
    #expect(try log.append([9]) == 51)
    try log.removeSegments(through: 51)
    try log.removeSegments(through: 51)  // nothing left to remove: no-op
    #expect(log.firstIndex == 52 && log.nextIndex == 52)
    #expect(try log.append([10]) == 52)
    #expect(try log.records(from: 0, limit: 10).map(\.index) == [52])
}

@Test func maxBytesDropsOldestSegments() throws {
    let dir = TempDir()
    defer { dir.remove() }
    let segmentBytes = 256, cap = 1024
    let frame = 12 + 40
    do {
        let log = try SegmentLog(directory: dir.path, segmentBytes: segmentBytes, maxBytes: cap)
        for i in UInt64(1)...200 {
            try log.append([UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 40))
            #expect(log.totalBytes <= cap + segmentBytes + frame)
        }
        let kept = try allRecords(log)
        #expect(log.droppedRecords > 0 && log.droppedBytes > 0)
        #expect(log.droppedRecords + kept.count == 200)
        #expect(kept.map(\.index) == Array(log.firstIndex...200))
        #expect(kept.allSatisfy { $0.payload == [UInt8](repeating: UInt8(truncatingIfNeeded: $0.index), count: 40) })
        let onDisk = segmentNames(dir).reduce(0) { $0 + readBytes(dir.file($1)).count }
        #expect(log.totalBytes == onDisk)
        // Dropped bytes are whole segments: 16-byte headers plus the dropped records' frames.
        let headerBytes = log.droppedBytes - log.droppedRecords * frame
        #expect(headerBytes > 0 && headerBytes % 16 == 0)
    }
    // Reopening with a smaller cap enforces it right away.
    let log = try SegmentLog(directory: dir.path, segmentBytes: segmentBytes, maxBytes: 300)
    #expect(log.droppedRecords > 0)
    #expect(log.totalBytes <= 300 + segmentBytes + frame)
    #expect(log.nextIndex == 201)
    #expect(try allRecords(log).map(\.index) == Array(log.firstIndex...200))
}

@Test func garbageFilesAreSetAsideWithoutLosingGoodRecords() throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 40, segmentBytes: 200)
    let names = segmentNames(dir)
    var rng = SplitMix64(seed: 42)
    let firsts = Set(names.map(firstIndex(ofSegment:)))
    let free = (UInt64(2)...40).filter { !firsts.contains($0) }
    let randomName = segmentName(0), shortName = segmentName(free[0]), magicName = segmentName(free[1])
    try writeBytes((0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }, dir.file(randomName))
    try writeBytes([0x53, 0x4C, 0x4F], dir.file(shortName))
    var wrongMagic = readBytes(dir.file(names[0]))
    wrongMagic[0] = 0x58
    try writeBytes(wrongMagic, dir.file(magicName))
    try writeBytes([1, 2, 3], dir.file("notes.txt"))
    try writeBytes([1, 2, 3], dir.file("123.seg"))

    let log = try SegmentLog(directory: dir.path, segmentBytes: 200)
    #expect(log.recovery.skippedFiles == [randomName, shortName, magicName].sorted())
    #expect(log.recovery.corruptRecords == 0 && log.recovery.truncatedBytes == 0)
    let records = try allRecords(log)
    #expect(records.map(\.index) == Array(1...40))
    #expect(records.allSatisfy { $0.payload == payload($0.index) })
    #expect(segmentNames(dir) == names + ["123.seg"])
    #expect(FileManager.default.fileExists(atPath: dir.file(shortName + ".corrupt")))
    #expect(FileManager.default.fileExists(atPath: dir.file("notes.txt")))
    #expect(try log.append([5]) == 41)
}

@Test func unreadableNewestSegmentStillNeverReusesIndices() throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 10, segmentBytes: 1 << 20)
    try writeBytes([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10],
                   dir.file(segmentName(100)))
    let log = try SegmentLog(directory: dir.path)
    #expect(log.recovery.skippedFiles == [segmentName(100)])
    #expect(log.nextIndex == 100)
    #expect(try allRecords(log).map(\.index) == Array(1...10))
    #expect(try log.append([1]) == 100)
}

@Test func partiallyWrittenSegmentHeaderIsRepaired() throws {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 10, segmentBytes: 1 << 20)
    let valid = readBytes(dir.file(segmentNames(dir)[0]))
    // A crash right after the next segment (index 11) was created, with 5 header bytes written.
    var header = Array(valid.prefix(16))
    header[8] = 11
    try writeBytes(Array(header.prefix(5)), dir.file(segmentName(11)))

    let log = try SegmentLog(directory: dir.path)
    #expect(log.recovery == SegmentLogRecovery(truncatedBytes: 5))
    #expect(log.nextIndex == 11)
    #expect(try log.append([3]) == 11)
    #expect(try allRecords(log).map(\.index) == Array(1...11))
}

// MARK: - Fuzzing

/// Pristine log: 30 records over several small segments; returns (name, bytes) of each file.
func pristineLog() throws -> [(name: String, bytes: [UInt8])] {
    let dir = TempDir()
    defer { dir.remove() }
    try makeLog(dir, count: 30, segmentBytes: 160)
    return segmentNames(dir).map { ($0, readBytes(dir.file($0))) }
}

/// Writes `files` into a fresh `dir`, opens the log and checks the invariants that hold for any damage.
/// With `exactPayloads`, also checks that every surviving record carries its original payload.
/// Returns the surviving indices.
func reopenDamaged(_ dir: TempDir, _ files: [(name: String, bytes: [UInt8])], exactPayloads: Bool) throws -> [UInt64] {
    try? FileManager.default.removeItem(atPath: dir.path)
    try FileManager.default.createDirectory(atPath: dir.path, withIntermediateDirectories: true)
    for file in files { try writeBytes(file.bytes, dir.file(file.name)) }
    let log = try SegmentLog(directory: dir.path, segmentBytes: 160)
    let records = try allRecords(log)
    let next = log.nextIndex
    #expect(records.allSatisfy { $0.index < next })
    #expect(log.firstIndex <= records.first?.index ?? next)
    if exactPayloads { #expect(records.allSatisfy { $0.payload == payload($0.index) }) }
    #expect(try log.append([0xEE]) == next)
    #expect(try log.records(from: next, limit: 2).map(\.payload) == [[0xEE]])
    return records.map(\.index)
}

@Test func fuzzSingleTruncationOrByteFlip() throws {
    let pristine = try pristineLog()
    #expect(pristine.count >= 4)
    let firsts = pristine.map { firstIndex(ofSegment: $0.name) }
    let dir = TempDir()
    defer { dir.remove() }
    var rng = SplitMix64(seed: 0x5EED)
    for _ in 0..<2000 {
        var files = pristine
        let victim = Int.random(in: 0..<files.count, using: &rng)
        var bytes = files[victim].bytes
        if Bool.random(using: &rng) {
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
        } else {
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
        }
        files[victim].bytes = bytes
        let survivors = try reopenDamaged(dir, files, exactPayloads: true)
        // Every record stored in an undamaged file survives under its original index.
        let lo = firsts[victim], hi = victim + 1 < firsts.count ? firsts[victim + 1] : 31
        let expected = Array(UInt64(1)...30).filter { $0 < lo || $0 >= hi }
        #expect(Set(expected).isSubset(of: Set(survivors)))
    }
}

@Test func fuzzHeavyDamageNeverCrashes() throws {
    let pristine = try pristineLog()
    let dir = TempDir()
    defer { dir.remove() }
    var rng = SplitMix64(seed: 0xBAD5EED)
    for _ in 0..<500 {
        var files = pristine
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let victim = Int.random(in: 0..<files.count, using: &rng)
            var bytes = files[victim].bytes
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
            case 1: bytes += (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 2:
                let at = Int.random(in: 0..<max(1, bytes.count), using: &rng)
                for i in at..<min(bytes.count, at + Int.random(in: 1...24, using: &rng)) { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            default:
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            }
            files[victim].bytes = bytes
        }
        _ = try reopenDamaged(dir, files, exactPayloads: false)
    }
}
