import GNSSCore
import GNSSOrbits

/// The signal-in-space range error: how far the orbit and clock a user computes
/// put the range from the truth, averaged over the Earth the satellite sees.
/// Per satellite, sqrt((w_R ΔR − Δclk)² + w_AC² (ΔA² + ΔC²)) with the orbit error
/// in radial, along-track and cross-track components and the weights of the
/// satellite's altitude (GPS 0.98 and 1/49, Galileo 0.984 and 1/61). The part of
/// the clock error common to a system's satellites at an epoch is removed: a
/// receiver's clock takes it whole.
public struct SignalInSpaceError: Sendable {
    /// Sums of squares (the radial-and-clock part, the along- and cross-track part) and counts per system.
    private var sums: [GNSSSystem: (radialClock: Double, alongCross: Double, count: Int)] = [:]

    public init() {}

    /// Adds one epoch: per satellite, computed minus true position (ECEF, m) and clock (m), with the true state.
    public mutating func add(epoch errors: [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)]) {
        var bySystem: [GNSSSystem: [(radial: Double, alongCross: Double)]] = [:]
        for e in errors {
            guard let offsets = RadialAlongCross.of(e.position, position: e.truth.position, velocity: e.truth.velocity) else { continue }
            let (wRadial, wAlongCross) = Self.weights(e.satellite.system)
            bySystem[e.satellite.system, default: []].append(
                (wRadial * offsets.radial - e.clock, wAlongCross * (offsets.along * offsets.along + offsets.cross * offsets.cross)))
        }
        for (system, list) in bySystem {
            let mean = list.reduce(0) { $0 + $1.radial } / Double(list.count)
            var sum = sums[system] ?? (0, 0, 0)
            for e in list {
                let r = e.radial - mean
                sum.radialClock += r * r
                sum.alongCross += e.alongCross
                sum.count += 1
            }
            sums[system] = sum
        }
    }

    /// The RMS per system, m.
    public var rms: [GNSSSystem: Double] {
        sums.mapValues { (($0.radialClock + $0.alongCross) / Double(max($0.count, 1))).squareRoot() }
    }

    /// The RMS of its two parts per system, m: radial and clock together, and the weighted along- and cross-track.
    public var parts: [GNSSSystem: (radialClock: Double, alongCross: Double)] {
        sums.mapValues { (($0.radialClock / Double(max($0.count, 1))).squareRoot(), ($0.alongCross / Double(max($0.count, 1))).squareRoot()) }
    }

    /// Radial weight and the weight of the along- and cross-track squares for a system's orbit altitude.
    static func weights(_ system: GNSSSystem) -> (Double, Double) {
        switch system {
        case .galileo: (0.984, 1.0 / 61)
        case .beidou, .glonass: (0.98, 1.0 / 45)
        case .leo: (0.75, 1.0 / 4)
        default: (0.98, 1.0 / 49)
        }
    }
}
