import GNSSCore

/// One observation value as a RINEX record holds it.
struct RawObservation {
    var value: Double?
    var lli: UInt8
    var ssi: UInt8
}

/// Streaming reader of RINEX observation files 2.10–4.02, plain, gzip or
/// Hatanaka-compressed (CRX 1.0/3.0), recognised by content. Returns one
/// epoch at a time; a bad epoch is recorded in `errors` and skipped, and
/// reading resumes at the next epoch line.
public final class RINEXObservationReader {
    public private(set) var header: RINEXObservationHeader
    public let path: String
    /// Non-fatal problems found so far (bad epochs, header oddities), with file:line.
    public private(set) var errors: [FormatError] = []
    /// How many errors to keep (they are all counted in `errorCount`).
    public var errorLimit = 1000
    public private(set) var errorCount = 0
    /// Whether the file is Hatanaka-compressed.
    public let isCompact: Bool

    private let source: LineSource
    private let hatanaka: HatanakaDecoder?
    /// By system (its raw value): looked up for every satellite record. None for a system not read.
    private var layouts = [SignalLayout?](repeating: nil, count: GNSSSystem.allCases.count)
    /// The systems whose records are read, nil for all: the others' records are passed over unparsed, so a run
    /// on some of a file's systems spends no time on the rest.
    public var systems: Set<GNSSSystem>? { didSet { makeLayouts() } }
    private var pending: TextLine?

    /// Opens a file; throws only when it cannot be read or its header is unusable.
    public convenience init(path: String) throws(FormatError) {
        try self.init(lines: try LineReader(path: path))
    }

    public init(lines: LineReader) throws(FormatError) {
        path = lines.name
        var warnings: [FormatError] = []
        guard let first = try lines.next() else { throw FormatError(.truncated, "empty file", file: lines.name) }
        if first.headerLabel == "CRINEX VERS   / TYPE" {
            let decoder = try HatanakaDecoder(lines: lines, firstLine: first)
            hatanaka = decoder
            source = decoder
            isCompact = true
        } else {
            lines.unread(first)
            hatanaka = nil
            source = lines
            isCompact = false
        }
        var h = try RINEXObservationHeader.read(from: source, warnings: &warnings)
        if let d = hatanaka { d.setHeader(&h) }
        header = h
        for w in warnings { record(w) }
        makeLayouts()
    }

    private func makeLayouts() {
        layouts = [SignalLayout?](repeating: nil, count: GNSSSystem.allCases.count)
        for (sys, codes) in header.observationTypes where systems?.contains(sys) ?? true {
            layouts[Int(sys.rawValue)] = SignalLayout(codes)
        }
    }

    private func layout(_ system: GNSSSystem) -> SignalLayout? { layouts[Int(system.rawValue)] }

    /// A GLONASS satellite's frequency channel from the header; nil for other systems.
    private func glonassChannel(_ sat: SatelliteID) -> Int? {
        sat.system == .glonass ? header.glonassChannels[sat.prn] : nil
    }

    private func record(_ e: FormatError) {
        errorCount += 1
        if errors.count < errorLimit { errors.append(e) }
    }

    /// The next epoch, or nil at the end of the file.
    public func next() throws(FormatError) -> ObservationEpoch? {
        if let d = hatanaka {
            while true {
                do {
                    guard let decoded = try d.nextEpoch() else { return nil }
                    if let epoch = try makeEpoch(decoded) { return epoch }
                } catch {
                    if error.kind == .io || error.kind == .gzip { throw error }
                    record(error)
                    d.resynchronise()
                }
            }
        }
        while true {
            guard let line = try nextLine() else { return nil }
            if line.bytes.allSatisfy({ $0 == 0x20 }) { continue }
            do {
                if let epoch = try (header.isVersion2 ? readEpoch2(line) : readEpoch3(line)) { return epoch }
            } catch {
                if error.kind == .io || error.kind == .gzip { throw error }
                record(error)
                try skipToNextEpoch()
            }
        }
    }

    private func nextLine() throws(FormatError) -> TextLine? {
        if let p = pending { pending = nil; return p }
        return try source.next()
    }

    private func fail(_ kind: FormatError.Kind, _ message: String, _ line: TextLine) -> FormatError {
        FormatError(kind, message, at: .line(line.number), file: path)
    }

