import GNSSCore

/// A Multiple Signal Message (MSM1–MSM7) of any system, with every field of
/// RTCM 10403.3 §3.5.12; values in SI units, invalid fields as nil.
///
/// LEO observations travel as this project's message 4058, subtype 7: an MSM7 whose header also
/// carries a 3-bit PRN block b, the satellite mask's bit n then standing for LEO satellite 64·b + n
/// (see `makeLEO` and `docs/leo-messages.md`). Decoded, they are MSMs with `system == .leo`,
/// `messageType == 4058` and `msmType == 7`.
public struct MSMMessage: Sendable, Hashable {
    public struct Satellite: Sendable, Hashable {
        public var satellite: SatelliteID
        /// Rough range in milliseconds (integer + modulo 1 ms parts), nil when invalid.
        public var roughRangeMilliseconds: Double?
        /// Extended satellite info (MSM5/7): GLONASS frequency channel + 7.
        public var extendedInfo: Int?
        /// Rough phase-range rate, m/s (MSM5/7).
        public var roughRate: Double?
    }

    public struct Cell: Sendable, Hashable {
        public var satellite: SatelliteID
        public var signal: SignalCode
        /// RTCM signal id (1–32) from the signal mask.
        public var signalID: Int
        /// Full pseudorange and phase range in metres; Doppler-equivalent range rate in m/s.
        public var pseudorange: Double?
        public var phaseRange: Double?
        public var phaseRangeRate: Double?
        /// Minimum lock time, seconds.
        public var lockTime: Double?
        public var lockIndicator: Int
        public var halfCycleAmbiguity: Bool
        public var cnr: Double?
    }

    /// 1071…1137, or 4058 for LEO.
    public var messageType: Int
    public var system: GNSSSystem
    /// 1…7.
    public var msmType: Int
    public var stationID: Int
    /// Epoch time as broadcast: milliseconds of the GPS week (GPS/Galileo/QZSS/SBAS/NavIC/LEO; BDT for BeiDou),
    /// or for GLONASS day of week (0–6, 7 unknown) and milliseconds of day in Moscow time.
    public var epochMilliseconds: Int
    public var glonassDay: Int?
    public var multipleMessage: Bool
    public var iods: Int
    public var clockSteering: Int
    public var externalClock: Int
    public var smoothing: Bool
    public var smoothingInterval: Int
    public var satellites: [Satellite]
    public var cells: [Cell]
}

/// RTCM signal-id ↔ RINEX signal tables (RTCM 10403.3 tables 3.5-91 to 3.5-108).
enum MSMSignals {
    static func table(_ system: GNSSSystem) -> [Int: String] {
        switch system {
        case .gps: [2: "1C", 3: "1P", 4: "1W", 8: "2C", 9: "2P", 10: "2W", 15: "2S", 16: "2L", 17: "2X",
                    22: "5I", 23: "5Q", 24: "5X", 30: "1S", 31: "1L", 32: "1X"]
        case .glonass: [2: "1C", 3: "1P", 8: "2C", 9: "2P"]
        case .galileo: [2: "1C", 3: "1A", 4: "1B", 5: "1X", 6: "1Z", 8: "6C", 9: "6A", 10: "6B", 11: "6X", 12: "6Z",
                        14: "7I", 15: "7Q", 16: "7X", 18: "8I", 19: "8Q", 20: "8X", 22: "5I", 23: "5Q", 24: "5X"]
        case .sbas: [2: "1C", 22: "5I", 23: "5Q", 24: "5X"]
        case .qzss: [2: "1C", 9: "6S", 10: "6L", 11: "6X", 15: "2S", 16: "2L", 17: "2X", 22: "5I", 23: "5Q", 24: "5X",
                     30: "1S", 31: "1L", 32: "1X"]
        case .beidou: [2: "2I", 3: "2Q", 4: "2X", 8: "6I", 9: "6Q", 10: "6X", 14: "7I", 15: "7Q", 16: "7X",
                       22: "5D", 23: "5P", 24: "5X", 25: "7D", 30: "1D", 31: "1P", 32: "1X"]
        case .navic: [22: "5A"]
        case .leo: [2: "1C", 23: "5Q"]
        }
    }

    static let decodeTables: [GNSSSystem: [Int: SignalCode]] = Dictionary(uniqueKeysWithValues: GNSSSystem.allCases.map { s in
        (s, table(s).compactMapValues { SignalCode($0) })
    })

