// SegmentLog: an append-only, checksummed, segmented record log kept in one directory.
//
// On-disk format (all integers little-endian):
//
//   Segment file  "<first index, 20 decimal digits, zero padded>.seg", e.g. 00000000000000000001.seg
//     file header, 16 bytes:
//       0  4  magic "SLOG" (53 4C 4F 47)
//       4  4  format version, currently 1
//       8  8  index of the first record in this file (equals the number in the file name)
//     then zero or more records, back to back.
//
//   Record
//       0  4  magic 9E 5A C3 71
//       4  4  payload length N (at most 16 MiB)
//       8  4  CRC-32 (IEEE / zlib) over bytes 4..<8 (the length field) followed by the payload
//      12  N  payload
//
// The n-th record of a file (counting from 0) has index `first + n`. Other files in the directory are
// ignored. A file named like a segment whose header is unreadable is renamed to "<name>.corrupt" and
// reported in `SegmentLogRecovery.skippedFiles`.

import Foundation
import Glibc

/// A failed log operation: names the file and the byte offset or the system call and its errno text.
public struct SegmentLogError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// Error for a failed system call; reads `errno`, so build it right after the call.
    static func posix(_ call: String, _ path: String, offset: Int? = nil) -> SegmentLogError {
        let code = errno
        let place = offset.map { " at offset \($0)" } ?? ""
        return SegmentLogError("\(call) failed for \(path)\(place): \(String(cString: strerror(code))) (errno \(code))")
    }
}

/// What opening the log had to repair.
public struct SegmentLogRecovery: Sendable, Equatable {
    /// Bytes cut off the end of the last segment: a record torn by a crash mid-append, a final record
    /// with a bad checksum, or a partially written segment header.
    public var truncatedBytes: Int = 0
    /// Unreadable records (bad magic, length or checksum) that valid records follow. Each skipped region
    /// counts once and uses up one index; the records after it keep their indices.
    public var corruptRecords: Int = 0
    /// Names of segment files with an unusable header (too short, wrong magic/version/index), renamed
    /// to "<name>.corrupt". Their records are lost; new indices stay above the number in their name.
    public var skippedFiles: [String] = []

    public init(truncatedBytes: Int = 0, corruptRecords: Int = 0, skippedFiles: [String] = []) {
        self.truncatedBytes = truncatedBytes
        self.corruptRecords = corruptRecords
        self.skippedFiles = skippedFiles
    }
}

/// An append-only record log split into segment files; see the format description at the top of this file.
///
/// Not thread-safe: the owner must serialise all calls (e.g. keep it inside one actor). The directory is
/// locked with `flock` while the instance lives, so a second `SegmentLog` on it fails to open, naming the
/// process that holds it (`SegmentLogOwner`). Files are
/// closed and the lock released in `deinit`.
///
/// Durability: `append` only hands the bytes to the kernel. Call `sync()` before acknowledging anything as
/// stored; it fsyncs the segment being written and, if files were created or removed since the last
/// sync, the directory. When a segment fills up, its file is fsynced before the next one is started, so
/// `sync()` covers every record appended before it, and the first `sync()` after opening also covers what
/// an earlier process appended without syncing.
public final class SegmentLog {
    /// One valid record found in a segment file.
    struct Entry {
        var index: UInt64
        var offset: Int
        var length: Int
    }

    private struct Segment {
        var first: UInt64       // index from the file name and header
        var low: UInt64         // index of the oldest valid record (== end when there is none)
        var end: UInt64         // one past the index of the newest valid record (first when there is none)
        var records: Int        // number of valid records
        var size: Int           // file size in bytes
        var scanLimit: UInt64?  // first index of the following segment when this one was scanned
    }

    static let fileMagic: [UInt8] = [0x53, 0x4C, 0x4F, 0x47]
    static let recordMagic: [UInt8] = [0x9E, 0x5A, 0xC3, 0x71]
    static let version: UInt32 = 1
    static let fileHeaderSize = 16
    static let recordHeaderSize = 12
    /// Largest payload `append` accepts: 16 MiB.
    public static let maxPayloadBytes = 16 << 20

    public let directory: String
    public let segmentBytes: Int
    public let maxBytes: Int?
    /// Opened only to read (`dpcd dump` beside a running `dpcd`): no lock, no repair, no writes.
    public let readOnly: Bool
    public private(set) var recovery = SegmentLogRecovery()
    /// Records deleted by the `maxBytes` cap since this instance was opened (valid records only).
    public private(set) var droppedRecords = 0
    /// File bytes deleted by the `maxBytes` cap since this instance was opened.
    public private(set) var droppedBytes = 0
    /// Bytes of all segment files, headers included.
    public private(set) var totalBytes = 0