    /// After a bad epoch: skip lines until one that parses as an epoch header.
    private func skipToNextEpoch() throws(FormatError) {
        while let line = try source.next() {
            if header.isVersion2 ? (Self.parseEpochLine2(line.bytes) != nil) : (line.bytes.first == 0x3E) {
                pending = line
                return
            }
        }
    }

    // MARK: - Epoch lines

    struct EpochLine {
        var calendar: CalendarDate
        var flag: UInt8
        var count: Int
        var clock: Double?
    }

    /// RINEX 2: (1X,I2.2,4(1X,I2),F11.7,2X,I1,I3,12(A1,I2),F12.9). A negative satellite or record count makes
    /// the line no epoch line.
    static func parseEpochLine2(_ b: [UInt8]) -> EpochLine? {
        if b.count >= 29, RINEXNumbers.isBlank(b, 0, 26), let flag = RINEXNumbers.int(b, 26, 3), (2...5).contains(flag) {
            // An event record without a time.
            let count = RINEXNumbers.int(b, 29, 3) ?? 0
            guard count >= 0 else { return nil }
            return EpochLine(calendar: CalendarDate(year: 0, month: 0, day: 0), flag: UInt8(flag), count: count, clock: nil)
        }
        guard b.count >= 29, b[0] == 0x20,
              let yy = RINEXNumbers.int(b, 0, 3), let mo = RINEXNumbers.int(b, 3, 3), let d = RINEXNumbers.int(b, 6, 3),
              let h = RINEXNumbers.int(b, 9, 3), let mi = RINEXNumbers.int(b, 12, 3), let s = RINEXNumbers.double(b, 15, 11),
              let flag = RINEXNumbers.int(b, 26, 3), (0...6).contains(flag) else { return nil }
        let count = RINEXNumbers.int(b, 29, 3) ?? 0
        guard count >= 0 else { return nil }
        let clock = b.count > 68 ? RINEXNumbers.double(b, 68, 12) : nil
        return EpochLine(calendar: CalendarDate(year: RINEXNumbers.fullYear(yy), month: mo, day: d, hour: h, minute: mi, second: s),
                         flag: UInt8(flag), count: count, clock: clock)
    }

    /// RINEX 3/4: '>' yyyy mm dd hh mm ss.sssssss  f nnn      clock. A negative count makes the line no epoch line.
    static func parseEpochLine3(_ b: [UInt8]) -> EpochLine? {
        // Writers that trim trailing blanks leave the I3 satellite count short (e.g. "  0 2"): the
        // line needs only to reach the count's first column.
        if b.count >= 33, b[0] == 0x3E, RINEXNumbers.isBlank(b, 1, 28), let flag = RINEXNumbers.int(b, 29, 3), (2...5).contains(flag) {
            let count = RINEXNumbers.int(b, 32, 3) ?? 0
            guard count >= 0 else { return nil }
            return EpochLine(calendar: CalendarDate(year: 0, month: 0, day: 0), flag: UInt8(flag), count: count, clock: nil)
        }
        guard b.count >= 33, b[0] == 0x3E,
              let y = RINEXNumbers.int(b, 1, 5), let mo = RINEXNumbers.int(b, 6, 3), let d = RINEXNumbers.int(b, 9, 3),
              let h = RINEXNumbers.int(b, 12, 3), let mi = RINEXNumbers.int(b, 15, 3), let s = RINEXNumbers.double(b, 18, 11),
              let flag = RINEXNumbers.int(b, 29, 3), (0...6).contains(flag), let count = RINEXNumbers.int(b, 32, 3),
              count >= 0 else { return nil }
        let clock = b.count > 41 ? RINEXNumbers.double(b, 41, 15) : nil
        return EpochLine(calendar: CalendarDate(year: y, month: mo, day: d, hour: h, minute: mi, second: s),
                         flag: UInt8(flag), count: count, clock: clock)
    }

    private func epochTime(_ e: EpochLine, _ line: TextLine) throws(FormatError) -> GNSSTime {
        guard let t = GNSSTime(calendar: e.calendar, scale: header.timeScale) else {
            throw fail(.time, "impossible epoch time \(e.calendar)", line)
        }
        lastTime = t
        return t
    }

