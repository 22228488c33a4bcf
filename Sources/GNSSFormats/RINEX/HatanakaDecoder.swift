import GNSSCore

/// Decoder of Hatanaka's Compact RINEX (CRX 1.0 for RINEX 2, CRX 3.0 for
/// RINEX 3/4). The header passes through unchanged (as a `LineSource`);
/// each data epoch is rebuilt from text differences of the epoch line and
/// flags, and from integer differences of arbitrary order of every value.
final class HatanakaDecoder: LineSource {
    struct Epoch {
        var lineNumber: Int
        /// The reconstructed RINEX epoch line (RINEX 2 style with the whole satellite list on one line for CRX 1).
        var epochLine: [UInt8]
        var clock: Double?
        var satellites: [SatelliteID]
        var values: [[RawObservation]]
        /// The special records of an event epoch (flags 2–5), as they stand in the file.
        var records: [TextLine] = []
    }

    /// An arc of differenced integers: order m, and the latest value and differences.
    struct Arc {
        var order: Int
        var epochs: Int
        var d: [Int64]

        init?(order: Int, value: Int64) {
            guard order >= 0, order <= 9 else { return nil }
            self.order = order
            epochs = 1
            d = [Int64](repeating: 0, count: order + 1)
            d[0] = value
        }

        /// Adds the next difference; nil on arithmetic overflow (corrupt input).
        mutating func add(_ x: Int64) -> Int64? {
            let k = min(epochs, order)
            d[k] = x
            var j = k - 1
            while j >= 0 {
                let (s, overflow) = d[j].addingReportingOverflow(d[j + 1])
                if overflow { return nil }
                d[j] = s
                j -= 1
            }
            epochs += 1
            return d[0]
        }
    }

    struct SatelliteState {
        var arcs: [Arc?]
        var flags: [UInt8]
    }

    let name: String
    private let lines: LineReader
    let crxVersion: Int
    private var inHeader = true
    private var isRinex2 = false
    private var counts: [GNSSSystem: Int] = [:]
    private var previousEpochLine: [UInt8] = []
    private var clockArc: Arc?
    private var states: [SatelliteID: SatelliteState] = [:]
    private var needsInitialisation = false

    init(lines: LineReader, firstLine: TextLine) throws(FormatError) {
        self.lines = lines
        name = lines.name
        let v = String(firstLine.field(0, 20)).trimmed
        if v.hasPrefix("1.") {
            crxVersion = 1
        } else if v.hasPrefix("3.") {
            crxVersion = 3
        } else {
            throw FormatError(.format, "unsupported Compact RINEX version '\(v)'", at: .line(firstLine.number), file: name)
        }
        // Second line: CRINEX PROG / DATE.
        guard let second = try lines.next(), second.headerLabel == "CRINEX PROG / DATE" else {
            throw FormatError(.syntax, "missing CRINEX PROG / DATE line", at: .line(2), file: name)
        }
    }

    /// Header lines, then nil.
    func next() throws(FormatError) -> TextLine? {
        guard inHeader, let line = try lines.next() else { return nil }
        if line.headerLabel == "END OF HEADER" { inHeader = false }
        return line
    }

    /// Called once the header is parsed: the number of values per satellite depends on it.
    func setHeader(_ h: inout RINEXObservationHeader) {
        isRinex2 = h.isVersion2
        for (sys, codes) in h.observationTypes { counts[sys] = codes.count }
        // Drain any header lines the parser did not consume.
        while inHeader, (try? next()) != nil {}
    }

    /// After observation types change in an event record: values per satellite follow the new lists,
    /// and the arcs of a system whose list changed start again.
    func updateObservationTypes(_ h: RINEXObservationHeader) {
        for (sys, codes) in h.observationTypes where counts[sys] != codes.count { counts[sys] = codes.count }
    }

    /// After an error: skip to the next initialisation epoch line and forget all arcs.
    func resynchronise() {
        needsInitialisation = true
        states.removeAll()
        clockArc = nil
    }

    private func fail(_ message: String, _ line: Int) -> FormatError {
        FormatError(.syntax, message, at: .line(line), file: name)
    }

    private var initialMarker: UInt8 { crxVersion == 1 ? 0x26 : 0x3E }   // '&' or '>'