    private var segments: [Segment] = []  // oldest first; the last one is appended to; never empty after init
    private var fd: Int32 = -1             // write descriptor of the last segment
    private var dirFD: Int32 = -1
    private var fileDirty = false
    private var dirDirty = false
    private var failure: SegmentLogError?  // set when a failed append could not be rolled back
    private var cache: (first: UInt64, entries: [Entry])?

    /// Index of the oldest record still on disk (== `nextIndex` when the log is empty).
    public var firstIndex: UInt64 { segments.first(where: { $0.records > 0 })?.low ?? nextIndex }
    /// Index the next `append` returns.
    public var nextIndex: UInt64 { active.end }

    private var active: Segment {
        get { segments[segments.count - 1] }
        set { segments[segments.count - 1] = newValue }
    }

    /// Opens (creating if needed) the log in `directory`. Every record of every segment is validated:
    /// unreadable records are skipped and counted, the torn or corrupt tail of the last segment is cut
    /// off, and the findings are in `recovery`. Throws only for bad arguments and failed system calls.
    /// - Parameters:
    ///   - segmentBytes: a new segment file is started once the current one has reached this size.
    ///   - maxBytes: cap on `totalBytes`, enforced here and by every `append`; nil = unbounded.
    ///   - readOnly: read what is there while another process may be writing: nothing is locked,
    ///     repaired or created, a torn tail is only skipped, and every write throws.
    public init(directory: String, segmentBytes: Int = 4 << 20, maxBytes: Int? = nil, readOnly: Bool = false) throws {
        self.directory = directory
        self.segmentBytes = segmentBytes
        self.maxBytes = maxBytes
        self.readOnly = readOnly
        if readOnly { failure = SegmentLogError("\(directory) is open read-only") }
        guard segmentBytes > 0, (maxBytes ?? 1) > 0 else {
            throw SegmentLogError("segmentBytes and maxBytes must be positive")
        }
        do {
            if !readOnly { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        } catch {
            throw SegmentLogError("cannot create directory \(directory): \(error)")
        }
        dirFD = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dirFD >= 0 else { throw SegmentLogError.posix("open", directory) }
        if !readOnly {
            guard flock(dirFD, LOCK_EX | LOCK_NB) == 0 else {
                if errno == EWOULDBLOCK { throw SegmentLogOwner.lockedError(directory: directory) }
                throw SegmentLogError.posix("flock", directory)
            }
            SegmentLogOwner.record(in: directory)
        }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw SegmentLogError("cannot list directory \(directory): \(error)")
        }
        try recover(segmentFiles: names.compactMap(Self.parseName).sorted { $0.first < $1.first })
        if !readOnly { try enforceCap() }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
        if dirFD >= 0 { Glibc.close(dirFD) }
    }

    /// Appends a record and returns its index. If `maxBytes` is set, the oldest whole segments (never the
    /// current one) are then deleted until `totalBytes` fits; see `droppedRecords` / `droppedBytes`.
    /// Not durable until `sync()`.
    @discardableResult
    public func append(_ payload: [UInt8]) throws -> UInt64 {
        if let failure { throw failure }
        guard payload.count <= Self.maxPayloadBytes else {
            throw SegmentLogError("payload of \(payload.count) bytes exceeds the limit of \(Self.maxPayloadBytes)")
        }
        let index = nextIndex
        guard index < UInt64.max else { throw SegmentLogError("record index space exhausted") }
        if active.size >= segmentBytes && active.size > Self.fileHeaderSize { try rotate(syncOld: true) }

        var frame = Self.recordMagic
        frame.reserveCapacity(Self.recordHeaderSize + payload.count)
        frame += Self.le32(UInt32(payload.count))
        frame += Self.le32(CRC32.finalize(CRC32.update(CRC32.update(CRC32.initial, frame[4..<8]), payload[...])))
        frame += payload
        let offset = active.size
        let path = path(for: active.first)
        do {
            try Self.writeAll(fd, frame, at: offset, path: path)
        } catch {
            if ftruncate(fd, off_t(offset)) != 0 {
                failure = SegmentLogError("\(path) may end in a partial record at offset \(offset) after a failed "
                    + "write (\(error)); reopen the log to repair it")
            }
            throw error
        }
        var seg = active
        if seg.records == 0 { seg.low = index }
        seg.records += 1
        seg.end = index + 1
        seg.size += frame.count
        active = seg
        totalBytes += frame.count
        fileDirty = true
        if cache?.first == seg.first { cache?.entries.append(Entry(index: index, offset: offset, length: payload.count)) }
        try enforceCap()
        return index
    }

