import GNSSCore

/// One clock data line of a RINEX clock file.
public struct ClockRecord: Sendable, Hashable {
    /// `AS` satellite, `AR` receiver, `CR` calibration, `DR` discontinuity, `MS` monitor.
    public var type: String
    /// Station or satellite name as written.
    public var name: String
    /// The satellite, for `AS` records.
    public var satellite: SatelliteID?
    public var time: GNSSTime
    /// Clock bias, seconds.
    public var bias: Double
    public var sigma: Double?
    /// Rate (s/s) and acceleration (s/s²) with their sigmas, when given.
    public var rate: Double?
    public var acceleration: Double?
}

public struct RINEXClockHeader: Sendable {
    public var version: Double = 0
    public var timeScale: TimeScale = .gps
    public var analysisCenter = ""
    public var dataTypes: [String] = []
    public var satellites: [SatelliteID] = []
    /// The antenna models the analysis centre applied (SYS / PCVS APPLIED), such as `igs14_2108.atx`.
    public var antennaModels: [String] = []
    public init() {}
}

/// Streaming reader of RINEX clock files 2.x and 3.0x (gzip or not).
public final class RINEXClockReader {
    public private(set) var header = RINEXClockHeader()
    public let path: String
    public private(set) var errors: [FormatError] = []
    private let lines: LineReader

    public convenience init(path: String) throws(FormatError) {
        try self.init(lines: try LineReader(path: path))
    }

    public init(lines: LineReader) throws(FormatError) {
        self.lines = lines
        path = lines.name
        var sawVersion = false
        while let line = try lines.next() {
            let b = line.bytes
            switch line.headerLabel {
            case "RINEX VERSION / TYPE":
                guard let v = RINEXNumbers.double(b, 0, 9), b.count > 20, b[20] == 0x43 else {
                    throw FormatError(.format, "not a RINEX clock file", at: .line(line.number), file: path)
                }
                header.version = v
                sawVersion = true
            case "TIME SYSTEM ID":
                switch String(line.field(3, 3)) {
                case "UTC": header.timeScale = .utc
                case "GAL": header.timeScale = .galileo
                case "BDT": header.timeScale = .beidou
                case "GLO": header.timeScale = .glonass
                default: header.timeScale = .gps
                }
            case "ANALYSIS CENTER": header.analysisCenter = String(line.field(0, 3))
            case "SYS / PCVS APPLIED":
                let source = String(line.field(20, 40)).trimmed
                if !source.isEmpty && !header.antennaModels.contains(source) { header.antennaModels.append(source) }
            case "# / TYPES OF DATA":
                header.dataTypes = (0..<9).map { String(line.field(10 + 6 * $0, 2)) }.filter { !$0.trimmed.isEmpty }
            case "PRN LIST":
                var c = 0
                while c + 3 <= 60 {
                    if let s = SatelliteID(rinex: line.field(c, 3).trimmed) { header.satellites.append(s) }
                    c += 4
                }
            case "END OF HEADER":
                guard sawVersion else { throw FormatError(.syntax, "header has no RINEX VERSION / TYPE line", at: .line(line.number), file: path) }
                return
            default:
                if !sawVersion && line.number == 1 {
                    throw FormatError(.format, "not a RINEX clock file", at: .line(1), file: path)
                }
            }
        }
        throw FormatError(.truncated, "file ends inside the header", file: path)
    }

    /// Splits a line into whitespace-separated byte ranges, into `out` (kept to spare an allocation per line),
    /// stopping after `limit` of them.
    private static func tokens(_ b: [UInt8], into out: inout [Range<Int>], limit: Int = .max) {
        out.removeAll(keepingCapacity: true)
        var i = 0
        while i < b.count && out.count < limit {
            while i < b.count && b[i] == 0x20 { i += 1 }
            let s = i
            while i < b.count && b[i] != 0x20 { i += 1 }
            if i > s { out.append(s..<i) }
        }
    }

    private var tokens: [Range<Int>] = []
    /// The epoch fields of the last record and their time: a file lists every clock of an epoch in a row.
    private var lastEpochText: [UInt8] = []
    private var lastEpoch: GNSSTime?

