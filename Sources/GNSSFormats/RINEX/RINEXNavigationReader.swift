import GNSSCore

/// Header of a RINEX navigation file (2.x, 3.x, 4.x).
public struct RINEXNavigationHeader: Sendable {
    public var version: Double = 0
    /// `N` GPS, `G` GLONASS (RINEX 2), `H` SBAS (RINEX 2), or the system letter / `M` (RINEX 3/4).
    public var fileSystem: Character = "G"
    public var klobuchar: [GNSSSystem: KlobucharCoefficients] = [:]
    public var nequick: NeQuickCoefficients?
    /// TIME SYSTEM CORR / DELTA-UTC lines: key (`GPUT`, `GAGP`, …) → a0, a1, reference seconds, week.
    public var timeCorrections: [String: [Double]] = [:]
    public var leapSeconds: Int?
    public init() {}
}

/// A RINEX 4 record other than an ephemeris: system time offsets (STO),
/// Earth orientation (EOP) and ionosphere (ION) messages, values as broadcast
/// in the order the record lists them, and STO and EOP also typed.
public struct NavigationAuxiliaryRecord: Sendable, Hashable {
    public var kind: String          // "STO", "EOP", "ION"
    /// The satellite that broadcast the message.
    public var satellite: SatelliteID
    public var message: String       // e.g. "LNAV", "IFNV", "CNVX"
    /// The epoch of the record's first line (STO: the offset's reference epoch; EOP and ION: as the record gives it).
    public var time: GNSSTime
    public var values: [Double]
    public var timeOffset: SystemTimeOffset?
    public var earthOrientation: EarthOrientation?
}

/// RINEX 4 STO: the offset of one time system from another (`GPUT`: GPS − UTC, `GAGP`: Galileo − GPS, …),
/// t_sys1 − t_sys2 = a0 + a1·Δt + a2·Δt² seconds, Δt from `reference`.
public struct SystemTimeOffset: Sendable, Hashable {
    /// Four letters, the two systems' two-letter codes (`GP`, `GA`, `UT`, `BD`, `GL`, `QZ`, `IR`, `SB`).
    public var code: String
    /// The SBAS that broadcast it, and which UTC realisation, when the record says.
    public var sbasID: String?
    public var utcID: String?
    public var reference: GNSSTime
    /// Transmission time, seconds of the broadcasting system's week.
    public var transmissionSecondOfWeek: Double
    public var a0: Double, a1: Double, a2: Double
}

/// RINEX 4 EOP: polar motion (arcseconds, per day, per day²) and UT1 − UTC (seconds, per day, per day²)
/// as broadcast (GPS CNAV-2 and similar), from `reference`.
public struct EarthOrientation: Sendable, Hashable {
    public var reference: GNSSTime
    public var xp: Double, xpRate: Double, xpAcceleration: Double
    public var yp: Double, ypRate: Double, ypAcceleration: Double
    public var transmissionSecondOfWeek: Double
    public var ut1MinusUTC: Double, ut1Rate: Double, ut1Acceleration: Double
}

public enum NavigationRecord: Sendable {
    case ephemeris(Ephemeris)
    case auxiliary(NavigationAuxiliaryRecord)
}

/// Streaming reader of RINEX navigation files for GPS, GLONASS, Galileo,
/// BeiDou, QZSS, NavIC and SBAS. Bad records are counted in `errors` (with
/// file:line) and skipped.
public final class RINEXNavigationReader {
    public private(set) var header = RINEXNavigationHeader()
    public let path: String
    public private(set) var errors: [FormatError] = []
    private let lines: LineReader

    public convenience init(path: String) throws(FormatError) {
        try self.init(lines: try LineReader(path: path))
    }

    public init(lines: LineReader) throws(FormatError) {
        self.lines = lines
        path = lines.name
        try readHeader()
    }

    /// Reads a whole file: header and every ephemeris (RINEX 4 ION records for GPS fill in Klobuchar).
    public static func readAll(path: String) throws(FormatError) -> (header: RINEXNavigationHeader, ephemerides: [Ephemeris], errors: [FormatError]) {
        let r = try RINEXNavigationReader(path: path)
        var out: [Ephemeris] = []
        while let rec = try r.next() {
            if case .ephemeris(let e) = rec { out.append(e) }
        }
        return (r.header, out, r.errors)
    }

    private var isVersion2: Bool { header.version < 3 }

