import GNSSCore

/// Reads ANTEX 1.4 antenna files (igs20.atx and the like; gzip or not). The non-azimuthal variations are kept
/// (azimuth-dependent rows are read past). A malformed antenna is reported in `errors` with its line and
/// skipped; the others are kept.
public enum ANTEXReader {
    public static func readAll(path: String) throws(FormatError) -> (antennas: [AntennaCalibration], errors: [FormatError]) {
        try read(lines: try LineReader(path: path))
    }

    public static func read(lines: LineReader) throws(FormatError) -> (antennas: [AntennaCalibration], errors: [FormatError]) {
        var antennas: [AntennaCalibration] = []
        var errors: [FormatError] = []
        var current: AntennaCalibration?
        var frequency: String?
        var sawHeaderEnd = false
        func fail(_ message: String, _ line: TextLine) {
            errors.append(FormatError(.syntax, message, at: .line(line.number), file: lines.name))
            current = nil
            frequency = nil
        }
        // Numbers as ANTEX writes them; anything else (including nan and inf) is not a number.
        func numbers(_ text: Substring) -> [Double] {
            text.split(separator: " ").map { Double($0).flatMap { $0.isFinite && abs($0) < 1e9 ? $0 : nil } ?? .nan }
        }
        while let line = try lines.next() {
            let label = line.headerLabel
            if !sawHeaderEnd {
                if label == "ANTEX VERSION / SYST" {
                    guard let v = Double(line.field(0, 8).trimmed), v >= 1.3, v < 2 else {
                        throw FormatError(.format, "not an ANTEX 1.3/1.4 file", at: .line(line.number), file: lines.name)
                    }
                }
                if label == "END OF HEADER" { sawHeaderEnd = true }
                continue
            }
            switch label {
            case "START OF ANTENNA":
                current = AntennaCalibration(type: "")
                frequency = nil
            case "END OF ANTENNA":
                if let c = current { antennas.append(c) }
                current = nil
            case "TYPE / SERIAL NO":
                guard current != nil else { continue }
                current?.type = String(line.field(0, 20)).trimmingTrailingSpaces()
                let serial = line.field(20, 20).trimmed
                // Satellite antennas carry the PRN code (G01, E24, …) as their serial.
                if serial.count == 3, let sat = SatelliteID(rinex: serial) { current?.satellite = sat }
            case "ZEN1 / ZEN2 / DZEN":
                guard current != nil else { continue }
                let z = numbers(line.field(2, 18))
                guard z.count == 3, z.allSatisfy(\.isFinite), z[2] > 0, z[1] >= z[0], (z[1] - z[0]) / z[2] <= 1000 else {
                    fail("ZEN1 / ZEN2 / DZEN unreadable", line); continue
                }
                current?.zenithStart = z[0]; current?.zenithEnd = z[1]; current?.zenithStep = z[2]
            case "VALID FROM", "VALID UNTIL":
                guard current != nil else { continue }
                let f = numbers(line.field(0, 43))
                guard f.count == 6, f.allSatisfy(\.isFinite),
                      let t = GNSSTime(gpsCalendar: CalendarDate(year: Int(f[0]), month: Int(f[1]), day: Int(f[2]),
                                                                 hour: Int(f[3]), minute: Int(f[4]), second: f[5])) else {
                    fail("\(label) is not a date", line); continue
                }
                if label == "VALID FROM" { current?.validFrom = t } else { current?.validUntil = t }
            case "START OF FREQUENCY":
                guard current != nil else { continue }
                frequency = line.field(3, 3).trimmed
            case "END OF FREQUENCY":
                frequency = nil
            case "NORTH / EAST / UP":
                guard current != nil, let f = frequency else { continue }
                let v = numbers(line.field(0, 30))
                guard v.count == 3, v.allSatisfy(\.isFinite) else { fail("NORTH / EAST / UP needs three numbers", line); continue }
                current?.patterns[f, default: .init(offset: (0, 0, 0), variations: [])].offset = (v[0] / 1000, v[1] / 1000, v[2] / 1000)
            case "START OF FREQ RMS":
                frequency = nil   // the RMS rows that follow are not variations
            case "END OF FREQ RMS", "COMMENT", "METH / BY / # / DATE", "DAZI", "# OF FREQUENCIES", "SINEX CODE":
                break
            default:
                // Pattern rows: `   NOAZI` then the values (mm); azimuth rows start with a number and are read past.
                guard current != nil, let f = frequency, line.field(3, 5) == "NOAZI" else { continue }
                let values = numbers(Substring(String(decoding: line.bytes.dropFirst(8), as: UTF8.self)))
                let expected = Int(((current!.zenithEnd - current!.zenithStart) / current!.zenithStep).rounded()) + 1
                guard values.count == expected, values.allSatisfy(\.isFinite) else {
                    fail("NOAZI row has \(values.count) values, the zenith grid \(expected)", line); continue
                }
                current?.patterns[f, default: .init(offset: (0, 0, 0), variations: [])].variations = values.map { $0 / 1000 }
            }
        }
        guard sawHeaderEnd else { throw FormatError(.format, "no ANTEX header", file: lines.name) }
        return (antennas, errors)
    }
}
