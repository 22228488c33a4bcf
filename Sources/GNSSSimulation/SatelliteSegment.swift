import Foundation
import GNSSCore
import GNSSOrbits

/// What the LEO satellites broadcast about themselves, as the satellite
/// segment's stream carries it to the gateway: for each satellite, a
/// `LEOEphemeris` every `window − overlap` seconds, fitted over `window`
/// seconds to its true orbit and clock plus the error a real onboard orbit
/// determination would have. That error is smooth in time, as a filtered
/// orbit's is: per satellite, in each of the radial, along-track and
/// cross-track directions, a constant and a once-per-revolution term of about
/// `orbitError` metres RMS together, and a clock error of `clockError` metres
/// RMS wandering over the same period; so consecutive ephemerides join
/// without jumps beyond the fit's own millimetres.
public struct SatelliteSegment: Sendable {
    public var window: Double = 120
    public var overlap: Double = 20
    public var orbitError: Double = 0.02
    public var clockError: Double = 0.02
    /// The period of the error terms (about one revolution at 1000 km).
    public var errorPeriod: Double = 6300

    public init() {}

    /// A satellite's orbit and clock error: RTN coefficients (constant, cosine, sine) and the clock's.
    struct ErrorModel {
        var rtn: [(Double, Double, Double)]
        var clock: (Double, Double, Double)

        init(_ g: inout SimulationRandom, orbit: Double, clock c: Double) {
            let share = (1.0 / 3).squareRoot()
            rtn = (0..<3).map { _ in (g.gaussian(orbit * share), g.gaussian(orbit * share), g.gaussian(orbit * share)) }
            clock = (g.gaussian(c * share), g.gaussian(c * share), g.gaussian(c * share))
        }

        static func value(_ k: (Double, Double, Double), _ phase: Double) -> Double { k.0 + k.1 * cos(phase) + k.2 * sin(phase) }
    }

    public func ephemerides(sky: LEOSky, from start: GNSSTime, to end: GNSSTime, seed: UInt64) -> [LEOEphemeris] {
        let random = SimulationRandom(seed: seed)
        var out: [LEOEphemeris] = []
        for sat in sky.satellites {
            var g = random.derived(UInt64(sat.prn))
            let model = ErrorModel(&g, orbit: orbitError, clock: clockError)
            var t0 = start
            var issue = 0
            while t0 < end {
                let samples = stride(from: 0.0, through: window, by: 10).compactMap { dt -> (time: GNSSTime, position: ECEF, clock: Double)? in
                    let t = t0 + dt
                    guard let truth = sky.state(sat, at: t), let ahead = sky.state(sat, at: t + 1) else { return nil }
                    let phase = 2 * Double.pi * (t - start) / errorPeriod
                    let radial = (1 / truth.position.norm) * truth.position
                    let crossRaw = Self.cross(radial, ahead.position - truth.position)
                    let cross = (1 / crossRaw.norm) * crossRaw
                    let along = Self.cross(cross, radial)
                    let error = ErrorModel.value(model.rtn[0], phase) * radial + ErrorModel.value(model.rtn[1], phase) * along
                        + ErrorModel.value(model.rtn[2], phase) * cross
                    return (t, truth.position + error, truth.clock + ErrorModel.value(model.clock, phase) / Constants.speedOfLight)
                }
                if samples.count == Int(window / 10) + 1, var e = LEOEphemeris.fit(satellite: sat, samples: samples) {
                    // Each upload gets the next issue of data, as a satellite's broadcast counts them.
                    e.issue = issue % 256
                    issue += 1
                    out.append(e)
                }
                t0 = t0 + (window - overlap)
            }
        }
        return out
    }

    static func cross(_ a: ECEF, _ b: ECEF) -> ECEF { a.cross(b) }
}
