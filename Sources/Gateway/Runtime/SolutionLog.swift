import Foundation
import GNSSCore
import GNSSPositioning

/// A station's solutions written as text lines (`pos`, `json` or `nmea`) to
/// `DIRECTORY/NAME.EXT`, buffered and flushed by the owner. Live logs append
/// across restarts; a replay starts the file afresh.
final class SolutionLog {
    private let handle: FileHandle
    private let writer: SolutionWriter
    private var buffer: [UInt8] = []
    private var headerWritten: Bool
    private let station: String

    init(directory: String, station: String, format: SolutionFormat, append: Bool, satelliteReport: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent("\(station).\(format.rawValue)")
        let exists = FileManager.default.fileExists(atPath: path)
        if !append || !exists { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        h.seekToEndOfFile()
        handle = h
        writer = SolutionWriter(format: format, satelliteReport: satelliteReport)
        headerWritten = append && exists
        self.station = station
    }

    func write(_ s: Solution) {
        if !headerWritten {
            headerWritten = true
            for l in writer.header(program: "gatewayd", inputs: [station], mode: "station \(station)", start: s.time) {
                buffer += l.utf8
                buffer.append(0x0A)
            }
        }
        guard let line = writer.line(s) else { return }
        buffer += line.utf8
        buffer.append(0x0A)
        if buffer.count > 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        flush()
        try? handle.close()
    }
}