    private func fail(_ kind: FormatError.Kind, _ message: String, _ line: TextLine) -> FormatError {
        FormatError(kind, message, at: .line(line.number), file: path)
    }

    private func readHeader() throws(FormatError) {
        var sawVersion = false
        while let line = try lines.next() {
            let label = line.headerLabel
            let b = line.bytes
            switch label {
            case "RINEX VERSION / TYPE":
                guard let v = RINEXNumbers.double(b, 0, 9) else { throw fail(.syntax, "unreadable RINEX version", line) }
                header.version = v
                let type = b.count > 20 ? Character(UnicodeScalar(b[20])) : " "
                if v < 3 {
                    guard "NGHB".contains(type) else { throw fail(.format, "not a navigation file (type '\(type)')", line) }
                    header.fileSystem = type
                } else {
                    guard type == "N" else { throw fail(.format, "not a navigation file (type '\(type)')", line) }
                    header.fileSystem = b.count > 40 ? Character(UnicodeScalar(b[40])) : "M"
                }
                sawVersion = true
            case "ION ALPHA", "ION BETA":
                let values = (0..<4).compactMap { RINEXNumbers.double(b, 2 + 12 * $0, 12) }
                guard values.count == 4 else { errors.append(fail(.syntax, "unreadable \(label)", line)); continue }
                var k = header.klobuchar[.gps] ?? KlobucharCoefficients(alpha: [], beta: [])
                if label == "ION ALPHA" { k.alpha = values } else { k.beta = values }
                header.klobuchar[.gps] = k
            case "IONOSPHERIC CORR":
                let key = String(line.field(0, 4)).trimmed
                let values = (0..<4).compactMap { RINEXNumbers.double(b, 5 + 12 * $0, 12) }
                if key == "GAL" {
                    header.nequick = NeQuickCoefficients(ai: Array(values.prefix(3)))
                    continue
                }
                let systems: [String: GNSSSystem] = ["GPS": .gps, "BDS": .beidou, "QZS": .qzss, "IRN": .navic]
                guard key.count == 4, let sys = systems[String(key.prefix(3))], values.count == 4 else {
                    errors.append(fail(.syntax, "unreadable IONOSPHERIC CORR '\(key)'", line))
                    continue
                }
                var k = header.klobuchar[sys] ?? KlobucharCoefficients(alpha: [], beta: [])
                if key.hasSuffix("A") { k.alpha = values } else { k.beta = values }
                header.klobuchar[sys] = k
            case "TIME SYSTEM CORR":
                header.timeCorrections[String(line.field(0, 4)).trimmed] =
                    [RINEXNumbers.double(b, 5, 17), RINEXNumbers.double(b, 22, 16), RINEXNumbers.double(b, 38, 7),
                     RINEXNumbers.double(b, 45, 5)].map { $0 ?? 0 }
            case "DELTA-UTC: A0,A1,T,W":
                header.timeCorrections["GPUT"] = [RINEXNumbers.double(b, 3, 19), RINEXNumbers.double(b, 22, 19),
                                                  RINEXNumbers.double(b, 41, 9), RINEXNumbers.double(b, 50, 9)].map { $0 ?? 0 }
            case "LEAP SECONDS": header.leapSeconds = RINEXNumbers.int(b, 0, 6)
            case "END OF HEADER":
                guard sawVersion else { throw fail(.syntax, "header has no RINEX VERSION / TYPE line", line) }
                return
            default:
                if !sawVersion && line.number == 1 {
                    throw fail(.format, "not a RINEX file: first line is not RINEX VERSION / TYPE", line)
                }
            }
        }
        throw FormatError(.truncated, sawVersion ? "file ends inside the header" : "empty file", file: path)
    }

    // MARK: - Records

    private var pushedBack: TextLine?

    private func nextLine() throws(FormatError) -> TextLine? {
        if let l = pushedBack { pushedBack = nil; return l }
        return try lines.next()
    }

    /// Whether a line continues the current record (broadcast orbit lines are indented).
    private func isContinuation(_ b: [UInt8]) -> Bool {
        guard b.first != 0x3E else { return false }
        let indent = isVersion2 ? 3 : 4
        return b.count > indent && RINEXNumbers.isBlank(b, 0, indent)
    }