    /// Time of the last epoch read (event records without a time take it).
    private var lastTime: GNSSTime?

    /// Handles event records (flags 2–5: header lines follow; 6: cycle-slip records).
    private func readSpecialRecords(_ e: EpochLine, time: GNSSTime?, _ line: TextLine) throws(FormatError) -> ObservationEpoch {
        var lines: [TextLine] = []
        for _ in 0..<e.count {
            guard let l = try source.next() else { throw fail(.truncated, "file ends inside an event record", line) }
            lines.append(l)
        }
        if e.flag == 4 || e.flag == 3 {
            // New header information: the observation types may change from here on.
            let typeLines = lines.filter { $0.headerLabel == "SYS / # / OBS TYPES" || $0.headerLabel == "# / TYPES OF OBSERV" }
            if !typeLines.isEmpty { updateObservationTypes(typeLines) }
        }
        return ObservationEpoch(time: time ?? lastTime ?? GNSSTime(seconds: 0), flag: EpochFlag(rawValue: e.flag) ?? .ok)
    }

    private func readEpoch2(_ line: TextLine) throws(FormatError) -> ObservationEpoch? {
        guard let e = Self.parseEpochLine2(line.bytes) else { throw fail(.syntax, "not an epoch line", line) }
        if e.flag >= 2 && e.flag != 6 {
            let t = RINEXNumbers.isBlank(line.bytes, 0, 26) ? nil : try epochTime(e, line)
            return try readSpecialRecords(e, time: t, line)
        }
        let time = try epochTime(e, line)
        guard e.count >= 0, e.count <= 999 else { throw fail(.syntax, "satellite count \(e.count)", line) }
        // Satellite list: 12 per line from column 32, continuation lines after.
        var satellites: [SatelliteID] = []
        var current = line
        var col = 32
        for i in 0..<e.count {
            if i > 0 && i % 12 == 0 {
                guard let cont = try source.next() else { throw fail(.truncated, "file ends inside the satellite list", line) }
                current = cont
                col = 32
            }
            let bytes = current.bytes
            let fast = col + 3 <= bytes.count ? SatelliteID(rinexBytes: bytes[col..<col + 3]) : nil
            let text = fast == nil ? current.field(col, 3) : ""
            guard let sat = fast ?? SatelliteID(rinex: text.isEmpty ? " " : text) else {
                throw fail(.syntax, "bad satellite '\(text)' in epoch satellite list", current)
            }
            satellites.append(sat)
            col += 3
        }
        let types = header.rinex2Types.count
        let linesPerSatellite = max(1, (types + 4) / 5)
        var result = ObservationEpoch(time: time, flag: EpochFlag(rawValue: e.flag) ?? .ok, receiverClockOffset: e.clock)
        result.satellites.reserveCapacity(satellites.count)
        var raw = [RawObservation](repeating: RawObservation(value: nil, lli: 0, ssi: 0), count: types)
        for sat in satellites {
            let layout = layout(sat.system)
            for k in 0..<linesPerSatellite {
                guard let l = try source.next() else { throw fail(.truncated, "file ends inside epoch data", line) }
                if k == 0 && Self.looksLikeEpoch2(l.bytes) {
                    pending = l
                    throw fail(.syntax, "epoch has fewer observation records than its satellite count", l)
                }
                for j in 0..<5 where layout != nil {
                    let index = k * 5 + j
                    guard index < types else { break }
                    raw[index] = try Self.parseObservation(l, column: j * 16, path: path)
                }
            }
            if let obs = layout?.satelliteObservation(sat, raw, glonassChannel: glonassChannel(sat)) {
                result.satellites.append(obs)
            }
        }
        return result
    }

    /// A stricter epoch test used while reading observation lines: date fields at their columns.
    static func looksLikeEpoch2(_ b: [UInt8]) -> Bool {
        guard b.count >= 32 else { return false }
        for c in [3, 6, 9, 12, 15] where b[c] != 0x20 { return false }
        return b[2] != 0x20 && b[5] != 0x20 && b[8] != 0x20 && b[18] == 0x2E
    }

