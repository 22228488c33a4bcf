import GNSSCore

/// Writes 1004 (GPS L1/L2) and 1012 (GLONASS L1/L2) messages from observations, for receivers and tests that
/// need the legacy messages (RTCM 10403.3 §3.5.2–3.5.3). Pseudorange goes as modulus ambiguity plus remainder,
/// phase as phaserange minus L1 pseudorange, rolled by 1500 cycles to stay within the field (the decoder undoes
/// it); values outside a field's range are sent as invalid.
extension LegacyObservations {
    /// The message of one system (GPS or GLONASS) for an epoch; GLONASS satellites without a known channel, other
    /// systems and satellites beyond the first 31 are left out.
    public static func make(system: GNSSSystem, stationID: Int, time: GNSSTime, synchronous: Bool,
                            observations: [SatelliteObservation]) -> LegacyObservations {
        let glonass = system == .glonass
        let epochMs: Int
        if glonass {
            let moscow = time + 10_800 - Double(LeapSeconds.gpsMinusUTC(at: time))
            epochMs = roundedInt(moscow.secondOfWeek.truncatingRemainder(dividingBy: 86_400) * 1000)
        } else {
            epochMs = roundedInt(time.secondOfWeek * 1000)
        }
        let unit = glonass ? glonassAmbiguityUnit : gpsAmbiguityUnit
        var satellites: [Satellite] = []
        for o in observations where o.satellite.system == system && (1...(glonass ? 24 : 32)).contains(o.satellite.prn) {
            let k = o.glonassChannel
            if glonass && !(-7...13).contains(k ?? 99) { continue }
            guard let l1 = o.signals.first(where: { $0.signal.band == 1 && ($0.pseudorange ?? 0) > 0 }),
                  let pr = l1.pseudorange else { continue }
            let ambiguity = (pr / unit).rounded(.down)
            let pr1 = ambiguity * unit + ((pr - ambiguity * unit) / 0.02).rounded() * 0.02
            func phaseMinusRange(_ s: SignalObservation?) -> Double? {
                guard let s, let phase = s.carrierPhase,
                      let lambda = CarrierFrequency.wavelength(system: system, band: s.signal.band, glonassChannel: k) else { return nil }
                var d = phase * lambda - pr1
                d -= (d / (1500 * lambda)).rounded() * 1500 * lambda
                return abs(d) < 262.14 ? (d / 0.0005).rounded() * 0.0005 : nil
            }
            var s = Satellite(satellite: o.satellite, glonassChannel: k, l1Pseudorange: pr1,
                              l1PhaseMinusRange: phaseMinusRange(l1), l1Lock: lockIndicator(seconds: l1.lockTime ?? 0),
                              l1CNR: l1.cn0)
            s.l1Code = l1.signal.attribute == "P" ? 1 : 0
            let order: [Character] = glonass ? ["P", "C"] : ["W", "P", "D", "X", "L", "S", "C"]
            let l2 = order.lazy.compactMap { a in o.signals.first { $0.signal.band == 2 && $0.signal.attribute == a } }.first
            s.l2Code = l2.map { x in glonass ? (x.signal.attribute == "P" ? 1 : 0) : (["P": 1, "D": 2, "W": 3][x.signal.attribute] ?? 0) } ?? 0
            if let l2 {
                s.l2PseudorangeDifference = l2.pseudorange.flatMap { abs($0 - pr1) < 163.8 ? (($0 - pr1) / 0.02).rounded() * 0.02 : nil }
                s.l2PhaseMinusL1Range = phaseMinusRange(l2)
                s.l2Lock = lockIndicator(seconds: l2.lockTime ?? 0)
                s.l2CNR = l2.cn0
            }
            satellites.append(s)
            if satellites.count == 31 { break }
        }
        return LegacyObservations(messageType: glonass ? 1012 : 1004, stationID: stationID, epochMilliseconds: epochMs,
                                  synchronous: synchronous, satellites: satellites)
    }

    /// The largest lock-time indicator whose lock time does not exceed `seconds`.
    static func lockIndicator(seconds: Double) -> Int {
        var i = 0
        while i < 127 && lockTime(indicator: i + 1) <= seconds { i += 1 }
        return i
    }

    /// The message body (1004 or 1012 layout).
    public func encode() throws(FormatError) -> [UInt8] {
        guard messageType == 1004 || messageType == 1012 else {
            throw FormatError(.encode, "legacy message \(messageType) is not written; 1004 and 1012 are")
        }
        let glonass = messageType == 1012
        let unit = glonass ? Self.glonassAmbiguityUnit : Self.gpsAmbiguityUnit
        var w = BitWriter()
        w.uint(messageType, 12)
        w.uint(stationID, 12)
        w.uint(epochMilliseconds, glonass ? 27 : 30)
        w.bool(synchronous)
        w.uint(min(satellites.count, 31), 5)
        w.uint(0, 4)
        func phase(_ v: Double?) -> Int { v.map { roundedInt($0 / 0.0005) } ?? Self.invalidPhase }
        func cnr(_ v: Double?) -> Int { v.map { min(255, max(1, roundedInt($0 / 0.25))) } ?? 0 }
        for s in satellites.prefix(31) {
            w.uint(s.satellite.prn, 6)
            w.uint(s.l1Code, 1)
            if glonass { w.uint((s.glonassChannel ?? 0) + 7, 5) }
            let ambiguity = (s.l1Pseudorange / unit).rounded(.down)
            w.uint(roundedInt((s.l1Pseudorange - ambiguity * unit) / 0.02), glonass ? 25 : 24)
            w.int(phase(s.l1PhaseMinusRange), 20)
            w.uint(s.l1Lock, 7)
            w.uint(roundedInt(ambiguity), glonass ? 7 : 8)
            w.uint(cnr(s.l1CNR), 8)
            w.uint(s.l2Code ?? 0, 2)
            w.int(s.l2PseudorangeDifference.map { roundedInt($0 / 0.02) } ?? Self.invalidRangeDifference, 14)
            w.int(phase(s.l2PhaseMinusL1Range), 20)
            w.uint(s.l2Lock, 7)
            w.uint(cnr(s.l2CNR), 8)
        }
        w.alignToByte()
        return w.bytes
    }
}
