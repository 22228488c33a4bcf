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
    /// With the satellite report: the station's signals followed epoch by epoch, as the live station follows them.
    private var locks: SignalLockTracker?

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
        locks = satelliteReport ? SignalLockTracker() : nil
        headerWritten = append && exists
        self.station = station
    }

    /// `epoch`: the observations solved, for the satellite report's signals (the live logs leave it out).
    func write(_ s: Solution, epoch: ObservationEpoch? = nil) {
        if let epoch { locks?.update(epoch, engineSlips: s.satelliteReport.filter(\.cycleSlip).map(\.satellite)) }
        if !headerWritten {
            headerWritten = true
            for l in writer.header(program: "gatewayd", inputs: [station], mode: "station \(station)", start: s.time) {
                buffer += l.utf8
                buffer.append(0x0A)
            }
        }
        guard let line = writer.line(s, epoch: epoch, locks: epoch == nil ? nil : locks) else { return }
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