    /// The next record, or nil at the end of the file.
    public func next() throws(FormatError) -> NavigationRecord? {
        while let first = try nextLine() {
            let b = first.bytes
            if b.allSatisfy({ $0 == 0x20 }) { continue }
            var message = ""
            var kind = "EPH"
            var recordSatellite: SatelliteID?
            var start = first
            if b.first == 0x3E {
                // RINEX 4 record header: "> EPH G01 LNAV".
                let parts = first.text.split(separator: " ")
                kind = parts.count > 1 ? String(parts[1]) : ""
                recordSatellite = parts.count > 2 ? SatelliteID(rinex: parts[2]) : nil
                message = parts.count > 3 ? String(parts[3]) : ""
                guard let l = try nextLine() else { break }
                start = l
            } else if isContinuation(b) {
                errors.append(fail(.syntax, "orbit line without a record start", first))
                continue
            }
            var body: [TextLine] = [start]
            while let l = try nextLine() {
                if isContinuation(l.bytes) { body.append(l) } else { pushedBack = l; break }
            }
            do {
                if kind == "EPH" {
                    return .ephemeris(try decodeEphemeris(body, message: message))
                } else if kind == "STO" || kind == "EOP" || kind == "ION" {
                    guard let satellite = recordSatellite else {
                        errors.append(fail(.syntax, "\(kind) record without a satellite", first))
                        continue
                    }
                    return .auxiliary(try decodeAuxiliary(body, kind: kind, satellite: satellite, message: message))
                } else {
                    errors.append(fail(.unsupported, "unknown RINEX 4 record type '\(kind)'", first))
                }
            } catch {
                errors.append(error)
            }
        }
        return nil
    }

    /// Satellite, epoch and the values of a record, all lines together.
    private func fields(_ body: [TextLine]) throws(FormatError) -> (SatelliteID, CalendarDate, [Double]) {
        let first = body[0]
        let b = first.bytes
        let sat: SatelliteID
        let date: CalendarDate
        var values: [Double] = []
        let valueStart: Int
        if isVersion2 {
            let system: GNSSSystem = header.fileSystem == "G" ? .glonass : (header.fileSystem == "H" ? .sbas : .gps)
            guard let prn = RINEXNumbers.int(b, 0, 2) else { throw fail(.syntax, "unreadable satellite number", first) }
            sat = SatelliteID(system, system == .sbas && prn >= 100 ? prn - 100 : prn)
            guard let y = RINEXNumbers.int(b, 2, 3), let mo = RINEXNumbers.int(b, 5, 3), let d = RINEXNumbers.int(b, 8, 3),
                  let h = RINEXNumbers.int(b, 11, 3), let mi = RINEXNumbers.int(b, 14, 3), let s = RINEXNumbers.double(b, 17, 5) else {
                throw fail(.time, "unreadable epoch", first)
            }
            date = CalendarDate(year: RINEXNumbers.fullYear(y), month: mo, day: d, hour: h, minute: mi, second: s)
            valueStart = 22
        } else {
            guard let s = SatelliteID(rinex: first.field(0, 3)) else { throw fail(.syntax, "bad satellite '\(first.field(0, 3))'", first) }
            sat = s
            guard let y = RINEXNumbers.int(b, 4, 4), let mo = RINEXNumbers.int(b, 8, 3), let d = RINEXNumbers.int(b, 11, 3),
                  let h = RINEXNumbers.int(b, 14, 3), let mi = RINEXNumbers.int(b, 17, 3), let sec = RINEXNumbers.int(b, 20, 3) else {
                throw fail(.time, "unreadable epoch", first)
            }
            date = CalendarDate(year: y, month: mo, day: d, hour: h, minute: mi, second: Double(sec))
            valueStart = 23
        }
        guard date.isValid else { throw fail(.time, "impossible epoch time \(date)", first) }
        for k in 0..<3 {
            values.append(try value(first, valueStart + 19 * k))
        }
        let indent = isVersion2 ? 3 : 4
        for l in body.dropFirst() {
            for k in 0..<4 { values.append(try value(l, indent + 19 * k)) }
        }
        return (sat, date, values)
    }

    /// A D19.12 field: blank (spare) fields read as 0.
    private func value(_ l: TextLine, _ column: Int) throws(FormatError) -> Double {
        switch RINEXNumbers.field(l.bytes, column, 19) {
        case .blank: return 0
        case .value(let v): return v
        case .invalid: throw fail(.syntax, "unreadable number '\(l.field(column, 19).trimmed)'", l)
        }
    }