    /// fsyncs the current segment, and the directory if segment files were created or removed since the
    /// last call. After it returns, every appended record and every removal survives a crash.
    public func sync() throws {
        if let failure { throw failure }
        if fileDirty {
            guard fsync(fd) == 0 else { throw SegmentLogError.posix("fsync", path(for: active.first)) }
            fileDirty = false
        }
        if dirDirty {
            guard fsync(dirFD) == 0 else { throw SegmentLogError.posix("fsync", directory) }
            dirDirty = false
        }
    }

    /// Up to `limit` records with index >= `index`, in index order, read from disk. Removed and corrupt
    /// records are skipped. Throws if a record changed on disk after it was validated.
    public func records(from index: UInt64, limit: Int) throws -> [(index: UInt64, payload: [UInt8])] {
        var out: [(index: UInt64, payload: [UInt8])] = []
        guard limit > 0 else { return out }
        for seg in segments where seg.records > 0 && seg.end > index {
            let entries = try entries(of: seg)
            let path = path(for: seg.first)
            let rfd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard rfd >= 0 else { throw SegmentLogError.posix("open", path) }
            defer { Glibc.close(rfd) }
            var lo = 0, hi = entries.count  // first entry with index >= `index`
            while lo < hi {
                let mid = (lo + hi) / 2
                if entries[mid].index < index { lo = mid + 1 } else { hi = mid }
            }
            for e in entries[lo...] {
                var frame = [UInt8](repeating: 0, count: Self.recordHeaderSize + e.length)
                let n = try Self.readAll(rfd, &frame, at: e.offset, path: path)
                guard n == frame.count, Self.validRecord(frame, at: 0) == e.length else {
                    throw SegmentLogError("record \(e.index) in \(path) at offset \(e.offset) changed on disk "
                        + "after it was validated; reopen the log")
                }
                out.append((e.index, Array(frame[Self.recordHeaderSize...])))
                if out.count == limit { return out }
            }
        }
        return out
    }

    /// Deletes every whole segment whose records all have an index <= `index`. If that includes the
    /// segment being appended to, an empty segment named `nextIndex` replaces it, so the log is then
    /// empty (`firstIndex == nextIndex`) and keeps its index counter across reopening.
    /// Call `sync()` to make the removal durable.
    public func removeSegments(through index: UInt64) throws {
        if let failure { throw failure }
        while segments.count > 1, segments[0].records == 0 || segments[0].end - 1 <= index {
            try removeOldest()
        }
        if segments.count == 1, active.records > 0, active.end - 1 <= index {
            try rotate(syncOld: false)
            try removeOldest()
        }
    }

    // MARK: - Opening

