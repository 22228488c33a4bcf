import GNSSCore

/// The header of a RINEX observation file (2.10–4.02).
public struct RINEXObservationHeader: Sendable {
    public var version: Double = 0
    /// Satellite system letter of the file (`G`, `R`, `E`, `M` for mixed, …).
    public var fileSystem: Character = "G"
    public var markerName = ""
    public var markerNumber = ""
    public var receiverNumber = ""
    public var receiverType = ""
    public var receiverVersion = ""
    public var antennaNumber = ""
    public var antennaType = ""
    public var approximatePosition: ECEF?
    /// Antenna height and eccentricities (m): up, east, north.
    public var antennaDelta = ENU(east: 0, north: 0, up: 0)
    public var interval: Double?
    public var firstObservation: GNSSTime?
    public var lastObservation: GNSSTime?
    /// Time system of the epochs (GPS unless the header says otherwise).
    public var timeScale: TimeScale = .gps
    public var leapSeconds: Int?
    public var glonassChannels = GlonassChannels()
    /// Observation codes per system, in file order (RINEX 2 codes already mapped to RINEX 3).
    public var observationTypes: [GNSSSystem: [ObservationCode]] = [:]
    /// RINEX 2 type names as written (the same list for every system).
    public var rinex2Types: [String] = []
    /// Phase shifts (cycles) by system and code.
    public var phaseShifts: [GNSSSystem: [ObservationCode: Double]] = [:]
    /// GLONASS COD/PHS/BIS: code-phase bias per observation code, metres.
    public var glonassCodePhaseBias: [ObservationCode: Double] = [:]
    public var comments: [String] = []
    /// Every header line kept as (label, text) for round trips.
    public var lines: [(label: String, text: String)] = []

    public init() {}

    public var isVersion2: Bool { version < 3 }
}

/// RINEX 2 observation names mapped to RINEX 3 codes, per system (the kind letter C/L/D/S is kept;
/// P becomes C with the attribute below). Band numbers are kept except BeiDou band 1 (B1I is 2I in RINEX 3).
///
/// | system  | C1 | P1 | L1/D1/S1 | C2 | P2 | L2/D2/S2 | band 5 | others |
/// |---------|----|----|----------|----|----|----------|--------|--------|
/// | GPS     | 1C | 1W | 1C       | 2X (2W from 2.12) | 2W | 2W | 5X | X |
/// | GLONASS | 1C | 1P | 1C       | 2C | 2P | 2P       | X      | X      |
/// | Galileo | 1X | 1X | 1X       | –  | –  | –        | 5X     | 6X 7X 8X |
/// | QZSS    | 1C | 1C | 1C       | 2X | 2X | 2X       | 5X     | X      |
/// | SBAS    | 1C | 1C | 1C       | –  | –  | –        | 5X     | X      |
/// | BeiDou  | 2I | 2I | 2I       | 2I | 2I | 2I       | 5I     | 6I 7I  |
///
/// This is the common convention of RINEX 2 → 3 converters; a RINEX 2 file cannot say which tracking
/// mode it used, so the attribute is a best guess and only the band and kind are certain.
enum RINEX2Codes {
    static func code(_ name: String, system: GNSSSystem, version: Double) -> ObservationCode? {
        let chars = Array(name)
        guard chars.count == 2, let kind = ObservableKind(rawValue: chars[0] == "P" ? "C" : chars[0]),
              let band = chars[1].wholeNumberValue else { return nil }
        let isP = chars[0] == "P"
        let attribute: Character
        switch (system, band) {
        case (.gps, 1): attribute = isP ? "W" : "C"
        case (.gps, 2): attribute = (isP || kind != .pseudorange) ? "W" : (version >= 2.12 ? "W" : "X")
        case (.gps, 5), (.qzss, 5), (.sbas, 5): attribute = "X"
        case (.glonass, 1), (.glonass, 2): attribute = isP ? "P" : (kind == .pseudorange ? "C" : (band == 1 ? "C" : "P"))
        case (.galileo, _): attribute = "X"
        case (.qzss, 1), (.sbas, 1): attribute = "C"
        case (.qzss, 2): attribute = "X"
        case (.beidou, 1): return ObservationCode(kind: kind, signal: SignalCode(band: 2, attribute: "I"))
        case (.beidou, _): attribute = "I"
        default: attribute = "X"
        }
        return ObservationCode(kind: kind, signal: SignalCode(band: UInt8(band), attribute: attribute))
    }
}

