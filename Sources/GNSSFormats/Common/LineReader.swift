#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a stream of byte chunks into text lines (LF or CRLF ends a line),
/// numbering them from 1. Lines are handed out as byte slices to avoid copies;
/// `Line.text` makes a `String` when needed.
public struct TextLine: Sendable {
    public let number: Int
    public let bytes: [UInt8]

    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var count: Int { bytes.count }

    /// Columns [from, from+length) (0-based) as a String, clipped to the line; blank-padded lines are common in RINEX.
    public func field(_ from: Int, _ length: Int) -> Substring {
        guard from < bytes.count else { return "" }
        let end = min(bytes.count, from + length)
        return Substring(String(decoding: bytes[from..<end], as: UTF8.self))
    }

    /// The RINEX header label (columns 61–80, trimmed).
    public var headerLabel: String {
        guard bytes.count > 60 else { return "" }
        return String(field(60, 20)).trimmingTrailingSpaces()
    }

    public init(number: Int, bytes: [UInt8]) {
        self.number = number
        self.bytes = bytes
    }
}

extension String {
    public func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return String(s)
    }
}

extension StringProtocol {
    /// Whitespace-trimmed copy.
    public var trimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s.removeLast() }
        return String(s)
    }
}

/// Incremental line splitter over a `FileByteSource` (or any chunk producer).
public final class LineReader {
    private let nextChunk: () throws(FormatError) -> [UInt8]?
    private var buffer: [UInt8] = []
    private var position = 0
    private var exhausted = false
    public private(set) var lineNumber = 0
    /// Lines pushed back with `unread`.
    private var pushedBack: [TextLine] = []
    /// The file name used in errors.
    public let name: String

    public init(name: String, nextChunk: @escaping () throws(FormatError) -> [UInt8]?) {
        self.name = name
        self.nextChunk = nextChunk
    }

    public convenience init(path: String) throws(FormatError) {
        let source = try FileByteSource(path: path)
        self.init(name: path, nextChunk: { () throws(FormatError) in try source.next() })
    }

    public convenience init(name: String = "<memory>", bytes: [UInt8]) {
        var given = false
        self.init(name: name, nextChunk: { () throws(FormatError) -> [UInt8]? in
            if given { return nil }
            given = true
            return bytes
        })
    }

    /// Where the next line feed from `start` is in the buffer (memchr: a byte search the generic one is many times
    /// slower than).
    private func newline(from start: Int) -> Int? {
        guard start < buffer.count else { return nil }
        return buffer.withUnsafeBufferPointer { b in
            memchr(b.baseAddress! + start, 0x0A, b.count - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(b.baseAddress!) }
        }
    }

    /// The next line without its terminator, or nil at the end.
    public func next() throws(FormatError) -> TextLine? {
        if let l = pushedBack.popLast() { return l }
        while true {
            if let nl = newline(from: position) {
                var end = nl
                if end > position && buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[position..<end])
                position = nl + 1
                lineNumber += 1
                return TextLine(number: lineNumber, bytes: line)
            }
            if exhausted {
                guard position < buffer.count else { return nil }
                var line = Array(buffer[position...])
                if line.last == 0x0D { line.removeLast() }
                position = buffer.count
                lineNumber += 1
                return TextLine(number: lineNumber, bytes: line)
            }
            if position > 0 {
                buffer.removeSubrange(0..<position)
                position = 0
            }
            if let chunk = try nextChunk() {
                buffer.append(contentsOf: chunk)
            } else {
                exhausted = true
            }
        }
    }

    /// Puts a line back so the next `next()` returns it.
    public func unread(_ line: TextLine) { pushedBack.append(line) }
}

/// Anything that hands out numbered text lines: a file's `LineReader`, or a
/// decoder (Hatanaka) that produces RINEX lines from another format.
public protocol LineSource: AnyObject {
    var name: String { get }
    func next() throws(FormatError) -> TextLine?
}

extension LineReader: LineSource {}
