import GNSSCore

/// Turns legacy observation messages (1001–1004, 1009–1012) into observations in the units MSMs give (metres,
/// cycles, dB-Hz). The messages send phase as "phaserange minus L1 pseudorange", which the sender rolls over by
/// 1500 cycles when ionospheric divergence pushes it out of range (RTCM 10403.3 DF012), and lock as a coarse
/// lock-time indicator; both need the previous epoch of the same satellite and signal, kept here, so the phase
/// stays continuous across a rollover and a lock-time indicator that decreases marks a loss of lock (RINEX LLI).
/// A loss of lock while the phase is invalid is flagged again on the next phase given, which a phase-only
/// consumer would otherwise miss.
public struct LegacyObservationTracker: Sendable {
    private struct Key: Hashable {
        var satellite: SatelliteID
        var l2: Bool
    }
    /// Phaserange minus pseudorange of the last epoch, cycles.
    private var lastPhaseOffset: [Key: Double] = [:]
    /// Lock-time indicator of the last epoch.
    private var lastLock: [Key: Int] = [:]
    /// Losses of lock seen while the phase was invalid, flagged on the next phase given.
    private var slipWithoutPhase: Set<Key> = []
    /// Phase rollovers of 1500 cycles undone so far.
    public private(set) var phaseRollovers = 0

    static let rolloverCycles = 1500.0

    public init() {}

    /// GPS L2 code indicator (DF016) → RINEX attribute: L2C, P(Y), cross-correlated, Z-tracking.
    private static let gpsL2Attributes: [Character] = ["X", "P", "D", "W"]

    /// The observations of one message; GLONASS channels come from the message, else from `glonassChannels`.
    public mutating func observations(_ m: LegacyObservations, glonassChannels: GlonassChannels) -> [SatelliteObservation] {
        var out: [SatelliteObservation] = []
        for s in m.satellites {
            let system = s.satellite.system
            let k = system == .glonass ? s.glonassChannel ?? glonassChannels[s.satellite.prn] : nil
            var signals: [SignalObservation] = []
            let l1 = SignalCode(band: 1, attribute: s.l1Code == 1 ? "P" : "C")
            if let o = signal(l1, key: Key(satellite: s.satellite, l2: false), system: system, channel: k,
                              pseudorange: s.l1Pseudorange, reference: s.l1Pseudorange, phaseMinusRange: s.l1PhaseMinusRange,
                              lock: s.l1Lock, cnr: s.l1CNR) {
                signals.append(o)
            }
            if m.hasL2, let code = s.l2Code {
                let attribute: Character = system == .glonass ? (code == 0 ? "C" : "P") : Self.gpsL2Attributes[code & 3]
                if let o = signal(SignalCode(band: 2, attribute: attribute), key: Key(satellite: s.satellite, l2: true),
                                  system: system, channel: k, pseudorange: s.l2PseudorangeDifference.map { s.l1Pseudorange + $0 },
                                  reference: s.l1Pseudorange, phaseMinusRange: s.l2PhaseMinusL1Range, lock: s.l2Lock, cnr: s.l2CNR) {
                    signals.append(o)
                }
            }
            if !signals.isEmpty { out.append(SatelliteObservation(satellite: s.satellite, signals: signals, glonassChannel: k)) }
        }
        return out
    }

    /// One signal: phase = (L1 pseudorange + phaserange − L1 pseudorange) / λ, kept continuous over rollovers.
    private mutating func signal(_ code: SignalCode, key: Key, system: GNSSSystem, channel: Int?, pseudorange: Double?,
                                 reference: Double, phaseMinusRange: Double?, lock: Int, cnr: Double?) -> SignalObservation? {
        var o = SignalObservation(signal: code, pseudorange: pseudorange, cn0: cnr)
        if let d = phaseMinusRange, let lambda = CarrierFrequency.wavelength(system: system, band: code.band, glonassChannel: channel) {
            o.carrierPhase = reference / lambda + continuous(d / lambda, key)
        }
        let previous = lastLock[key] ?? 0
        var slip = lock < previous || lock == 0 && previous == 0
        lastLock[key] = lock
        if o.carrierPhase == nil {
            if slip { slipWithoutPhase.insert(key) }
        } else if slipWithoutPhase.remove(key) != nil {
            slip = true
        }
        if slip { o.lli = 1 }
        o.lockTime = LegacyObservations.lockTime(indicator: lock)
        return o.pseudorange == nil && o.carrierPhase == nil ? nil : o
    }

    /// Undoes a 1500-cycle rollover of the phase offset against the last epoch's.
    private mutating func continuous(_ cycles: Double, _ key: Key) -> Double {
        var c = cycles
        if let last = lastPhaseOffset[key] {
            if c < last - Self.rolloverCycles / 2 {
                c += Self.rolloverCycles
                phaseRollovers += 1
            } else if c > last + Self.rolloverCycles / 2 {
                c -= Self.rolloverCycles
                phaseRollovers += 1
            }
        }
        lastPhaseOffset[key] = c
        return c
    }
}