    /// Signal codes indexed by RTCM signal id (1–32), per system, for the decoder's inner loop.
    static let signalArrays: [[SignalCode?]] = GNSSSystem.allCases.map { s in
        (0...32).map { decodeTables[s]?[$0] }
    }

    static func signalTable(_ s: GNSSSystem) -> [SignalCode?] { signalArrays[Int(s.rawValue)] }

    /// Placeholder for a signal id the tables do not name.
    static let unknownSignal = SignalCode(band: 9, attribute: "?")

    static let encodeTables: [GNSSSystem: [SignalCode: Int]] = decodeTables.mapValues { t in
        Dictionary(uniqueKeysWithValues: t.map { ($0.value, $0.key) })
    }

    /// Message number of an MSMn of a system (base + n, the bases ending in 0). LEO, not an RTCM system,
    /// has MSM7 only, as this project's message 4058 (subtype 7).
    static func messageType(_ system: GNSSSystem, msm: Int) -> Int {
        switch system {
        case .gps: 1070 + msm
        case .glonass: 1080 + msm
        case .galileo: 1090 + msm
        case .sbas: 1100 + msm
        case .qzss: 1110 + msm
        case .beidou: 1120 + msm
        case .navic: 1130 + msm
        case .leo: RTCM3LEO.messageType
        }
    }

    static func system(messageType t: Int) -> GNSSSystem? {
        switch t {
        case 1071...1077: .gps
        case 1081...1087: .glonass
        case 1091...1097: .galileo
        case 1101...1107: .sbas
        case 1111...1117: .qzss
        case 1121...1127: .beidou
        case 1131...1137: .navic
        default: nil
        }
    }

    /// Satellite id from the mask bit position (1-based) and, for LEO, the message's PRN block.
    static func satellite(_ system: GNSSSystem, bit: Int, block: Int = 0) -> SatelliteID {
        switch system {
        case .sbas: SatelliteID(.sbas, bit + 19)      // PRN 120 + bit − 1, written S20…
        case .leo: SatelliteID(.leo, 64 * block + bit)
        default: SatelliteID(system, bit)
        }
    }

    /// Mask bit position (1-based) of a satellite, nil when no MSM can carry it.
    static func bit(_ sat: SatelliteID) -> Int? {
        switch sat.system {
        case .sbas: (1...64).contains(sat.prn - 19) ? sat.prn - 19 : nil
        case .leo: (1...leoMaxPRN).contains(sat.prn) ? (sat.prn - 1) % 64 + 1 : nil
        default: (1...64).contains(sat.prn) ? sat.prn : nil
        }
    }

    /// LEO satellites 1…512: eight PRN blocks of 64.
    static let leoMaxPRN = 512

    /// The PRN block of a LEO satellite (satellites 64·b + 1 … 64·b + 64); 0 for other systems.
    static func prnBlock(_ sat: SatelliteID) -> Int {
        sat.system == .leo && sat.prn >= 1 ? (sat.prn - 1) / 64 : 0
    }

    /// DF402 lock-time indicator → minimum lock time (s).
    static func lockTime4(_ i: Int) -> Double { i == 0 ? 0 : Double(1 << (i + 4)) / 1000 }

    /// Minimum lock times (s) by indicator, for the decoder's inner loop.
    static let lockTimes4: [Double] = (0..<16).map(lockTime4)
    static let lockTimes10: [Double] = (0..<1024).map(lockTime10)

    /// DF407 extended lock-time indicator → minimum lock time (s).
    static func lockTime10(_ i: Int) -> Double { Double(lockTime10Raw(i)) / 1000 }

    /// Milliseconds for DF407 by its piecewise definition.
    static func lockTime10Raw(_ i: Int) -> Int {
        if i < 64 { return i }
        if i >= 704 { return 67_108_864 }
        let g = (i - 64) / 32 + 1           // 1…20
        let start = 64 + (g - 1) * 32        // first indicator of the group
        // Value at the group's start is 2^(g+5) ms; steps of 2^g ms.
        return (1 << (g + 5)) + (i - start) * (1 << g)
    }

