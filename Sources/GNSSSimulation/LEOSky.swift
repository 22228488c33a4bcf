import Foundation
import GNSSCore

/// The true LEO sky over a time span: every satellite of a constellation
/// propagated under `LEOOrbitForces` (by default the zonal field to J4 with
/// radiation pressure and drag, which orbit models get wrong) on a fixed grid,
/// turned into the Earth-fixed frame by the Earth's rotation (angle zero at
/// `start`: a simulated day, not a real one), and a clock per satellite (a constant offset and drift plus white frequency
/// noise of `clockStability` at 1 s). Positions between grid points come from
/// 8-point Lagrange interpolation, clocks from linear interpolation.
public struct LEOSky: SatelliteSky {
    public let start: GNSSTime
    public let span: Double
    public let step: Double
    public let satellites: [SatelliteID]
    private let positions: [[ECEF]]
    private let clocks: [[Double]]
    private let index: [SatelliteID: Int]

    public init(constellation: LEOConstellation = .standard, start: GNSSTime, span: Double, step: Double = 10,
                clockStability: Double = 1e-12, forces: LEOOrbitForces = LEOOrbitForces(), seed: UInt64) {
        self.start = start
        self.span = span
        self.step = step
        let elements = constellation.elements
        satellites = elements.map(\.0)
        index = Dictionary(uniqueKeysWithValues: satellites.enumerated().map { ($1, $0) })
        let count = Int((span / step).rounded(.up)) + 8
        var positions: [[ECEF]] = []
        var clocks: [[Double]] = []
        var random = SimulationRandom(seed: seed)
        for (sat, e) in elements {
            var state = e.state
            var track: [ECEF] = []
            track.reserveCapacity(count)
            // Start four steps early so interpolation has neighbours at `start`.
            for _ in 0..<4 { state = forces.step(state, -step) }
            for k in 0..<count {
                let t = (Double(k) - 4) * step
                let theta = Constants.earthRotationGPS * t
                let (c, s) = (cos(theta), sin(theta))
                let r = state.position
                track.append(ECEF(c * r.x + s * r.y, -s * r.x + c * r.y, r.z))
                state = forces.step(state, step)
            }
            positions.append(track)
            var g = random.derived(UInt64(sat.prn))
            var bias = g.gaussian(1e-6)
            let drift = g.gaussian(1e-11)
            var series: [Double] = []
            series.reserveCapacity(count)
            for _ in 0..<count {
                series.append(bias)
                bias += drift * step + g.gaussian(clockStability * step.squareRoot())
            }
            clocks.append(series)
            _ = random.next()
        }
        self.positions = positions
        self.clocks = clocks
    }

    public func state(_ satellite: SatelliteID, at time: GNSSTime) -> (position: ECEF, clock: Double)? {
        guard let i = index[satellite] else { return nil }
        let x = (time - start) / step + 4
        let track = positions[i]
        guard x >= 3, x <= Double(track.count - 5) else { return nil }
        let k0 = Int(x.rounded(.down)) - 3
        var p = ECEF.zero
        for a in 0..<8 {
            var w = 1.0
            for b in 0..<8 where b != a { w *= (x - Double(k0 + b)) / Double(a - b) }
            p = p + w * track[k0 + a]
        }
        let k = Int(x.rounded(.down))
        let f = x - Double(k)
        let clock = clocks[i][k] + (clocks[i][k + 1] - clocks[i][k]) * f
        return (p, clock)
    }
}
