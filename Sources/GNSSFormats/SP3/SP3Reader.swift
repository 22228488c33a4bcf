import GNSSCore

public struct SP3Header: Sendable {
    /// `a`, `b`, `c` or `d`.
    public var version: Character = "c"
    /// `P` positions only, `V` positions and velocities.
    public var positionVelocityFlag: Character = "P"
    public var start: GNSSTime?
    public var epochCount = 0
    public var interval: Double = 0
    public var coordinateSystem = ""
    public var orbitType = ""
    public var agency = ""
    public var satellites: [SatelliteID] = []
    public var accuracyExponents: [Int] = []
    public var timeScale: TimeScale = .gps
    public var comments: [String] = []
    public init() {}
}

/// One satellite at one SP3 epoch. Positions in metres (ECEF), clocks in
/// seconds; missing values (the format's zero positions and 999999.999999
/// clocks) are nil.
public struct SP3Record: Sendable, Hashable {
    public var satellite: SatelliteID
    public var position: ECEF?
    public var clock: Double?
    public var velocity: ECEF?
    public var clockRate: Double?
    /// Event flags from columns 75–80 (E clock event, P prediction, M manoeuvre, …), as written.
    public var flags: String
}

public struct SP3Epoch: Sendable {
    public var time: GNSSTime
    public var records: [SP3Record]
}

/// Streaming reader of SP3-a/c/d precise orbit files (gzip or not). Problems
/// go to `errors` with file:line; a truncated file keeps every epoch before the cut.
public final class SP3Reader {
    public private(set) var header = SP3Header()
    public let path: String
    public private(set) var errors: [FormatError] = []
    private let lines: LineReader
    private var pendingEpoch: TextLine?
    private var finished = false

    public convenience init(path: String) throws(FormatError) {
        try self.init(lines: try LineReader(path: path))
    }

    public init(lines: LineReader) throws(FormatError) {
        self.lines = lines
        path = lines.name
        try readHeader()
    }

    private func fail(_ kind: FormatError.Kind, _ message: String, _ line: TextLine) -> FormatError {
        FormatError(kind, message, at: .line(line.number), file: path)
    }

