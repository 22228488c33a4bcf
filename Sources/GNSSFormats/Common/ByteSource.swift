import Foundation

/// Reads a file in chunks, transparently decompressing gzip. Memory stays
/// bounded by the chunk size, whatever the file's size.
public final class FileByteSource {
    public let path: String
    private let handle: FileHandle
    private var inflater: GzipInflater?
    private var pending: [UInt8] = []
    private var sniffed = false
    private var atEOF = false
    public let chunkSize: Int
    /// Bytes read from the file itself (compressed bytes for gzip files).
    public private(set) var rawBytesRead = 0
    /// Whether the file is gzip-compressed (known after the first read).
    public private(set) var isCompressed = false

    public init(path: String, chunkSize: Int = 1 << 20) throws(FormatError) {
        self.path = path
        self.chunkSize = chunkSize
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw FormatError(.io, "cannot open file", file: path)
        }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw FormatError(.io, "is a directory", file: path)
        }
        handle = h
    }

    deinit { try? handle.close() }

    /// The next chunk of decoded bytes, or nil at the end of the file.
    public func next() throws(FormatError) -> [UInt8]? {
        while true {
            if atEOF {
                if let inflater, !inflater.isAtMemberEnd, rawBytesRead > 0 {
                    self.inflater = nil
                    throw FormatError(.gzip, "gzip stream cut short", at: .byteOffset(rawBytesRead), file: path)
                }
                return nil
            }
            let data: Data
            do {
                data = try handle.read(upToCount: chunkSize) ?? Data()
            } catch {
                throw FormatError(.io, "read failed: \(error)", at: .byteOffset(rawBytesRead), file: path)
            }
            if data.isEmpty { atEOF = true; continue }
            rawBytesRead += data.count
            if !sniffed {
                sniffed = true
                if GzipInflater.isGzip(data) {
                    inflater = try GzipInflater()
                    isCompressed = true
                }
            }
            guard let inflater else { return [UInt8](data) }
            var out: [UInt8] = []
            do {
                try inflater.inflate(data, into: &out)
            } catch {
                throw error.inFile(path)
            }
            if !out.isEmpty { return out }
        }
    }

    /// The first `count` decoded bytes (for content sniffing); reads them from a fresh source.
    public static func peek(path: String, count: Int = 4096) throws(FormatError) -> [UInt8] {
        let src = try FileByteSource(path: path, chunkSize: max(count, 65_536))
        var out: [UInt8] = []
        while out.count < count, let chunk = try src.next() { out.append(contentsOf: chunk) }
        return Array(out.prefix(count))
    }

    /// Whole decoded content (for small files and tests).
    public static func readAll(path: String) throws(FormatError) -> [UInt8] {
        let src = try FileByteSource(path: path)
        var out: [UInt8] = []
        while let chunk = try src.next() { out.append(contentsOf: chunk) }
        return out
    }
}
