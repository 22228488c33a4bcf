import Foundation
import Glibc

/// The identity of one numbering of a spool's records: a random 64-bit id made
/// when a spool starts from nothing, kept in the file `generation` beside its
/// segments. The DPC recognises records by (gateway, generation, sequence), so
/// a spool recreated after its directory was lost numbers its records from 1
/// again without any of them being taken for one the DPC already holds.
///
/// A spool directory that has records or an `acknowledged` file but no
/// `generation` file predates generations and keeps generation 0, the one the
/// DPC files such gateways' earlier records under. An unreadable `generation`
/// file gives way to a new random generation.
struct SpoolGeneration: Sendable, Equatable, CustomStringConvertible {
    var value: UInt64

    static let legacy = SpoolGeneration(value: 0)

    static func random() -> SpoolGeneration {
        var g = SystemRandomNumberGenerator()
        return SpoolGeneration(value: UInt64.random(in: 1 ... .max, using: &g))
    }

    /// 16 hex digits, as in the file and the logs.
    var description: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    init(value: UInt64) { self.value = value }

    init?(text: String) {
        let digits = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard digits.count == 16, let v = UInt64(digits, radix: 16) else { return nil }
        value = v
    }

    static func path(in directory: String) -> String {
        (directory as NSString).appendingPathComponent("generation")
    }

    /// The generation stored in `directory`, or nil when there is none (or it is unreadable).
    static func stored(in directory: String) -> SpoolGeneration? {
        (try? String(contentsOfFile: path(in: directory), encoding: .utf8)).flatMap(SpoolGeneration.init(text:))
    }

    /// Writes the generation durably: a temporary file, fsynced, renamed over `generation`, and the
    /// directory fsynced, so no record is sent under a generation a crash could forget.
    func store(in directory: String) throws {
        let target = Self.path(in: directory)
        let temporary = target + ".new"
        let bytes = Array((description + "\n").utf8)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SpoolGenerationError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else { throw SpoolGenerationError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        guard rename(temporary, target) == 0 else { throw SpoolGenerationError("cannot rename \(temporary): \(String(cString: strerror(errno)))") }
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw SpoolGenerationError("cannot open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(dir) }
        guard fsync(dir) == 0 else { throw SpoolGenerationError("cannot fsync \(directory): \(String(cString: strerror(errno)))") }
    }
}

struct SpoolGenerationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