    func nextEpoch() throws(FormatError) -> Epoch? {
        var line: TextLine
        repeat {
            guard let l = try lines.next() else { return nil }
            line = l
            if needsInitialisation && l.bytes.first != initialMarker { continue }
            needsInitialisation = false
            break
        } while true
        // Epoch line: full on initialisation, else a text difference from the previous one.
        var epochLine: [UInt8]
        if line.bytes.first == initialMarker {
            epochLine = line.bytes
            if crxVersion == 1 { epochLine[0] = 0x20 }
        } else {
            guard !previousEpochLine.isEmpty else { throw fail("epoch line difference before any full epoch line", line.number) }
            epochLine = Self.applyText(line.bytes, to: previousEpochLine)
        }
        previousEpochLine = epochLine
        let flagColumn = isRinex2 ? 28 : 31
        let countColumn = isRinex2 ? 29 : 32
        let listColumn = isRinex2 ? 32 : 41
        guard epochLine.count > countColumn + 2,
              let flag = RINEXNumbers.int(epochLine, flagColumn, 1),
              let count = RINEXNumbers.int(epochLine, countColumn, 3), count >= 0 else {
            throw fail("unreadable compact epoch line", line.number)
        }
        if flag >= 2 && flag <= 5 {
            // Event: special records follow literally; the next epoch line starts afresh.
            var records: [TextLine] = []
            for _ in 0..<count {
                guard let record = try lines.next() else { throw fail("file ends inside an event record", line.number) }
                records.append(record)
            }
            previousEpochLine = []
            return Epoch(lineNumber: line.number, epochLine: epochLine, clock: nil, satellites: [], values: [], records: records)
        }
        var satellites: [SatelliteID] = []
        satellites.reserveCapacity(count)
        for i in 0..<count {
            let c = listColumn + 3 * i
            guard c + 3 <= epochLine.count, let sat = SatelliteID(rinexBytes: epochLine[c..<(c + 3)]) else {
                throw fail("bad satellite list in compact epoch line", line.number)
            }
            satellites.append(sat)
        }
        // Receiver clock line.
        guard let clockLine = try lines.next() else { throw fail("file ends after an epoch line", line.number) }
        var clock: Double?
        if clockLine.bytes.allSatisfy({ $0 == 0x20 }) {
            clockArc = nil
        } else {
            guard let v = try decodeValue(clockLine.bytes[...], arc: &clockArc, line: clockLine.number) else {
                throw fail("unreadable clock offset", clockLine.number)
            }
            clock = Double(v) * (isRinex2 ? 1e-9 : 1e-12)
        }
        // One data line per satellite.
        var values: [[RawObservation]] = []
        values.reserveCapacity(count)
        var seen = Set<SatelliteID>()
        for sat in satellites {
            guard let dataLine = try lines.next() else { throw fail("file ends inside an epoch", line.number) }
            let n = counts[sat.system] ?? 0
            // Taken out while it changes: a copy left in the dictionary would have every arc copied on write.
            var state = states.removeValue(forKey: sat) ?? SatelliteState(arcs: [Arc?](repeating: nil, count: n), flags: [])
            if state.arcs.count != n { state = SatelliteState(arcs: [Arc?](repeating: nil, count: n), flags: []) }
            do {
                values.append(try decodeSatellite(dataLine, count: n, state: &state))
            } catch let error {
                states[sat] = state
                throw error
            }
            states[sat] = state
            seen.insert(sat)
        }
        // Satellites that left the epoch lose their arcs.
        if states.count != seen.count { states = states.filter { seen.contains($0.key) } }
        return Epoch(lineNumber: line.number, epochLine: epochLine, clock: clock, satellites: satellites, values: values)
    }

    /// Applies a text difference: space keeps the old character, `&` writes a space, anything else replaces.
    static func applyText(_ diff: [UInt8], to old: [UInt8]) -> [UInt8] {
        var out = old
        if out.count < diff.count { out.append(contentsOf: [UInt8](repeating: 0x20, count: diff.count - out.count)) }
        for (i, c) in diff.enumerated() {
            if c == 0x20 { continue }
            out[i] = c == 0x26 ? 0x20 : c
        }
        return out
    }

    /// Parses `n&value` (start of an arc of order n) or a difference; updates `arc`.
    private func decodeValue(_ token: ArraySlice<UInt8>, arc: inout Arc?, line: Int) throws(FormatError) -> Int64? {
        var t = token
        while let f = t.first, f == 0x20 { t = t.dropFirst() }
        while let l = t.last, l == 0x20 { t = t.dropLast() }
        guard !t.isEmpty else { return nil }
        if let amp = t.firstIndex(of: 0x26) {
            guard amp > t.startIndex, let order = Self.integer(t[t.startIndex..<amp]), let v = Self.integer(t[(amp + 1)...]),
                  let a = Arc(order: Int(order), value: v) else {
                throw fail("bad arc initialisation '\(String(decoding: t, as: UTF8.self))'", line)
            }
            arc = a
            return v
        }
        guard let x = Self.integer(t) else { throw fail("bad difference '\(String(decoding: t, as: UTF8.self))'", line) }
        guard arc != nil else { throw fail("difference without an initialised arc", line) }
        guard let v = arc?.add(x) else { throw fail("value overflow", line) }
        return v
    }

    private func decodeSatellite(_ line: TextLine, count n: Int, state: inout SatelliteState) throws(FormatError) -> [RawObservation] {
        let b = line.bytes
        var out = [RawObservation](repeating: RawObservation(value: nil, lli: 0, ssi: 0), count: n)
        var pos = 0
        for k in 0..<n {
            if pos >= b.count {
                state.arcs[k] = nil
                continue
            }
            var end = pos
            while end < b.count && b[end] != 0x20 { end += 1 }
            if end == pos {
                state.arcs[k] = nil
            } else if let v = try decodeValue(b[pos..<end], arc: &state.arcs[k], line: line.number) {
                out[k].value = Double(v) / 1000
            }
            pos = end + 1
        }
        // Flags (LLI, SSI per value) as a text difference.
        if pos < b.count {
            state.flags = Self.applyText(Array(b[pos...]), to: state.flags)
        }
        for k in 0..<n {
            // A missing value has no flags.
            guard out[k].value != nil else { continue }
            let i = 2 * k
            if i < state.flags.count, state.flags[i] >= 0x30, state.flags[i] <= 0x39 { out[k].lli = state.flags[i] - 0x30 }
            if i + 1 < state.flags.count, state.flags[i + 1] >= 0x30, state.flags[i + 1] <= 0x39 { out[k].ssi = state.flags[i + 1] - 0x30 }
        }
        return out
    }

    static func integer(_ s: ArraySlice<UInt8>) -> Int64? {
        guard !s.isEmpty else { return nil }
        var i = s.startIndex
        var negative = false
        if s[i] == 0x2D { negative = true; i += 1 } else if s[i] == 0x2B { i += 1 }
        guard i < s.endIndex else { return nil }
        var v: Int64 = 0
        while i < s.endIndex {
            let c = s[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - 0x30))
            if o1 || o2 { return nil }
            v = a
            i += 1
        }
        return negative ? -v : v
    }
}
