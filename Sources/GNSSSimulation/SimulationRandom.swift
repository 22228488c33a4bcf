/// The simulator's random numbers: SplitMix64, so a run repeats exactly from its seed
/// on every platform, with Gaussian draws by the Box–Muller transform.
public struct SimulationRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    private var spare: Double?

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Normal with mean 0 and standard deviation `sigma`.
    public mutating func gaussian(_ sigma: Double = 1) -> Double {
        if let s = spare {
            spare = nil
            return s * sigma
        }
        var u = uniform()
        while u <= .leastNormalMagnitude { u = uniform() }
        let v = uniform()
        let r = (-2 * log(u)).squareRoot()
        spare = r * sin(2 * .pi * v)
        return r * cos(2 * .pi * v) * sigma
    }

    /// A generator for one named part of the simulation (a satellite, a station), independent of the others.
    public func derived(_ key: UInt64) -> SimulationRandom {
        var g = SimulationRandom(seed: state ^ (key &* 0xD6E8_FEB8_6659_FD93))
        _ = g.next()
        return g
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