    private static func time(_ b: [UInt8], _ from: Int) -> CalendarDate? {
        guard let y = RINEXNumbers.int(b, from, 4), let mo = RINEXNumbers.int(b, from + 5, 2), let d = RINEXNumbers.int(b, from + 8, 2),
              let h = RINEXNumbers.int(b, from + 11, 2), let mi = RINEXNumbers.int(b, from + 14, 2),
              let s = RINEXNumbers.double(b, from + 17, 11) else { return nil }
        return CalendarDate(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
    }

    private func readHeader() throws(FormatError) {
        guard let first = try lines.next(), first.bytes.count >= 3, first.bytes[0] == 0x23 else {
            throw FormatError(.format, "not an SP3 file: first line does not start with '#'", at: .line(1), file: path)
        }
        let b = first.bytes
        header.version = Character(UnicodeScalar(b[1]))
        guard "abcd".contains(header.version) else { throw fail(.format, "unsupported SP3 version '\(header.version)'", first) }
        header.positionVelocityFlag = Character(UnicodeScalar(b[2]))
        header.epochCount = RINEXNumbers.int(b, 32, 7) ?? 0
        header.coordinateSystem = String(first.field(46, 5)).trimmed
        header.orbitType = String(first.field(52, 3)).trimmed
        header.agency = String(first.field(56, 4)).trimmed
        let startCalendar = Self.time(b, 3)
        var sawTimeSystem = false
        while let line = try lines.next() {
            let lb = line.bytes
            if lb.first == 0x2A {   // '*': first epoch
                pendingEpoch = line
                break
            }
            if lb.starts(with: [0x2B, 0x2B]) {
                var c = 9
                while c + 3 <= min(lb.count, 60) {
                    if let v = RINEXNumbers.int(lb, c, 3), header.accuracyExponents.count < header.satellites.count { header.accuracyExponents.append(v) }
                    c += 3
                }
            } else if lb.first == 0x2B {
                var c = 9
                while c + 3 <= min(lb.count, 60) {
                    let text = line.field(c, 3)
                    if text.trimmed != "0" && !text.trimmed.isEmpty && text != "  0" && text != " 00" && text != "000" {
                        if let s = SatelliteID(rinex: text) {
                            header.satellites.append(s)
                        } else {
                            errors.append(fail(.syntax, "bad satellite id '\(text)' in the satellite list", line))
                        }
                    }
                    c += 3
                }
            } else if lb.starts(with: [0x23, 0x23]) {
                header.interval = RINEXNumbers.double(lb, 24, 14) ?? 0
            } else if lb.starts(with: [0x25, 0x63]) && !sawTimeSystem {
                sawTimeSystem = true
                switch String(line.field(9, 3)) {
                case "UTC": header.timeScale = .utc
                case "GLO": header.timeScale = .glonass
                case "GAL": header.timeScale = .galileo
                case "BDT": header.timeScale = .beidou
                case "QZS": header.timeScale = .qzss
                default: header.timeScale = .gps
                }
            } else if lb.starts(with: [0x2F, 0x2A]) {
                header.comments.append(String(line.field(3, 77)).trimmingTrailingSpaces())
            } else if lb.starts(with: Array("EOF".utf8)) {
                finished = true
                break
            }
        }
        if let c = startCalendar { header.start = GNSSTime(calendar: c, scale: header.timeScale) }
        if pendingEpoch == nil && !finished {
            errors.append(FormatError(.truncated, "file ends before the first epoch", at: .line(lines.lineNumber), file: path))
        }
    }

    /// The next epoch, or nil at the end of the file.
    public func next() throws(FormatError) -> SP3Epoch? {
        while !finished, let epochLine = pendingEpoch {
            pendingEpoch = nil
            guard let c = Self.time(epochLine.bytes, 3), c.isValid, let t = GNSSTime(calendar: c, scale: header.timeScale) else {
                errors.append(fail(.time, "unreadable epoch line", epochLine))
                try skipToEpoch()
                continue
            }
            var records: [SP3Record] = []
            records.reserveCapacity(header.satellites.count)
            while let line = try lines.next() {
                let b = line.bytes
                guard let tag = b.first else { continue }
                if tag == 0x2A { pendingEpoch = line; break }
                if b.starts(with: Array("EOF".utf8)) { finished = true; break }
                if tag == 0x50 || tag == 0x56 {   // P or V
                    guard b.count >= 60, let sat = SatelliteID(rinex: line.field(1, 3)),
                          let x = RINEXNumbers.double(b, 4, 14), let y = RINEXNumbers.double(b, 18, 14),
                          let z = RINEXNumbers.double(b, 32, 14) else {
                        errors.append(fail(.syntax, "unreadable \(tag == 0x50 ? "position" : "velocity") record", line))
                        continue
                    }
                    let clock = RINEXNumbers.double(b, 46, 14)
                    if tag == 0x50 {
                        let missing = x == 0 && y == 0 && z == 0
                        records.append(SP3Record(
                            satellite: sat, position: missing ? nil : ECEF(x * 1000, y * 1000, z * 1000),
                            clock: clock.flatMap { $0 >= 999_999 ? nil : $0 * 1e-6 }, velocity: nil, clockRate: nil,
                            flags: b.count > 74 ? String(line.field(74, 6)).trimmingTrailingSpaces() : ""))
                    } else if let i = records.lastIndex(where: { $0.satellite == sat }) {
                        records[i].velocity = ECEF(x * 0.1, y * 0.1, z * 0.1)
                        records[i].clockRate = clock.flatMap { $0 >= 999_999 ? nil : $0 * 1e-10 }
                    }
                }
                // EP/EV correlation records and anything else: ignored.
            }
            if pendingEpoch == nil && !finished {
                errors.append(FormatError(.truncated, "file ends without EOF", at: .line(lines.lineNumber), file: path))
                finished = true
            }
            return SP3Epoch(time: t, records: records)
        }
        return nil
    }

    private func skipToEpoch() throws(FormatError) {
        while let line = try lines.next() {
            if line.bytes.first == 0x2A { pendingEpoch = line; return }
            if line.bytes.starts(with: Array("EOF".utf8)) { finished = true; return }
        }
    }

    /// Every epoch of a file.
    public static func readAll(path: String) throws(FormatError) -> (header: SP3Header, epochs: [SP3Epoch], errors: [FormatError]) {
        let r = try SP3Reader(path: path)
        var epochs: [SP3Epoch] = []
        while let e = try r.next() { epochs.append(e) }
        return (r.header, epochs, r.errors)
    }
}