    /// A broadcast number as an integer; absurd values (corrupt input) become 0.
    private static func int(_ d: Double) -> Int { d.isFinite && abs(d) < 1e15 ? Int(d) : 0 }

    private static let uraMetres: [Double] = [2.4, 3.4, 4.85, 6.85, 9.65, 13.65, 24, 48, 96, 192, 384, 768, 1536, 3072, 6144]

    private func decodeEphemeris(_ body: [TextLine], message: String) throws(FormatError) -> Ephemeris {
        let (sat, date, v) = try fields(body)
        let first = body[0]
        switch sat.system {
        case .glonass:
            guard v.count >= 15 else { throw fail(.truncated, "GLONASS record has \(body.count) lines", first) }
            guard let toc = GNSSTime(utcCalendar: date) else { throw fail(.time, "impossible epoch", first) }
            return .glonass(GlonassEphemeris(
                satellite: sat, frequencyChannel: Self.int(v[10]), toe: toc,
                frameTime: nil,
                position: ECEF(v[3] * 1000, v[7] * 1000, v[11] * 1000),
                velocity: ECEF(v[4] * 1000, v[8] * 1000, v[12] * 1000),
                acceleration: ECEF(v[5] * 1000, v[9] * 1000, v[13] * 1000),
                clockBias: v[0], relativeFrequencyBias: v[1], groupDelay: v.count > 17 ? v[17] : 0,
                health: Self.int(v[6]), age: Self.int(v[14]),
                tb: Int((toc + 10_800 - Double(LeapSeconds.gpsMinusUTC(at: toc))).secondOfWeek.truncatingRemainder(dividingBy: 86_400) / 900)))
        case .sbas:
            guard v.count >= 15, let toc = GNSSTime(gpsCalendar: date) else { throw fail(.truncated, "SBAS record has \(body.count) lines", first) }
            return .sbas(SBASEphemeris(
                satellite: sat, toe: toc, position: ECEF(v[3] * 1000, v[7] * 1000, v[11] * 1000),
                velocity: ECEF(v[4] * 1000, v[8] * 1000, v[12] * 1000),
                acceleration: ECEF(v[5] * 1000, v[9] * 1000, v[13] * 1000),
                af0: v[0], af1: v[1], health: Self.int(v[6]), accuracy: v[10], iodn: Self.int(v[14])))
        default:
            // The last orbit line often stops after its first field (transmission time).
            guard v.count >= 26 else { throw fail(.truncated, "\(sat) record has \(body.count) lines, expected 8", first) }
            var v = v
            while v.count < 29 { v.append(0) }
            let scale: TimeScale = sat.system == .beidou ? .beidou : .gps
            guard let toc = GNSSTime(calendar: date, scale: scale) else { throw fail(.time, "impossible epoch", first) }
            // toe is a second of week in the system's scale: take the week that puts it nearest toc.
            let scaleOffset = sat.system == .beidou ? GNSSTime.bdtMinusGPST : 0
            let toe = (toc + scaleOffset).nearest(secondOfWeek: v[11]) - scaleOffset
            var nav: NavigationMessage
            switch sat.system {
            case .galileo:
                let sources = Self.int(v[20])
                nav = (sources & 0b010) != 0 ? .fnav : .inav
            case .beidou: nav = (sat.prn <= 5 || sat.prn >= 59) ? .d2 : .d1
            case .navic: nav = .lnavNavIC
            default: nav = .lnav
            }
            switch message {
            case "INAV": nav = .inav
            case "FNAV": nav = .fnav
            case "D1": nav = .d1
            case "D2": nav = .d2
            case "CNAV", "CNV2": nav = .cnav
            case "CNV1": nav = .cnav1
            default: break
            }
            let accuracy: Int
            if sat.system == .galileo {
                accuracy = GalileoSISA.index(metres: v[23])
            } else {
                accuracy = Self.uraMetres.firstIndex { $0 >= v[23] } ?? 15
            }
            let ttr = v[27] == 0.999999999999e9 || v[27] == 0 ? nil : Optional((toc + scaleOffset).nearest(secondOfWeek: v[27]) - scaleOffset)
            let groupDelays: [Double]
            switch sat.system {
            case .galileo, .beidou: groupDelays = [v[25], v[26]]
            default: groupDelays = [v[25]]
            }
            return .kepler(KeplerEphemeris(
                satellite: sat, message: nav, toe: toe, toc: toc, week: Self.int(v[21]), toeSeconds: v[11],
                sqrtA: v[10], eccentricity: v[8], inclination: v[15], rightAscension: v[13], argumentOfPerigee: v[17],
                meanAnomaly: v[6], meanMotionDifference: v[5], inclinationRate: v[19], rightAscensionRate: v[18],
                cuc: v[7], cus: v[9], crc: v[16], crs: v[4], cic: v[12], cis: v[14],
                af0: v[0], af1: v[1], af2: v[2], iode: Self.int(v[3]),
                iodc: sat.system == .beidou ? Self.int(v[28]) : Self.int(v[26]),
                groupDelays: groupDelays, health: Self.int(v[24]), accuracyIndex: accuracy,
                fitInterval: sat.system == .beidou ? 0 : v[28], transmissionTime: ttr,
                dataSources: sat.system == .galileo ? Self.int(v[20]) : 0,
                codesOnL2: sat.system == .gps ? Self.int(v[20]) : 0, l2PDataFlag: sat.system == .gps ? Self.int(v[22]) : 0))
        }
    }