    /// Inverse: the largest indicator whose lock time does not exceed `ms`.
    static func lockIndicator10(_ ms: Int) -> Int {
        if ms < 64 { return max(0, ms) }
        var lo = 64, hi = 704
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lockTime10Raw(mid) <= ms { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    static func lockIndicator4(_ ms: Int) -> Int {
        guard ms >= 32 else { return 0 }
        var i = 1
        while i < 15 && (1 << (i + 5)) <= ms { i += 1 }
        return i
    }
}

extension MSMMessage {
    static let lightMillisecond = Constants.speedOfLight / 1000

    /// Decodes an MSM body (`payload` starts with the message number), LEO 4058/7 included. The length is
    /// checked once against the layout the masks imply; each satellite and cell is then built once, its fields
    /// read at their offsets, so a message costs three allocations.
    public static func decode(_ payload: [UInt8]) throws(FormatError) -> MSMMessage {
        var r = BitReader(payload)
        let type = try r.uint(12)
        let system: GNSSSystem
        let msm: Int
        var block = 0
        if type == RTCM3LEO.messageType {
            let subtype = try r.uint(4)
            guard subtype == RTCM3LEO.msm7Subtype else { throw FormatError(.format, "message 4058 subtype \(subtype) is not an MSM") }
            block = try r.uint(3)
            system = .leo
            msm = 7
        } else {
            guard let s = MSMSignals.system(messageType: type) else { throw FormatError(.format, "message \(type) is not an MSM") }
            system = s
            msm = type % 10
        }
        let station = try r.uint(12)
        var glonassDay: Int?
        let epoch: Int
        if system == .glonass {
            glonassDay = try r.uint(3)
            epoch = try r.uint(27)
        } else {
            epoch = try r.uint(30)
        }
        let multiple = try r.bool()
        let iods = try r.uint(3)
        try r.skip(7)
        let steering = try r.uint(2)
        let external = try r.uint(2)
        let smoothing = try r.bool()
        let smoothingInterval = try r.uint(3)
        let satMask = try r.u(64)
        let sigMask = try r.u(32)
        let ns = satMask.nonzeroBitCount
        let nsig = sigMask.nonzeroBitCount
        guard ns * nsig <= 64 else {
            throw FormatError(.syntax, "MSM cell mask of \(ns)×\(nsig) exceeds 64 bits")
        }
        // The cell mask, then the satellite and signal data: fixed-width fields in blocks, so once the
        // cell count is known the message's length is checked once and every field is read at its offset.
        let cellMask = try r.u(ns * nsig)
        let nc = cellMask.nonzeroBitCount
        let layout = MSMLayout(msm: msm, satellites: ns, cells: nc, start: r.position)
        guard layout.end <= r.bitCount else {
            throw FormatError(.truncated, "MSM\(msm) of \(ns) satellites and \(nc) cells needs \(layout.end) bits, message has \(r.bitCount)")
        }
        let table = MSMSignals.signalTable(system)
        return payload.withUnsafeBufferPointer { bytes in
            // A copy with eight bytes of zero padding, so every field is one unaligned 64-bit load.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + 8) { padded in
                _ = padded.initialize(fromContentsOf: bytes)
                padded.baseAddress.unsafelyUnwrapped.advanced(by: bytes.count).initialize(repeating: 0, count: 8)
                let f = MSMFields(UnsafeRawPointer(padded.baseAddress.unsafelyUnwrapped))
                // Satellites and signals in mask order, from the highest bit down.
                var satelliteBits = satMask
                let satellites = (0..<ns).map { i in
                    let bit = satelliteBits.leadingZeroBitCount
                    satelliteBits &= ~(1 << UInt64(63 - bit))
                    return layout.satellite(f, i, MSMSignals.satellite(system, bit: bit + 1, block: block))
                }
                var cells: [Cell] = []
                cells.reserveCapacity(nc)
                var remaining = cellMask << UInt64(64 - ns * nsig)   // cell mask bits, first cell at the top
                for satellite in satellites {
                    var signalBits = UInt32(truncatingIfNeeded: sigMask)
                    for _ in 0..<nsig {
                        let id = signalBits.leadingZeroBitCount + 1
                        signalBits &= ~(1 << UInt32(32 - id))
                        defer { remaining <<= 1 }
                        guard remaining >> 63 == 1 else { continue }
                        cells.append(layout.cell(f, cells.count, satellite: satellite, signalID: id,
                                                 signal: table[id] ?? MSMSignals.unknownSignal))
                    }
                }
                return MSMMessage(messageType: type, system: system, msmType: msm, stationID: station, epochMilliseconds: epoch,
                                  glonassDay: glonassDay, multipleMessage: multiple, iods: iods, clockSteering: steering,
                                  externalClock: external, smoothing: smoothing, smoothingInterval: smoothingInterval,
                                  satellites: satellites, cells: cells)
            }
        }
    }

    /// The epoch time in GPS time, resolved against a nearby `reference` time.
    public func time(near reference: GNSSTime) -> GNSSTime {
        switch system {
        case .glonass:
            // Moscow time of day → UTC → GPS.
            let leap = Double(LeapSeconds.gpsMinusUTC(at: reference))
            return reference.nearest(secondOfDay: Double(epochMilliseconds) / 1000, scaleOffset: 10_800 - leap)
        case .beidou:
            return reference.nearest(secondOfWeek: (Double(epochMilliseconds) / 1000 + 14).truncatingRemainder(dividingBy: 604_800))
        default:
            return reference.nearest(secondOfWeek: Double(epochMilliseconds) / 1000)
        }
    }

    /// Observations in the project's units (phase in cycles, Doppler in Hz). GLONASS channels come from
    /// the message's extended info (MSM5/7) or from `glonassChannels`.
    public func observations(glonassChannels: GlonassChannels = GlonassChannels()) -> [SatelliteObservation] {
        var out: [SatelliteObservation] = []
        var index: [SatelliteID: Int] = [:]
        var channels: [SatelliteID: Int] = [:]
        for s in satellites {
            if system == .glonass {
                if let e = s.extendedInfo, e <= 13 { channels[s.satellite] = e - 7 } else if let k = glonassChannels[s.satellite.prn] { channels[s.satellite] = k }
            }
        }
        for c in cells {
            let k = channels[c.satellite]
            let lambda = CarrierFrequency.wavelength(system: system, band: c.signal.band, glonassChannel: k)
            var o = SignalObservation(signal: c.signal)
            o.pseudorange = c.pseudorange
            if let lambda {
                o.carrierPhase = c.phaseRange.map { $0 / lambda }
                o.doppler = c.phaseRangeRate.map { -$0 / lambda }
            }
            o.cn0 = c.cnr
            o.lockTime = c.lockTime
            o.halfCycleAmbiguity = c.halfCycleAmbiguity
            if o.pseudorange == nil && o.carrierPhase == nil { continue }
            if let i = index[c.satellite] {
                out[i].signals.append(o)
            } else {
                index[c.satellite] = out.count
                out.append(SatelliteObservation(satellite: c.satellite, signals: [o], glonassChannel: k))
            }
        }
        return out
    }
}

// MARK: - Encoding

extension MSMMessage {
    /// Builds an MSM4 or MSM7 from observations of one system. Pseudoranges in metres, phases in cycles.
    /// Signals without an RTCM signal id are left out. For LEO use `makeLEO`, which splits by PRN block.
    public static func make(system: GNSSSystem, msmType: Int, stationID: Int, time: GNSSTime, multipleMessage: Bool,
                            observations: [SatelliteObservation], iods: Int = 0) -> MSMMessage {
        let epochMs: Int
        var day: Int?
        switch system {
        case .glonass:
            let moscow = time + 10_800 - Double(LeapSeconds.gpsMinusUTC(at: time))
            let sod = moscow.secondOfWeek.truncatingRemainder(dividingBy: 86_400)
            epochMs = roundedInt(sod * 1000)
            day = Int(moscow.secondOfWeek / 86_400)
        case .beidou:
            epochMs = roundedInt(((time - 14).secondOfWeek) * 1000)
        default:
            epochMs = roundedInt(time.secondOfWeek * 1000)
        }
        let encode = MSMSignals.encodeTables[system] ?? [:]
        var sats: [Satellite] = []
        var cells: [Cell] = []
        for obs in observations.sorted(by: { $0.satellite < $1.satellite }) where obs.satellite.system == system {
            guard MSMSignals.bit(obs.satellite) != nil else { continue }
            let k = obs.glonassChannel
            let usable = obs.signals.filter { encode[$0.signal] != nil && ($0.pseudorange ?? 0) > 0 }
            guard let reference = usable.first?.pseudorange else { continue }
            // Rough range: whole 1/1024 ms nearest the first pseudorange.
            let roughUnits = (reference / lightMillisecond * 1024).rounded()
            let rough = roughUnits / 1024
            let rates = usable.compactMap { s -> Double? in
                guard let d = s.doppler, let l = CarrierFrequency.wavelength(system: system, band: s.signal.band, glonassChannel: k) else { return nil }
                return -d * l
            }
            let roughRate = rates.first.map { $0.rounded() }
            sats.append(Satellite(satellite: obs.satellite, roughRangeMilliseconds: rough,
                                  extendedInfo: system == .glonass ? k.map { $0 + 7 } ?? 15 : 0, roughRate: roughRate))
            for s in usable {
                let lambda = CarrierFrequency.wavelength(system: system, band: s.signal.band, glonassChannel: k)
                cells.append(Cell(satellite: obs.satellite, signal: s.signal, signalID: encode[s.signal] ?? 0,
                                  pseudorange: s.pseudorange, phaseRange: lambda.flatMap { l in s.carrierPhase.map { $0 * l } },
                                  phaseRangeRate: lambda.flatMap { l in s.doppler.map { -$0 * l } },
                                  lockTime: s.lockTime, lockIndicator: 0, halfCycleAmbiguity: s.halfCycleAmbiguity, cnr: s.cn0))
            }
        }
        return MSMMessage(messageType: MSMSignals.messageType(system, msm: msmType), system: system, msmType: msmType,
                          stationID: stationID, epochMilliseconds: epochMs, glonassDay: day, multipleMessage: multipleMessage,
                          iods: iods, clockSteering: 0, externalClock: 0, smoothing: false, smoothingInterval: 0,
                          satellites: sats, cells: cells)
    }

