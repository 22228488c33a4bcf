import GNSSCore

/// The error corrections leave in a satellite's range, put into a user's observations: what a user of imperfect orbit
/// and clock corrections sees, on the simulator's perfect products.
///
/// Each satellite's error is a first-order Gauss–Markov process (a stationary standard deviation and a correlation
/// time per system), the same for all of its signals, code and phase, as an error of the satellite's clock would be.
/// The radial and clock parts SISRE measures are of this kind; an orbit's along- and cross-track parts move a single
/// user's range much less.
public struct CorrectionResidual: Sendable {
    public struct Process: Sendable, Hashable {
        /// Stationary standard deviation, m.
        public var sigma: Double
        /// Correlation time, s.
        public var correlationTime: Double

        public init(sigma: Double, correlationTime: Double) {
            self.sigma = sigma
            self.correlationTime = correlationTime
        }
    }

    public var processes: [GNSSSystem: Process]
    private let random: SimulationRandom
    /// Each satellite's own generator and its last error: a run repeats exactly from its seed.
    private var states: [SatelliteID: (random: SimulationRandom, time: GNSSTime, value: Double)] = [:]

    public init(processes: [GNSSSystem: Process], seed: UInt64) {
        self.processes = processes
        random = SimulationRandom(seed: seed)
    }

    /// The satellite's range error at `t` (m): drawn from the stationary distribution at its first epoch, then carried
    /// forward with the exact discrete step of the process, so its statistics do not depend on the interval.
    public mutating func error(_ sat: SatelliteID, at t: GNSSTime) -> Double {
        guard let p = processes[sat.system], p.sigma > 0 else { return 0 }
        guard var state = states[sat] else {
            var g = random.derived(UInt64(sat.system.rawValue) << 16 | UInt64(UInt16(truncatingIfNeeded: sat.prn)))
            let value = g.gaussian(p.sigma)
            states[sat] = (g, t, value)
            return value
        }
        let phi = p.correlationTime > 0 ? exp(-max(t - state.time, 0) / p.correlationTime) : 0
        state.value = phi * state.value + (1 - phi * phi).squareRoot() * state.random.gaussian(p.sigma)
        state.time = t
        states[sat] = state
        return state.value
    }

    /// The epoch with each satellite's error added to its pseudoranges (m) and carrier phases (cycles).
    public mutating func apply(to epoch: ObservationEpoch) -> ObservationEpoch {
        var out = epoch
        for i in out.satellites.indices {
            let sat = out.satellites[i].satellite
            let e = error(sat, at: epoch.time)
            guard e != 0 else { continue }
            for j in out.satellites[i].signals.indices {
                let signal = out.satellites[i].signals[j]
                if let p = signal.pseudorange { out.satellites[i].signals[j].pseudorange = p + e }
                if let phase = signal.carrierPhase,
                   let lambda = CarrierFrequency.wavelength(system: sat.system, band: signal.signal.band,
                                                            glonassChannel: out.satellites[i].glonassChannel) {
                    out.satellites[i].signals[j].carrierPhase = phase + e / lambda
                }
            }
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