extension RINEXObservationHeader {
    /// Reads header lines up to and including `END OF HEADER`.
    /// Problems that do not stop reading are appended to `warnings`.
    static func read(from source: LineSource, warnings: inout [FormatError]) throws(FormatError) -> RINEXObservationHeader {
        var h = RINEXObservationHeader()
        var sawVersion = false
        var pendingSystem: GNSSSystem?
        var pendingCount = 0
        var pendingRinex2Count = 0
        while let line = try source.next() {
            let label = line.headerLabel
            let b = line.bytes
            if label.isEmpty && line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            h.lines.append((label, line.text))
            switch label {
            case "RINEX VERSION / TYPE":
                guard let v = RINEXNumbers.double(b, 0, 9) else {
                    throw FormatError(.syntax, "unreadable RINEX version", at: .line(line.number), file: source.name)
                }
                h.version = v
                let type = b.count > 20 ? Character(UnicodeScalar(b[20])) : " "
                guard type == "O" else {
                    throw FormatError(.format, "not an observation file (type '\(type)')", at: .line(line.number), file: source.name)
                }
                if b.count > 40, b[40] != 0x20 { h.fileSystem = Character(UnicodeScalar(b[40])) }
                sawVersion = true
            case "MARKER NAME": h.markerName = String(line.field(0, 60)).trimmed
            case "MARKER NUMBER": h.markerNumber = String(line.field(0, 20)).trimmed
            case "REC # / TYPE / VERS":
                h.receiverNumber = String(line.field(0, 20)).trimmed
                h.receiverType = String(line.field(20, 20)).trimmed
                h.receiverVersion = String(line.field(40, 20)).trimmed
            case "ANT # / TYPE":
                h.antennaNumber = String(line.field(0, 20)).trimmed
                h.antennaType = String(line.field(20, 20)).trimmed
            case "APPROX POSITION XYZ":
                if let x = RINEXNumbers.double(b, 0, 14), let y = RINEXNumbers.double(b, 14, 14), let z = RINEXNumbers.double(b, 28, 14) {
                    h.approximatePosition = ECEF(x, y, z)
                } else if let xyz = Self.blankSeparatedNumbers(b, upTo: 60), xyz.count == 3 {
                    // Some writers use wider fields than 3F14.4; blank-separated numbers are still unambiguous.
                    h.approximatePosition = ECEF(xyz[0], xyz[1], xyz[2])
                } else {
                    warnings.append(FormatError(.syntax, "unreadable APPROX POSITION XYZ", at: .line(line.number), file: source.name))
                }
            case "ANTENNA: DELTA H/E/N":
                h.antennaDelta = ENU(east: RINEXNumbers.double(b, 14, 14) ?? 0, north: RINEXNumbers.double(b, 28, 14) ?? 0,
                                     up: RINEXNumbers.double(b, 0, 14) ?? 0)
            case "INTERVAL": h.interval = RINEXNumbers.double(b, 0, 10)
            case "LEAP SECONDS": h.leapSeconds = RINEXNumbers.int(b, 0, 6)
            case "TIME OF FIRST OBS", "TIME OF LAST OBS":
                let scaleText = String(line.field(48, 3)).trimmed
                if label == "TIME OF FIRST OBS" {
                    switch scaleText {
                    case "GLO": h.timeScale = .glonass
                    case "GAL": h.timeScale = .galileo
                    case "BDT": h.timeScale = .beidou
                    case "QZS": h.timeScale = .qzss
                    case "IRN": h.timeScale = .navic
                    default: h.timeScale = h.fileSystem == "R" ? .glonass : (h.fileSystem == "E" ? .galileo : (h.fileSystem == "C" ? .beidou : .gps))
                    }
                }
                if let y = RINEXNumbers.int(b, 0, 6), let mo = RINEXNumbers.int(b, 6, 6), let d = RINEXNumbers.int(b, 12, 6),
                   let hh = RINEXNumbers.int(b, 18, 6), let mi = RINEXNumbers.int(b, 24, 6), let s = RINEXNumbers.double(b, 30, 13),
                   let t = GNSSTime(calendar: CalendarDate(year: y, month: mo, day: d, hour: hh, minute: mi, second: s), scale: h.timeScale) {
                    if label == "TIME OF FIRST OBS" { h.firstObservation = t } else { h.lastObservation = t }
                } else {
                    warnings.append(FormatError(.time, "unreadable \(label)", at: .line(line.number), file: source.name))
                }
            case "# / TYPES OF OBSERV":
                if pendingRinex2Count == 0 {
                    pendingRinex2Count = RINEXNumbers.int(b, 0, 6) ?? 0
                    h.rinex2Types = []
                }
                var col = 6
                while col + 6 <= 60 {
                    let name = String(line.field(col, 6)).trimmed
                    if !name.isEmpty { h.rinex2Types.append(name) }
                    col += 6
                }
                if h.rinex2Types.count >= pendingRinex2Count {
                    if h.rinex2Types.count != pendingRinex2Count {
                        warnings.append(FormatError(.syntax, "# / TYPES OF OBSERV says \(pendingRinex2Count) but lists \(h.rinex2Types.count); using the list",
                                                    at: .line(line.number), file: source.name))
                    }
                    pendingRinex2Count = 0
                }
            case "SYS / # / OBS TYPES":
                if b.first != 0x20, let sys = GNSSSystem(letter: Character(UnicodeScalar(b[0]))) {
                    pendingSystem = sys
                    pendingCount = RINEXNumbers.int(b, 3, 3) ?? 0
                    h.observationTypes[sys] = []
                }
                guard let sys = pendingSystem else {
                    warnings.append(FormatError(.syntax, "observation types without a system", at: .line(line.number), file: source.name))
                    continue
                }
                var col = 7
                while col + 3 <= 60 {
                    let text = line.field(col, 3)
                    if text.trimmed.isEmpty { col += 4; continue }
                    if text.trimmed == "X1" {
                        // RINEX 3.04's receiver channel number: a two-character type, not a signal.
                        h.observationTypes[sys, default: []].append(ObservationCode(kind: .channel, signal: SignalCode(band: 1, attribute: "?")))
                    } else if var code = ObservationCode(text) {
                        // RINEX 3.00–3.02 named BeiDou's B1I band 1 (C1I, L1I); from 3.03 band 1 is B1C and B1I is 2I.
                        if sys == .beidou && h.version < 3.03 && code.signal.band == 1 { code.signal.band = 2 }
                        h.observationTypes[sys, default: []].append(code)
                    } else {
                        warnings.append(FormatError(.syntax, "unknown observation code '\(text)'", at: .line(line.number), file: source.name))
                        // Keep the position so values stay aligned with their types.
                        h.observationTypes[sys, default: []].append(ObservationCode(kind: .channel, signal: SignalCode(band: 9, attribute: "?")))
                    }
                    col += 4
                }
                if (h.observationTypes[sys]?.count ?? 0) >= pendingCount { pendingSystem = nil }
            case "SYS / PHASE SHIFT", "SYS / PHASE SHIFTS":
                if b.first != 0x20, let sys = GNSSSystem(letter: Character(UnicodeScalar(b[0]))),
                   let code = ObservationCode(line.field(2, 3)), let shift = RINEXNumbers.double(b, 6, 8) {
                    h.phaseShifts[sys, default: [:]][code] = shift
                }
            case "GLONASS SLOT / FRQ #":
                var col = 4
                while col + 7 <= 60 {
                    if let sat = SatelliteID(rinex: line.field(col, 3)), sat.system == .glonass,
                       let k = RINEXNumbers.int(b, col + 4, 2) {
                        h.glonassChannels[sat.prn] = k
                    }
                    col += 7
                }
            case "GLONASS COD/PHS/BIS":
                // 4(1X,A3,1X,F8.3): code-phase bias per GLONASS observation code, metres.
                var col = 0
                while col + 13 <= 60 {
                    if let code = ObservationCode(line.field(col + 1, 3)), let bias = RINEXNumbers.double(b, col + 5, 8) {
                        h.glonassCodePhaseBias[code] = bias
                    }
                    col += 13
                }
            case "COMMENT": h.comments.append(String(line.field(0, 60)).trimmingTrailingSpaces())
            case "END OF HEADER":
                guard sawVersion else {
                    throw FormatError(.syntax, "header has no RINEX VERSION / TYPE line", at: .line(line.number), file: source.name)
                }
                if h.isVersion2 {
                    for sys in GNSSSystem.allCases where sys != .leo {
                        h.observationTypes[sys] = h.rinex2Types.map {
                            RINEX2Codes.code($0, system: sys, version: h.version)
                                ?? ObservationCode(kind: .channel, signal: SignalCode(band: 9, attribute: "?"))
                        }
                    }
                }
                return h
            default:
                if !sawVersion && line.number <= 2 {
                    throw FormatError(.format, "not a RINEX file: first line is not RINEX VERSION / TYPE", at: .line(line.number), file: source.name)
                }
            }
        }
        throw FormatError(.truncated, sawVersion ? "file ends inside the header" : "empty file", at: .unknown, file: source.name)
    }

    /// The blank-separated numbers in the first `limit` columns; nil when one of them is unreadable.
    static func blankSeparatedNumbers(_ b: [UInt8], upTo limit: Int) -> [Double]? {
        let end = min(b.count, limit)
        var values: [Double] = []
        var i = 0
        while i < end {
            while i < end && (b[i] == 0x20 || b[i] == 0x0D) { i += 1 }
            guard i < end else { break }
            var j = i
            while j < end && b[j] != 0x20 && b[j] != 0x0D { j += 1 }
            guard case .value(let v) = RINEXNumbers.parse(b, i, j) else { return nil }
            values.append(v)
            i = j
        }
        return values
    }
}