    /// STO, EOP and ION records: their lines carry no satellite (it is on the `>` line); the first line has the
    /// epoch in columns 4–22 and then, except for STO whose codes are there, three values; the others four each.
    private func decodeAuxiliary(_ body: [TextLine], kind: String, satellite sat: SatelliteID, message: String) throws(FormatError)
        -> NavigationAuxiliaryRecord {
        let first = body[0]
        let b = first.bytes
        guard let y = RINEXNumbers.int(b, 4, 4), let mo = RINEXNumbers.int(b, 8, 3), let d = RINEXNumbers.int(b, 11, 3),
              let h = RINEXNumbers.int(b, 14, 3), let mi = RINEXNumbers.int(b, 17, 3), let sec = RINEXNumbers.int(b, 20, 3) else {
            throw fail(.time, "unreadable epoch", first)
        }
        let date = CalendarDate(year: y, month: mo, day: d, hour: h, minute: mi, second: Double(sec))
        let scale: TimeScale = sat.system == .beidou ? .beidou : .gps
        guard date.isValid, let t = GNSSTime(calendar: date, scale: scale) else { throw fail(.time, "impossible epoch time \(date)", first) }
        var values: [Double] = []
        if kind != "STO" { for k in 0..<3 { values.append(try value(first, 23 + 19 * k)) } }
        for l in body.dropFirst() {
            for k in 0..<4 { values.append(try value(l, 4 + 19 * k)) }
        }
        var record = NavigationAuxiliaryRecord(kind: kind, satellite: sat, message: message, time: t, values: values)
        switch kind {
        case "STO":
            guard values.count >= 4 else { throw fail(.truncated, "STO record has \(body.count) lines, expected 2", first) }
            let text = { (from: Int, width: Int) -> String? in
                let v = String(first.field(from, width)).trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            guard let code = text(24, 18), code.count >= 4 else { throw fail(.syntax, "STO record without a time system code", first) }
            record.timeOffset = SystemTimeOffset(code: String(code.prefix(4)), sbasID: text(43, 18), utcID: text(62, 18), reference: t,
                                                 transmissionSecondOfWeek: values[0], a0: values[1], a1: values[2], a2: values[3])
        case "EOP":
            guard values.count >= 11 else { throw fail(.truncated, "EOP record has \(body.count) lines, expected 3", first) }
            // Line 2's first column is blank: values[3] is that spare.
            record.earthOrientation = EarthOrientation(reference: t, xp: values[0], xpRate: values[1], xpAcceleration: values[2],
                                                       yp: values[4], ypRate: values[5], ypAcceleration: values[6],
                                                       transmissionSecondOfWeek: values[7], ut1MinusUTC: values[8], ut1Rate: values[9],
                                                       ut1Acceleration: values[10])
        case "ION" where values.count >= 8 && (message == "LNAV" || message == "D1D2" || message == "CNVX"):
            header.klobuchar[sat.system] = KlobucharCoefficients(alpha: Array(values[0..<4]), beta: Array(values[4..<8]))
        case "ION" where sat.system == .galileo && values.count >= 3:
            header.nequick = NeQuickCoefficients(ai: Array(values[0..<3]))
        default:
            break
        }
        return record
    }
}
