import GNSSCore
import GNSSOrbits

/// The GNSS orbits and clocks a LEO satellite's onboard data are positioned on: the network's own corrections where
/// it has them, each with the orbit-and-clock error (m) it is taken to have: `correctedSigma` with `orbitSigmaShare` of
/// the network's formal orbit sigma (the part its own lines of sight leave; the LEO satellite looks from up to a few
/// thousand km aside). Before the network corrects a system, its satellites' broadcast serves, with an error per system.
/// Once it does, a satellite without a current correction is left out, as a user's PPP on SSR leaves it out: the
/// network leaves out what it cannot trust (an unhealthy or not yet transmitted ephemeris, a broadcast metres off), and
/// one such satellite's broadcast error would bend the LEO orbit by decimetres.
public struct LEOGNSSReference: Sendable {
    public var correctedSigma = 0.05
    public var orbitSigmaShare = 0.3
    public var broadcastSigma: [GNSSSystem: Double] = [.gps: 1, .galileo: 0.3]

    public init() {}

    /// `sat`'s state at `t` and its assumed error; `orbitSigmas` are the network's formal orbit sigmas by satellite.
    public func state(_ sat: SatelliteID, at t: GNSSTime, corrections: SSRCorrections, broadcast: EphemerisStore,
                      orbitSigmas: [SatelliteID: Double]) -> (state: SatelliteState, sigma: Double)? {
        if case .success(let s) = corrections.state(sat, at: t, ephemerides: broadcast) {
            let orbit = orbitSigmaShare * (orbitSigmas[sat] ?? 1)
            return (s, (correctedSigma * correctedSigma + orbit * orbit).squareRoot())
        }
        guard !corrections.corrects(sat.system), let eph = broadcast.select(sat, at: t) else { return nil }
        var s = eph.state(at: t)
        s.clockBias = SSRCorrections.broadcastClock(eph, state: s, at: t)
        return (s, broadcastSigma[sat.system] ?? 1)
    }
}