    /// The next satellite clock (`AS` record): the satellite, the time and the bias in seconds; other records are
    /// skipped. What loading precise clocks needs, without building a `ClockRecord` per line.
    public func nextSatelliteClock() throws(FormatError) -> (satellite: SatelliteID, time: GNSSTime, bias: Double)? {
        while let line = try lines.next() {
            let b = line.bytes
            guard b.count > 3, b[0] == 0x41, b[1] == 0x53, b[2] == 0x20 else {   // "AS "
                // Another record: skip its continuation line when it has one.
                Self.tokens(b, into: &tokens, limit: 9)
                if tokens.count == 9, let n = RINEXNumbers.int(b, tokens[8].lowerBound, tokens[8].count), n > 2 { _ = try lines.next() }
                continue
            }
            Self.tokens(b, into: &tokens, limit: 10)
            let t = tokens
            guard t.count >= 10, let satellite = SatelliteID(rinexBytes: b[t[1]]), let time = epoch(b, t),
                  let bias = RINEXNumbers.double(b, t[9].lowerBound, t[9].count), let n = RINEXNumbers.int(b, t[8].lowerBound, t[8].count),
                  n >= 1, n <= 6
            else {
                errors.append(FormatError(.syntax, "unreadable clock record", at: .line(line.number), file: path))
                continue
            }
            if n > 2 { _ = try lines.next() }
            return (satellite, time, bias)
        }
        return nil
    }

    /// The record's epoch (tokens 2–7), reusing the previous line's when the text is the same.
    private func epoch(_ b: [UInt8], _ t: [Range<Int>]) -> GNSSTime? {
        let epochText = b[t[2].lowerBound..<t[7].upperBound]
        if let last = lastEpoch, epochText.elementsEqual(lastEpochText) { return last }
        guard let y = RINEXNumbers.int(b, t[2].lowerBound, t[2].count), let mo = RINEXNumbers.int(b, t[3].lowerBound, t[3].count),
              let d = RINEXNumbers.int(b, t[4].lowerBound, t[4].count), let h = RINEXNumbers.int(b, t[5].lowerBound, t[5].count),
              let mi = RINEXNumbers.int(b, t[6].lowerBound, t[6].count), let s = RINEXNumbers.double(b, t[7].lowerBound, t[7].count),
              let parsed = GNSSTime(calendar: CalendarDate(year: y, month: mo, day: d, hour: h, minute: mi, second: s), scale: header.timeScale)
        else { return nil }
        lastEpoch = parsed
        lastEpochText = Array(epochText)
        return parsed
    }

    /// The next record, or nil at the end of the file.
    public func next() throws(FormatError) -> ClockRecord? {
        while let line = try lines.next() {
            let b = line.bytes
            Self.tokens(b, into: &tokens)
            let t = tokens
            guard t.count >= 10 else {
                if !t.isEmpty { errors.append(FormatError(.syntax, "short clock record", at: .line(line.number), file: path)) }
                continue
            }
            guard let time = epoch(b, t) else {
                errors.append(FormatError(.syntax, "unreadable clock record", at: .line(line.number), file: path))
                continue
            }
            guard let n = RINEXNumbers.int(b, t[8].lowerBound, t[8].count), n >= 1, n <= 6 else {
                errors.append(FormatError(.syntax, "unreadable clock record", at: .line(line.number), file: path))
                continue
            }
            var values: [Double] = []
            values.reserveCapacity(6)
            for r in t[9...] { if let v = RINEXNumbers.double(b, r.lowerBound, r.count) { values.append(v) } }
            if n > 2, let cont = try lines.next() {
                Self.tokens(cont.bytes, into: &tokens)
                for r in tokens { if let v = RINEXNumbers.double(cont.bytes, r.lowerBound, r.count) { values.append(v) } }
            }
            guard let bias = values.first else {
                errors.append(FormatError(.syntax, "clock record without a value", at: .line(line.number), file: path))
                continue
            }
            let satelliteRecord = t[0].count == 2 && b[t[0].lowerBound] == 0x41 && b[t[0].lowerBound + 1] == 0x53   // "AS"
            return ClockRecord(type: satelliteRecord ? "AS" : String(decoding: b[t[0]], as: UTF8.self), name: String(decoding: b[t[1]], as: UTF8.self),
                               satellite: satelliteRecord ? SatelliteID(rinexBytes: b[t[1]]) : nil, time: time,
                               bias: bias, sigma: values.count > 1 ? values[1] : nil,
                               rate: values.count > 2 ? values[2] : nil, acceleration: values.count > 4 ? values[4] : nil)
        }
        return nil
    }
}