    /// Validates headers, scans records, truncates the torn tail and opens the segment to append to.
    private func recover(segmentFiles: [(first: UInt64, name: String)]) throws {
        var valid: [(first: UInt64, name: String)] = []
        var tornHeader: (first: UInt64, name: String, size: Int)?
        var floor: UInt64 = 0  // no new record may get an index below this
        for (i, file) in segmentFiles.enumerated() {
            let path = directory + "/" + file.name
            var head = [UInt8](repeating: 0, count: Self.fileHeaderSize)
            let rfd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
            guard rfd >= 0 else { throw SegmentLogError.posix("open", path) }
            let n: Int
            do { defer { Glibc.close(rfd) }; n = try Self.readAll(rfd, &head, at: 0, path: path) }
            let expected = Self.fileHeader(file.first)
            if n == Self.fileHeaderSize && head == expected {
                valid.append(file)
            } else if i == segmentFiles.count - 1 && head[..<n] == expected[..<n] {
                tornHeader = (file.first, file.name, n)  // crash while a new segment was being started
            } else {
                try setAside(file.name)
                floor = max(floor, file.first)
            }
        }
        for (i, file) in valid.enumerated() {
            let path = directory + "/" + file.name
            let isLast = i == valid.count - 1
            let limit = isLast ? nil : valid[i + 1].first
            let bytes = try Self.readFile(path)
            let scan = Self.scan(bytes, first: file.first, limit: limit)
            var size = bytes.count
            recovery.corruptRecords += scan.corrupt
            if scan.validEnd < size {
                if isLast && readOnly {
                    size = scan.validEnd
                } else if isLast {
                    guard truncate(path, off_t(scan.validEnd)) == 0 else { throw SegmentLogError.posix("truncate", path) }
                    recovery.truncatedBytes += size - scan.validEnd
                    size = scan.validEnd
                } else {
                    recovery.corruptRecords += 1
                }
            }
            segments.append(Segment(first: file.first, low: scan.entries.first?.index ?? scan.endIndex,
                                    end: scan.endIndex, records: scan.entries.count, size: size, scanLimit: limit))
            totalBytes += size
            if isLast { cache = (file.first, scan.entries) }
        }
        floor = max(floor, segments.last?.end ?? 1)
        if readOnly {
            if segments.isEmpty { segments.append(Segment(first: floor, low: floor, end: floor, records: 0, size: 0, scanLimit: nil)) }
            return
        }
        if let torn = tornHeader {
            let path = directory + "/" + torn.name
            if torn.first >= floor {
                guard unlink(path) == 0 else { throw SegmentLogError.posix("unlink", path) }
                recovery.truncatedBytes += torn.size
                dirDirty = true
                floor = torn.first  // recreated below unless the previous segment ends exactly here
            } else {
                try setAside(torn.name)
            }
        }
        if let last = segments.last, last.end == floor {
            let path = path(for: last.first)
            fd = Glibc.open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw SegmentLogError.posix("open", path) }
            // What a previous process appended may still be only in the page cache: the first sync covers it.
            fileDirty = true
        } else {
            fd = try createSegment(floor)
        }
    }

    private func setAside(_ name: String) throws {
        let path = directory + "/" + name
        guard !readOnly else {
            recovery.skippedFiles.append(name)
            return
        }
        guard rename(path, path + ".corrupt") == 0 else { throw SegmentLogError.posix("rename", path) }
        recovery.skippedFiles.append(name)
        dirDirty = true
    }

    // MARK: - Segment files

    private func path(for first: UInt64) -> String {
        let digits = String(first)
        return directory + "/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".seg"
    }

    /// `(first, name)` for a name of exactly 20 digits + ".seg", else nil.
    private static func parseName(_ name: String) -> (first: UInt64, name: String)? {
        let utf8 = Array(name.utf8)
        guard utf8.count == 24, name.hasSuffix(".seg"), utf8[..<20].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let first = UInt64(String(decoding: utf8[..<20], as: UTF8.self)) else { return nil }
        return (first, name)
    }

    /// Creates an empty segment whose first record will get `first`, appends it to `segments` and returns
    /// its write descriptor.
    private func createSegment(_ first: UInt64) throws -> Int32 {
        let path = path(for: first)
        let newFD = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard newFD >= 0 else { throw SegmentLogError.posix("open", path) }
        do {
            try Self.writeAll(newFD, Self.fileHeader(first), at: 0, path: path)
        } catch {
            Glibc.close(newFD)
            unlink(path)
            throw error
        }
        segments.append(Segment(first: first, low: first, end: first, records: 0,
                                size: Self.fileHeaderSize, scanLimit: nil))
        totalBytes += Self.fileHeaderSize
        dirDirty = true
        return newFD
    }

    /// Starts a new segment at `nextIndex`; the old one is fsynced first if `syncOld`.
    private func rotate(syncOld: Bool) throws {
        if syncOld && fileDirty {
            guard fsync(fd) == 0 else { throw SegmentLogError.posix("fsync", path(for: active.first)) }
        }
        let newFD = try createSegment(nextIndex)
        Glibc.close(fd)
        fd = newFD
        fileDirty = false
    }

    private func removeOldest() throws {
        let seg = segments[0]
        let path = path(for: seg.first)
        guard unlink(path) == 0 || errno == ENOENT else { throw SegmentLogError.posix("unlink", path) }
        segments.removeFirst()
        totalBytes -= seg.size
        dirDirty = true
        if cache?.first == seg.first { cache = nil }
    }

    /// Deletes the oldest segments (never the current one) while `totalBytes` exceeds `maxBytes`.
    private func enforceCap() throws {
        guard let maxBytes else { return }
        while totalBytes > maxBytes && segments.count > 1 {
            let seg = segments[0]
            try removeOldest()
            droppedRecords += seg.records
            droppedBytes += seg.size
        }
    }

    /// Valid records of `seg`, from the cache or by reading and scanning its file.
    private func entries(of seg: Segment) throws -> [Entry] {
        if let cache, cache.first == seg.first { return cache.entries }
        let entries = Self.scan(try Self.readFile(path(for: seg.first)), first: seg.first, limit: seg.scanLimit).entries
        cache = (seg.first, entries)
        return entries
    }

    // MARK: - Parsing

    struct Scan {
        var entries: [Entry] = []
        var corrupt = 0      // skipped regions and records whose index could not be placed
        var validEnd: Int    // offset just past the last valid record
        var endIndex: UInt64 // one past the index of the last valid record (first if none)
    }

    /// Parses a whole segment file (header already checked). An unreadable region followed by a valid
    /// record takes one index; an unreadable region at the end is left out (`validEnd`). If `limit`
    /// (the next segment's first index) shows that an unreadable region hid more or fewer records than
    /// counted, the records after the last such region are numbered back from `limit`.
    static func scan(_ b: [UInt8], first: UInt64, limit: UInt64?) -> Scan {
        var items: [Entry?] = []  // nil marks an unreadable region
        var p = fileHeaderSize, validEnd = fileHeaderSize
        while p < b.count {
            if let length = validRecord(b, at: p) {
                items.append(Entry(index: 0, offset: p, length: length))
                p += recordHeaderSize + length
                validEnd = p
                continue
            }
            var q = p + 1
            while q + recordHeaderSize <= b.count && !(b[q] == recordMagic[0] && validRecord(b, at: q) != nil) { q += 1 }
            guard q + recordHeaderSize <= b.count else { break }
            items.append(nil)
            p = q
        }
        var result = Scan(validEnd: validEnd, endIndex: first)
        let lastGap = items.lastIndex(where: { $0 == nil })
        let span = limit.map { $0 > first ? $0 - first : 0 }
        let anchor = lastGap != nil && span != nil && span != UInt64(items.count)
        for (i, item) in items.enumerated() {
            guard var entry = item else { result.corrupt += 1; continue }
            var index: UInt64?
            if anchor, let limit, let span, let lastGap, i > lastGap {
                let back = UInt64(items.count - i)
                index = back <= span ? limit - back : nil
            } else {
                let (sum, overflow) = first.addingReportingOverflow(UInt64(i))
                index = overflow ? nil : sum
            }
            guard let index, index >= result.endIndex, index < (limit ?? UInt64.max) else {
                result.corrupt += 1
                continue
            }
            entry.index = index
            result.entries.append(entry)
            result.endIndex = index + 1
        }
        return result
    }

    /// Payload length of the record at `p` if its magic, length and checksum are all valid.
    static func validRecord(_ b: [UInt8], at p: Int) -> Int? {
        guard p >= 0, b.count - p >= recordHeaderSize, b[p..<p + 4].elementsEqual(recordMagic) else { return nil }
        let length = Int(le32(b, p + 4))
        guard length <= maxPayloadBytes, b.count - p - recordHeaderSize >= length else { return nil }
        let start = p + recordHeaderSize
        let crc = CRC32.finalize(CRC32.update(CRC32.update(CRC32.initial, b[p + 4..<p + 8]), b[start..<start + length]))
        return crc == le32(b, p + 8) ? length : nil
    }

    static func fileHeader(_ first: UInt64) -> [UInt8] {
        fileMagic + le32(version) + le32(UInt32(truncatingIfNeeded: first)) + le32(UInt32(truncatingIfNeeded: first >> 32))
    }

    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }

    static func le32(_ b: [UInt8], _ p: Int) -> UInt32 {
        UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
    }

    // MARK: - POSIX I/O

    private static func readFile(_ path: String) throws -> [UInt8] {
        let rfd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard rfd >= 0 else { throw SegmentLogError.posix("open", path) }
        defer { Glibc.close(rfd) }
        var st = stat()
        guard fstat(rfd, &st) == 0 else { throw SegmentLogError.posix("fstat", path) }
        var buffer = [UInt8](repeating: 0, count: Int(st.st_size))
        let n = try readAll(rfd, &buffer, at: 0, path: path)
        buffer.removeLast(buffer.count - n)
        return buffer
    }

    /// Fills `buffer` from `offset` with pread; returns the byte count, smaller only at end of file.
    private static func readAll(_ fd: Int32, _ buffer: inout [UInt8], at offset: Int, path: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let r = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pread(fd, base + done, raw.count - done, off_t(offset + done))
            }
            if r < 0 {
                if errno == EINTR { continue }
                throw SegmentLogError.posix("pread", path, offset: offset + done)
            }
            if r == 0 { break }
            done += r
        }
        return done
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws {
        var done = 0
        while done < bytes.count {
            let r = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return pwrite(fd, base + done, raw.count - done, off_t(offset + done))
            }
            if r < 0 {
                if errno == EINTR { continue }
                throw SegmentLogError.posix("pwrite", path, offset: offset + done)
            }
            if r == 0 { throw SegmentLogError("pwrite at offset \(offset + done) of \(path) wrote nothing") }
            done += r
        }
    }
}
