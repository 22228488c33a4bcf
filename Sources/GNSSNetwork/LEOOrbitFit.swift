import Foundation
import GNSSCore

/// A LEO satellite's orbit fitted to a short arc of its kinematic positions: its quasi-inertial state at the arc's last
/// epoch (the frame's epoch) under the force model, which gives the orbit over the arc and predicts it beyond.
public struct LEOFittedOrbit: Sendable {
    public var epoch: GNSSTime
    public var state: LEOForceModel.State
    /// The fitted constant along-track acceleration, m/s² (zero when not estimated).
    public var along: Double
    public var model: LEOForceModel
    /// RMS of the fit's position residuals (m) and the samples it used.
    public var rms: Double
    public var samples: Int
    /// The arc's first epoch.
    public var arcStart: GNSSTime

    /// Earth-fixed position and velocity at `t`.
    public func state(at t: GNSSTime) -> (position: ECEF, velocity: ECEF) {
        let dt = t - epoch
        return LEOForceModel.earthFixed(model.propagate(state, by: dt, along: along), at: dt)
    }
}

/// The short-arc orbit fit: weighted least squares of the state at the arc's last epoch (and optionally a constant
/// along-track acceleration) to the kinematic positions, by Gauss–Newton with the partials of the integrated orbit taken
/// by finite differences (an arc of minutes is close to linear in them). Positions whose residual is far beyond the fit's
/// scatter are left out once and the fit repeated.
public enum LEOOrbitFit {
    /// A kinematic position (Earth-fixed) with its standard deviation, m.
    public struct Sample: Sendable {
        public var time: GNSSTime
        public var position: ECEF
        public var sigma: Double

        public init(time: GNSSTime, position: ECEF, sigma: Double) {
            self.time = time
            self.position = position
            self.sigma = sigma
        }
    }

    /// The orbit through `samples` (at least 6, any order); `initial` is a first guess of the state at the last sample's
    /// time (a previous fit carried forward), else one is made from the last samples. Nil when the fit fails.
    public static func fit(_ samples: [Sample], model: LEOForceModel = LEOForceModel(), estimateAlong: Bool = false,
                           initial: LEOForceModel.State? = nil, iterations: Int = 4) -> LEOFittedOrbit? {
        var arc = samples.sorted { $0.time > $1.time }
        guard arc.count >= 6, let last = arc.first else { return nil }
        let epoch = last.time
        var state: LEOForceModel.State
        if let initial {
            state = initial
        } else {
            let previous = arc[min(2, arc.count - 1)]
            let dt = previous.time - epoch
            guard dt < 0 else { return nil }
            let r0 = LEOForceModel.inertial(last.position, at: 0), r1 = LEOForceModel.inertial(previous.position, at: dt)
            // The chord's velocity is the one at the chord's middle: add the acceleration over the half chord.
            let v = (1 / -dt) * (r0 - r1) + (-dt / 2) * model.acceleration(r0, velocity: .zero)
            state = LEOForceModel.State(position: r0, velocity: v)
        }
        var along = 0.0
        var outcome: (rms: Double, residuals: [Double])?
        for pass in 0..<2 {
            for _ in 0..<iterations {
                guard let step = iterate(arc, state: state, along: along, model: model, estimateAlong: estimateAlong) else { return nil }
                state.position = state.position + ECEF(step.dx[0], step.dx[1], step.dx[2])
                state.velocity = state.velocity + ECEF(step.dx[3], step.dx[4], step.dx[5])
                if estimateAlong { along += step.dx[6] }
                if abs(step.dx[0]) + abs(step.dx[1]) + abs(step.dx[2]) < 1e-4 { break }
            }
            let residuals = self.residuals(arc, state: state, along: along, model: model)
            let rms = (residuals.reduce(0) { $0 + $1 * $1 } / Double(residuals.count)).squareRoot()
            outcome = (rms, residuals)
            guard pass == 0 else { break }
            let limit = max(5 * rms, 0.05)
            let kept = zip(arc, residuals).filter { $0.1 <= limit }.map { $0.0 }
            guard kept.count < arc.count, kept.count >= 6, kept.first?.time == epoch else { break }
            arc = kept
        }
        guard let outcome, outcome.rms.isFinite else { return nil }
        return LEOFittedOrbit(epoch: epoch, state: state, along: along, model: model, rms: outcome.rms, samples: arc.count,
                              arcStart: arc.last?.time ?? epoch)
    }

    /// The modelled quasi-inertial positions at the arc's times (newest first), integrated back from the epoch.
    static func positions(_ arc: [Sample], state: LEOForceModel.State, along: Double, model: LEOForceModel) -> [ECEF] {
        guard let epoch = arc.first?.time else { return [] }
        var current = state, at = epoch
        return arc.map { s in
            current = model.propagate(current, by: s.time - at, along: along)
            at = s.time
            return current.position
        }
    }

    /// Each sample's residual distance from the orbit, m.
    static func residuals(_ arc: [Sample], state: LEOForceModel.State, along: Double, model: LEOForceModel) -> [Double] {
        guard let epoch = arc.first?.time else { return [] }
        return zip(arc, positions(arc, state: state, along: along, model: model)).map { s, p in
            (LEOForceModel.inertial(s.position, at: s.time - epoch) - p).norm
        }
    }

    /// One Gauss–Newton step.
    private static func iterate(_ arc: [Sample], state: LEOForceModel.State, along: Double, model: LEOForceModel,
                                estimateAlong: Bool) -> (dx: [Double], covariance: Matrix)? {
        guard let epoch = arc.first?.time else { return nil }
        let n = estimateAlong ? 7 : 6
        let nominal = positions(arc, state: state, along: along, model: model)
        let deltas = [1.0, 1, 1, 1e-3, 1e-3, 1e-3, 1e-8]
        var partials: [[ECEF]] = []
        for k in 0..<n {
            var s = state, a = along
            switch k {
            case 0: s.position.x += deltas[k]
            case 1: s.position.y += deltas[k]
            case 2: s.position.z += deltas[k]
            case 3: s.velocity.x += deltas[k]
            case 4: s.velocity.y += deltas[k]
            case 5: s.velocity.z += deltas[k]
            default: a += deltas[k]
            }
            partials.append(zip(positions(arc, state: s, along: a, model: model), nominal).map { (1 / deltas[k]) * ($0 - $1) })
        }
        var normal = Matrix(rows: n, columns: n)
        var rhs = [Double](repeating: 0, count: n)
        for (i, s) in arc.enumerated() {
            let w = 1 / (s.sigma * s.sigma)
            let observed = LEOForceModel.inertial(s.position, at: s.time - epoch)
            let d = observed - nominal[i]
            let residual = [d.x, d.y, d.z]
            for axis in 0..<3 {
                let row = (0..<n).map { k -> Double in
                    let p = partials[k][i]
                    return axis == 0 ? p.x : axis == 1 ? p.y : p.z
                }
                for a in 0..<n {
                    rhs[a] += w * row[a] * residual[axis]
                    for b in 0..<n { normal[a, b] += w * row[a] * row[b] }
                }
            }
        }
        guard let q = normal.inverseSPD() else { return nil }
        return (q * rhs, q)
    }
}