    /// LEO observations of one epoch as LEO MSM7 messages (4058/7), one per PRN block the satellites fall in
    /// (satellites 64·b + 1 … 64·b + 64 share block b), and more where a block's satellites × signals would
    /// exceed an MSM's 64 cells. Messages come in PRN order; the multiple-message bit is set on all but the
    /// last, and on the last too when `multipleMessage` is true (more messages of the epoch follow).
    /// Observations of other systems, satellites above 512 and signals without a LEO signal id are left
    /// out; with nothing left, no message.
    public static func makeLEO(stationID: Int, time: GNSSTime, multipleMessage: Bool,
                               observations: [SatelliteObservation], iods: Int = 0) -> [MSMMessage] {
        let all = make(system: .leo, msmType: 7, stationID: stationID, time: time, multipleMessage: true,
                       observations: observations, iods: iods)
        let cellsBySatellite = Dictionary(grouping: all.cells, by: \.satellite)
        var groups: [[Satellite]] = []
        var current: [Satellite] = []
        var signals = Set<Int>()
        for s in all.satellites {
            let ids = Set(cellsBySatellite[s.satellite, default: []].map(\.signalID))
            if let last = current.last,
               MSMSignals.prnBlock(last.satellite) != MSMSignals.prnBlock(s.satellite) || (current.count + 1) * signals.union(ids).count > 64 {
                groups.append(current)
                current = []
                signals = []
            }
            current.append(s)
            signals.formUnion(ids)
        }
        if !current.isEmpty { groups.append(current) }
        return groups.enumerated().map { i, satellites in
            var m = all
            m.satellites = satellites
            m.cells = satellites.flatMap { cellsBySatellite[$0.satellite] ?? [] }
            m.multipleMessage = i < groups.count - 1 || multipleMessage
            return m
        }
    }

