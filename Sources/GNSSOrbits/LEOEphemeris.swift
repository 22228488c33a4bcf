import GNSSCore

/// Evaluation and fitting of the broadcast LEO ephemeris (the data type is in GNSSCore).
extension LEOEphemeris {
    /// Position, velocity and clock at `t`; nil outside the validity window.
    public func state(at t: GNSSTime) -> SatelliteState? {
        guard covers(t) else { return nil }
        let tau = (t - reference) / halfWidth
        func value(_ c: [Double]) -> (Double, Double) {
            var v = 0.0, d = 0.0
            for k in stride(from: c.count - 1, through: 0, by: -1) {
                d = d * tau + v
                v = v * tau + c[k]
            }
            return (v, d / halfWidth)
        }
        let (px, vx) = value(x), (py, vy) = value(y), (pz, vz) = value(z)
        let dt = t - reference
        let bias = clock.reversed().reduce(0) { $0 * dt + $1 }
        let drift = clock.count > 1 ? clock[1] + (clock.count > 2 ? 2 * clock[2] * dt : 0) : 0
        return SatelliteState(position: ECEF(px, py, pz), velocity: ECEF(vx, vy, vz), clockBias: bias, clockDrift: drift)
    }

    /// Fits an ephemeris to samples (time, position, clock) spanning the window, by least squares.
    public static func fit(satellite: SatelliteID, samples: [(time: GNSSTime, position: ECEF, clock: Double)], degree: Int = 8) -> LEOEphemeris? {
        guard samples.count > degree, let first = samples.first, let last = samples.last, last.time - first.time > 0 else { return nil }
        let half = (last.time - first.time) / 2
        let reference = first.time + half
        var design = Matrix(rows: samples.count, columns: degree + 1)
        for (i, s) in samples.enumerated() {
            let tau = (s.time - reference) / half
            var p = 1.0
            for k in 0...degree {
                design[i, k] = p
                p *= tau
            }
        }
        let w = [Double](repeating: 1, count: samples.count)
        guard let fx = weightedLeastSquares(design: design, observations: samples.map(\.position.x), weights: w),
              let fy = weightedLeastSquares(design: design, observations: samples.map(\.position.y), weights: w),
              let fz = weightedLeastSquares(design: design, observations: samples.map(\.position.z), weights: w) else { return nil }
        var clockDesign = Matrix(rows: samples.count, columns: 3)
        for (i, s) in samples.enumerated() {
            let dt = s.time - reference
            clockDesign[i, 0] = 1
            clockDesign[i, 1] = dt
            clockDesign[i, 2] = dt * dt
        }
        guard let fc = weightedLeastSquares(design: clockDesign, observations: samples.map(\.clock), weights: w) else { return nil }
        return LEOEphemeris(satellite: satellite, reference: reference, halfWidth: half, x: fx.x, y: fy.x, z: fz.x, clock: fc.x)
    }
}

/// The LEO ephemerides received (from the satellite segment's stream), by satellite; the one whose window
/// holds the time and whose reference is nearest is used.
public struct LEOEphemerisStore: Sendable {
    private var bySatellite: [SatelliteID: [LEOEphemeris]] = [:]
    /// Ephemerides kept per satellite, the latest references (a live stream's memory stays bounded).
    public let limitPerSatellite: Int

    /// `limitPerSatellite`: 64 is over an hour and a half of a satellite's broadcast; products loaded from files pass `.max`.
    public init(limitPerSatellite: Int = 64) {
        self.limitPerSatellite = max(1, limitPerSatellite)
    }

    /// Adds an ephemeris; false when the same one was held already. Beyond the limit, the oldest reference goes.
    @discardableResult
    public mutating func add(_ e: LEOEphemeris) -> Bool {
        var list = bySatellite[e.satellite, default: []]
        guard !list.contains(e) else { return false }
        let at = list.firstIndex { $0.reference > e.reference } ?? list.count
        list.insert(e, at: at)
        if list.count > limitPerSatellite { list.removeFirst(list.count - limitPerSatellite) }
        bySatellite[e.satellite] = list
        return true
    }

    public var count: Int { bySatellite.values.reduce(0) { $0 + $1.count } }

    /// The healthy ephemeris of `satellite` with issue of data `issue` whose window holds `time`, the nearest in
    /// reference when several do (an issue comes back every 256 fits): the one SSR corrections (4058/2) name.
    public func select(_ satellite: SatelliteID, issue: Int, near time: GNSSTime) -> LEOEphemeris? {
        var best: LEOEphemeris?
        for e in bySatellite[satellite] ?? [] where e.issue == issue && e.healthy && e.covers(time) {
            if best.map({ abs(time - e.reference) < abs(time - $0.reference) }) ?? true { best = e }
        }
        return best
    }

    /// All ephemerides held of `satellite`, by reference time.
    public func all(for satellite: SatelliteID) -> [LEOEphemeris] { bySatellite[satellite] ?? [] }

    /// The satellites with ephemerides.
    public var satellites: [SatelliteID] { bySatellite.keys.sorted() }

    public func state(_ satellite: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        guard let list = bySatellite[satellite] else { return nil }
        var best: LEOEphemeris?
        for e in list where e.healthy && e.covers(t) {
            if best.map({ abs(t - e.reference) < abs(t - $0.reference) }) ?? true { best = e }
        }
        return best?.state(at: t)
    }
}