    /// One F14.3 + LLI + SSI value at `column`.
    @inline(__always)
    static func parseObservation(_ l: TextLine, column: Int, path: String) throws(FormatError) -> RawObservation {
        let b = l.bytes
        var value: Double?
        switch RINEXNumbers.field(b, column, 14) {
        case .blank: value = nil
        case .value(let v): value = v
        case .invalid:
            throw FormatError(.syntax, "unreadable observation value '\(l.field(column, 14))'", at: .line(l.number), file: path)
        }
        let lli = column + 14 < b.count && b[column + 14] >= 0x30 && b[column + 14] <= 0x39 ? b[column + 14] - 0x30 : 0
        let ssi = column + 15 < b.count && b[column + 15] >= 0x30 && b[column + 15] <= 0x39 ? b[column + 15] - 0x30 : 0
        return RawObservation(value: value, lli: lli, ssi: ssi)
    }

    private func readEpoch3(_ line: TextLine) throws(FormatError) -> ObservationEpoch? {
        guard let e = Self.parseEpochLine3(line.bytes) else { throw fail(.syntax, "not an epoch line", line) }
        if e.flag >= 2 && e.flag != 6 {
            let t = RINEXNumbers.isBlank(line.bytes, 1, 28) ? nil : try epochTime(e, line)
            return try readSpecialRecords(e, time: t, line)
        }
        let time = try epochTime(e, line)
        var result = ObservationEpoch(time: time, flag: EpochFlag(rawValue: e.flag) ?? .ok, receiverClockOffset: e.clock)
        result.satellites.reserveCapacity(e.count)
        // One record's values, for every system's (the longest layout's room; each uses its first `layout.count`).
        var raw = [RawObservation](repeating: RawObservation(value: nil, lli: 0, ssi: 0),
                                   count: layouts.reduce(0) { max($0, $1?.count ?? 0) })
        for _ in 0..<e.count {
            guard let l = try source.next() else { throw fail(.truncated, "file ends inside epoch data", line) }
            if l.bytes.first == 0x3E {
                pending = l
                throw fail(.syntax, "epoch has fewer satellite records than its count \(e.count)", l)
            }
            guard l.count >= 3, let sat = SatelliteID(rinexBytes: l.bytes[0..<3]) else {
                throw fail(.syntax, "bad satellite id '\(l.field(0, 3))'", l)
            }
            guard let layout = layout(sat.system) else { continue }
            for j in 0..<layout.count {
                raw[j] = try Self.parseObservation(l, column: 3 + j * 16, path: path)
            }
            if let obs = layout.satelliteObservation(sat, raw, glonassChannel: glonassChannel(sat)) {
                result.satellites.append(obs)
            }
        }
        return result
    }

    /// Applies observation-type records found in an event record (flag 3 or 4).
    private func updateObservationTypes(_ lines: [TextLine]) {
        var text = [String(repeating: " ", count: 5) + (header.isVersion2 ? "2.11" : "3.05")
                    + String(repeating: " ", count: 11) + "OBSERVATION DATA    M" + String(repeating: " ", count: 19) + "RINEX VERSION / TYPE"]
        text += lines.map(\.text)
        text.append(String(repeating: " ", count: 60) + "END OF HEADER")
        let reader = LineReader(name: path, bytes: Array(text.joined(separator: "\n").utf8))
        var warnings: [FormatError] = []
        guard let update = try? RINEXObservationHeader.read(from: reader, warnings: &warnings) else {
            record(FormatError(.syntax, "unreadable observation types in an event record", at: .line(lines[0].number), file: path))
            return
        }
        if header.isVersion2 {
            header.rinex2Types = update.rinex2Types
            header.observationTypes = update.observationTypes
        } else {
            for (sys, codes) in update.observationTypes { header.observationTypes[sys] = codes }
        }
        makeLayouts()
    }

    // MARK: - Compact RINEX