    /// Encodes the message body (MSM4 and MSM7 carry everything; MSM1–3, 5, 6 are written too). LEO
    /// messages are 4058/7 and need all their satellites in one PRN block (`makeLEO` splits an epoch).
    public func encode() throws(FormatError) -> [UInt8] {
        var w = BitWriter()
        w.uint(messageType, 12)
        if system == .leo {
            guard messageType == RTCM3LEO.messageType, msmType == 7 else {
                throw FormatError(.encode, "LEO observations go as MSM7 in message 4058, not MSM\(msmType) in \(messageType)")
            }
            let blocks = Set(satellites.map { MSMSignals.prnBlock($0.satellite) })
            guard blocks.count <= 1 else {
                throw FormatError(.encode, "LEO satellites of PRN blocks \(blocks.sorted()) in one message; split the epoch by block")
            }
            w.uint(RTCM3LEO.msm7Subtype, 4)
            w.uint(blocks.first ?? 0, 3)
        }
        w.uint(stationID, 12)
        if system == .glonass {
            w.uint(glonassDay ?? 7, 3)
            w.uint(epochMilliseconds, 27)
        } else {
            w.uint(epochMilliseconds, 30)
        }
        w.bool(multipleMessage)
        w.uint(iods, 3)
        w.uint(0, 7)
        w.uint(clockSteering, 2)
        w.uint(externalClock, 2)
        w.bool(smoothing)
        w.uint(smoothingInterval, 3)
        // Masks.
        let satBits = satellites.compactMap { MSMSignals.bit($0.satellite) }
        guard satBits.count == satellites.count else { throw FormatError(.encode, "satellite outside the MSM mask range") }
        let sigIDs = Array(Set(cells.map(\.signalID))).filter { (1...32).contains($0) }.sorted()
        guard satellites.count * sigIDs.count <= 64 else {
            throw FormatError(.encode, "\(satellites.count) satellites × \(sigIDs.count) signals exceed one MSM; split the epoch")
        }
        var satMask: UInt64 = 0
        for b in satBits { satMask |= 1 << UInt64(64 - b) }
        w.u(satMask, 64)
        var sigMask: UInt64 = 0
        for s in sigIDs { sigMask |= 1 << UInt64(32 - s) }
        w.u(sigMask, 32)
        // Cells in mask order.
        let order = satellites.sorted { (MSMSignals.bit($0.satellite) ?? 0) < (MSMSignals.bit($1.satellite) ?? 0) }
        var ordered: [Cell] = []
        for s in order {
            for g in sigIDs {
                if let c = cells.first(where: { $0.satellite == s.satellite && $0.signalID == g }) {
                    w.bool(true)
                    ordered.append(c)
                } else {
                    w.bool(false)
                }
            }
        }
        let msm = msmType
        if msm >= 4 {
            for s in order { w.uint(s.roughRangeMilliseconds.map { min(254, max(0, roundedInt($0.rounded(.down)))) } ?? 255, 8) }
        }
        if msm == 5 || msm == 7 { for s in order { w.uint(s.extendedInfo ?? 0, 4) } }
        for s in order {
            let r = s.roughRangeMilliseconds ?? 0
            w.uint(roundedInt((r - r.rounded(.down)) * 1024) & 0x3FF, 10)
        }
        if msm == 5 || msm == 7 { for s in order { w.int(s.roughRate.map { min(8191, max(-8191, roundedInt($0))) } ?? -8192, 14) } }
        let roughBy = Dictionary(uniqueKeysWithValues: order.map { ($0.satellite, $0) })
        func fine(_ value: Double?, _ rough: Double?, scale: Double, bits: Int, invalid: Int) -> Int {
            guard let value, let rough else { return invalid }
            let v = roundedInt((value / MSMMessage.lightMillisecond - rough) / scale)
            let limit = 1 << (bits - 1)
            return v > -limit && v < limit ? v : invalid
        }
        let extended = msm >= 6
        if msm != 2 {
            for c in ordered {
                let rough = roughBy[c.satellite]?.roughRangeMilliseconds
                w.int(extended ? fine(c.pseudorange, rough, scale: 0x1p-29, bits: 20, invalid: -524_288)
                               : fine(c.pseudorange, rough, scale: 0x1p-24, bits: 15, invalid: -16384), extended ? 20 : 15)
            }
        }
        if msm >= 2 {
            for c in ordered {
                let rough = roughBy[c.satellite]?.roughRangeMilliseconds
                w.int(extended ? fine(c.phaseRange, rough, scale: 0x1p-31, bits: 24, invalid: -8_388_608)
                               : fine(c.phaseRange, rough, scale: 0x1p-29, bits: 22, invalid: -2_097_152), extended ? 24 : 22)
            }
            for c in ordered {
                let ms = roundedInt(((c.lockTime ?? 0) * 1000).rounded(.down))
                if extended { w.uint(MSMSignals.lockIndicator10(ms), 10) } else { w.uint(MSMSignals.lockIndicator4(ms), 4) }
            }
            for c in ordered { w.bool(c.halfCycleAmbiguity) }
        }
        if msm >= 4 {
            for c in ordered {
                if extended {
                    w.uint(c.cnr.map { min(1023, max(1, roundedInt($0 / 0.0625))) } ?? 0, 10)
                } else {
                    w.uint(c.cnr.map { min(63, max(1, Int($0.rounded()))) } ?? 0, 6)
                }
            }
        }
        if msm == 5 || msm == 7 {
            for c in ordered {
                let rough = roughBy[c.satellite]?.roughRate
                if let rate = c.phaseRangeRate, let rough {
                    let v = roundedInt((rate - rough) / 0.0001)
                    w.int(v > -16384 && v < 16384 ? v : -16384, 15)
                } else {
                    w.int(-16384, 15)
                }
            }
        }
        w.alignToByte()
        return w.bytes
    }
}
