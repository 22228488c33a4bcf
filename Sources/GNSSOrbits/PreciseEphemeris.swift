import GNSSCore

/// Precise orbits and clocks (from SP3 and RINEX clock files) for
/// interpolation at any time: orbits by Lagrange polynomials over the
/// neighbouring epochs, clocks linearly between neighbouring samples.
/// Several files (days) merge into one time series per satellite.
public struct PreciseEphemeris: Sendable {
    private var orbits: [SatelliteID: [(time: GNSSTime, position: ECEF)]] = [:]
    private var clocks: [SatelliteID: [(time: GNSSTime, bias: Double)]] = [:]
    private var sorted = true
    /// Polynomial degree + 1: points used for orbit interpolation.
    public var interpolationPoints: Int = 10

    public init() {}

    /// Adds an orbit sample (CoM position, ECEF metres).
    public mutating func addPosition(_ satellite: SatelliteID, time: GNSSTime, position: ECEF) {
        orbits[satellite, default: []].append((time, position))
        sorted = false
    }

    /// Adds a clock sample (seconds).
    public mutating func addClock(_ satellite: SatelliteID, time: GNSSTime, bias: Double) {
        clocks[satellite, default: []].append((time, bias))
        sorted = false
    }

    /// Sorts the series and removes duplicate epochs (day boundaries repeat the last epoch).
    public mutating func finalise() {
        for (k, v) in orbits {
            var s = v.sorted { $0.time < $1.time }
            s = s.enumerated().filter { $0.offset == 0 || s[$0.offset - 1].time != $0.element.time }.map(\.element)
            orbits[k] = s
        }
        for (k, v) in clocks {
            var s = v.sorted { $0.time < $1.time }
            s = s.enumerated().filter { $0.offset == 0 || s[$0.offset - 1].time != $0.element.time }.map(\.element)
            clocks[k] = s
        }
        sorted = true
    }

    public var satellites: [SatelliteID] { orbits.keys.sorted() }
    public var hasClocks: Bool { !clocks.isEmpty }

    /// Index of the first sample at or after `t` (binary search).
    private static func lowerBound<T>(_ a: [(time: GNSSTime, T)], _ t: GNSSTime) -> Int {
        var lo = 0, hi = a.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if a[mid].time < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Interpolated CoM position; nil outside the data or across a gap.
    public func position(_ satellite: SatelliteID, at t: GNSSTime) -> ECEF? {
        guard let s = orbits[satellite], s.count >= 2 else { return nil }
        let n = min(interpolationPoints, s.count)
        let i = PreciseEphemeris.lowerBound(s, t)
        guard i > 0 || s[0].time == t, i < s.count || s[s.count - 1].time == t else { return nil }
        var start = i - n / 2
        start = max(0, min(start, s.count - n))
        let window = s[start..<(start + n)]
        // Refuse to bridge gaps longer than a few sample intervals.
        let span = s[start + n - 1].time - s[start].time
        let step = (s[s.count - 1].time - s[0].time) / Double(max(s.count - 1, 1))
        guard span <= step * Double(n - 1) * 1.5 + 1 else { return nil }
        var p = ECEF.zero
        let tx = window.map { $0.time - t }
        for (a, sample) in window.enumerated() {
            var w = 1.0
            for b in 0..<n where b != a { w *= tx[b] / (tx[b] - tx[a]) }
            p = p + w * sample.position
        }
        return p
    }

    /// Velocity by differencing the interpolated positions over ±0.5 s.
    public func velocity(_ satellite: SatelliteID, at t: GNSSTime) -> ECEF? {
        guard let a = position(satellite, at: t + 0.5), let b = position(satellite, at: t - 0.5) else { return nil }
        return a - b
    }

    /// Linearly interpolated clock bias, seconds; nil outside the data or when the neighbours are far apart.
    public func clock(_ satellite: SatelliteID, at t: GNSSTime, maxGap: Double = 300) -> Double? {
        guard let s = clocks[satellite], !s.isEmpty else { return nil }
        let i = PreciseEphemeris.lowerBound(s, t)
        if i < s.count && s[i].time == t { return s[i].bias }
        guard i > 0, i < s.count else { return nil }
        let a = s[i - 1], b = s[i]
        let span = b.time - a.time
        guard span <= maxGap, span > 0 else { return nil }
        return a.bias + (b.bias - a.bias) * ((t - a.time) / span)
    }

    /// Satellite state from the precise products (clock drift from the neighbouring clock samples).
    public func state(_ satellite: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        guard let p = position(satellite, at: t), let v = velocity(satellite, at: t), let c = clock(satellite, at: t) else { return nil }
        let drift = clock(satellite, at: t + 1).map { $0 - c } ?? 0
        return SatelliteState(position: p, velocity: v, clockBias: c, clockDrift: drift)
    }
}