    private func makeEpoch(_ d: HatanakaDecoder.Epoch) throws(FormatError) -> ObservationEpoch? {
        let line = TextLine(number: d.lineNumber, bytes: d.epochLine)
        guard let e = header.isVersion2 ? Self.parseEpochLine2(d.epochLine) : Self.parseEpochLine3(d.epochLine) else {
            throw fail(.syntax, "not an epoch line", line)
        }
        if e.flag >= 2 && e.flag != 6 {
            if e.flag == 4 || e.flag == 3 {
                let typeLines = d.records.filter { $0.headerLabel == "SYS / # / OBS TYPES" || $0.headerLabel == "# / TYPES OF OBSERV" }
                if !typeLines.isEmpty {
                    updateObservationTypes(typeLines)
                    hatanaka?.updateObservationTypes(header)
                }
            }
            let blank = header.isVersion2 ? RINEXNumbers.isBlank(d.epochLine, 0, 26) : RINEXNumbers.isBlank(d.epochLine, 1, 28)
            return ObservationEpoch(time: blank ? lastTime ?? GNSSTime(seconds: 0) : try epochTime(e, line), flag: EpochFlag(rawValue: e.flag) ?? .ok)
        }
        let time = try epochTime(e, line)
        var result = ObservationEpoch(time: time, flag: EpochFlag(rawValue: e.flag) ?? .ok,
                                      receiverClockOffset: d.clock)
        result.satellites.reserveCapacity(d.satellites.count)
        for (sat, raw) in zip(d.satellites, d.values) {
            if let obs = layout(sat.system)?.satelliteObservation(sat, raw, glonassChannel: glonassChannel(sat)) {
                result.satellites.append(obs)
            }
        }
        return result
    }
}

/// How the observation types of one system map onto signals: computed once
/// per file so each record is assembled without lookups.
struct SignalLayout {
    let count: Int
    let signals: [SignalCode]
    /// For each observation type: index into `signals` and its kind.
    let slots: [(signal: Int, kind: ObservableKind)]

    init(_ codes: [ObservationCode]) {
        var signals: [SignalCode] = []
        var slots: [(Int, ObservableKind)] = []
        for c in codes {
            if let i = signals.firstIndex(of: c.signal) {
                slots.append((i, c.kind))
            } else {
                signals.append(c.signal)
                slots.append((signals.count - 1, c.kind))
            }
        }
        self.count = codes.count
        self.signals = signals
        self.slots = slots
    }

    /// Assembles the values of one record (`raw`'s first `count`); nil when the satellite has no value at all.
    func satelliteObservation(_ sat: SatelliteID, _ raw: [RawObservation], glonassChannel: Int?) -> SatelliteObservation? {
        // Every signal of the layout, then those with a value: on the stack, not the heap, for each record.
        withUnsafeTemporaryAllocation(of: SignalObservation.self, capacity: signals.count) { out in
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: signals.count) { present in
                for (i, s) in signals.enumerated() { (out.baseAddress! + i).initialize(to: SignalObservation(signal: s)) }
                present.initialize(repeating: false)
                return assemble(sat, raw, glonassChannel, out, present)
            }
        }
    }

    private func assemble(_ sat: SatelliteID, _ raw: [RawObservation], _ glonassChannel: Int?,
                          _ out: UnsafeMutableBufferPointer<SignalObservation>,
                          _ present: UnsafeMutableBufferPointer<Bool>) -> SatelliteObservation? {
        for j in 0..<min(raw.count, slots.count) {
            let r = raw[j]
            guard let v = r.value else { continue }
            let (i, kind) = slots[j]
            switch kind {
            case .pseudorange:
                out[i].pseudorange = v
                if out[i].signalStrengthIndicator == 0 { out[i].signalStrengthIndicator = r.ssi }
            case .carrierPhase:
                out[i].carrierPhase = v
                out[i].lli = r.lli
                out[i].halfCycleAmbiguity = (r.lli & 2) != 0
                if r.ssi != 0 { out[i].signalStrengthIndicator = r.ssi }
            case .doppler: out[i].doppler = v
            case .signalStrength: out[i].cn0 = v
            case .ionosphere, .channel: continue
            }
            present[i] = true
        }
        var signalsPresent: [SignalObservation] = []
        signalsPresent.reserveCapacity(present.count { $0 })
        for i in out.indices where present[i] { signalsPresent.append(out[i]) }
        guard !signalsPresent.isEmpty else { return nil }
        return SatelliteObservation(satellite: sat, signals: signalsPresent,
                                    glonassChannel: sat.system == .glonass ? glonassChannel : nil)
    }
}
