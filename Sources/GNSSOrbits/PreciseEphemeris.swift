import GNSSCore

/// Precise orbits and clocks (from SP3 and RINEX clock files) for
/// interpolation at any time: orbits by Lagrange polynomials over the
/// neighbouring epochs, clocks linearly between neighbouring samples.
/// Several files (days) merge into one time series per satellite.
public struct PreciseEphemeris: Sendable {
    /// Samples of one satellite, sorted by time after `finalise()`.
    struct Series<Value: Sendable>: Sendable {
        var times: [GNSSTime] = []
        var values: [Value] = []

        mutating func append(_ t: GNSSTime, _ v: Value) {
            times.append(t)
            values.append(v)
        }

        /// Sorts by time and keeps one sample per epoch (day boundaries repeat the last epoch).
        mutating func sortUnique() {
            if zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) { return }
            let order = times.indices.sorted { times[$0] < times[$1] }
            var t: [GNSSTime] = [], v: [Value] = []
            t.reserveCapacity(order.count)
            v.reserveCapacity(order.count)
            for i in order where t.last != times[i] {
                t.append(times[i])
                v.append(values[i])
            }
            times = t
            values = v
        }

        /// Index of the first sample at or after `t`.
        func lowerBound(_ t: GNSSTime) -> Int {
            var lo = 0, hi = times.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if times[mid] < t { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    private var orbits: [SatelliteID: Series<ECEF>] = [:]
    private var clocks: [SatelliteID: Series<Double>] = [:]
    /// The same series by `SatelliteID.denseIndex`, built by `finalise()`: lookups without hashing.
    private var denseOrbits: [Series<ECEF>?] = []
    private var denseClocks: [Series<Double>?] = []
    /// Polynomial degree + 1: points used for orbit interpolation.
    public var interpolationPoints: Int = 10

    public init() {}

    /// Adds an orbit sample (CoM position, ECEF metres).
    public mutating func addPosition(_ satellite: SatelliteID, time: GNSSTime, position: ECEF) {
        orbits[satellite, default: Series()].append(time, position)
        denseOrbits = []
    }

    /// Adds a clock sample (seconds).
    public mutating func addClock(_ satellite: SatelliteID, time: GNSSTime, bias: Double) {
        clocks[satellite, default: Series()].append(time, bias)
        denseClocks = []
    }

    /// Takes the clock samples of `other` (moving whole series where this one has none for the satellite).
    public mutating func addClocks(of other: PreciseEphemeris) {
        for (satellite, series) in other.clocks {
            if clocks[satellite] == nil {
                clocks[satellite] = series
            } else {
                for (t, v) in zip(series.times, series.values) { clocks[satellite]?.append(t, v) }
            }
        }
        denseClocks = []
    }

    /// Sorts the series and removes duplicate epochs; call once after adding.
    public mutating func finalise() {
        for k in Array(orbits.keys) { orbits[k]?.sortUnique() }
        for k in Array(clocks.keys) { clocks[k]?.sortUnique() }
        denseOrbits = [Series<ECEF>?](repeating: nil, count: SatelliteID.denseCount)
        denseClocks = [Series<Double>?](repeating: nil, count: SatelliteID.denseCount)
        for (k, v) in orbits { if let i = k.denseIndex { denseOrbits[i] = v } }
        for (k, v) in clocks { if let i = k.denseIndex { denseClocks[i] = v } }
    }

    private func orbitSeries(_ satellite: SatelliteID) -> Series<ECEF>? {
        if !denseOrbits.isEmpty, let i = satellite.denseIndex { return denseOrbits[i] }
        return orbits[satellite]
    }

    private func clockSeries(_ satellite: SatelliteID) -> Series<Double>? {
        if !denseClocks.isEmpty, let i = satellite.denseIndex { return denseClocks[i] }
        return clocks[satellite]
    }

    public var satellites: [SatelliteID] { orbits.keys.sorted() }

    /// First and last orbit epochs over all satellites, nil without orbits.
    public var orbitSpan: ClosedRange<GNSSTime>? {
        let firsts = orbits.values.compactMap(\.times.first), lasts = orbits.values.compactMap(\.times.last)
        guard let first = firsts.min(), let last = lasts.max() else { return nil }
        return first...last
    }
    public var hasClocks: Bool { !clocks.isEmpty }

    /// Interpolated CoM position; nil across a gap and outside the data, but for a thirtieth of the sample
    /// interval. A polynomial through ten samples errs by metres one interval past its last sample (at the end
    /// of a day's file: 2 m for G28 15 minutes after the last of 96 samples in GRG's 15-minute SP3), by about
    /// a centimetre a thirtieth of an interval past it; within the samples, by millimetres.
    public func position(_ satellite: SatelliteID, at t: GNSSTime) -> ECEF? {
        interpolate(satellite, at: t, velocity: false)?.position
    }

    /// Velocity, m/s: the derivative of the interpolating polynomial.
    public func velocity(_ satellite: SatelliteID, at t: GNSSTime) -> ECEF? {
        interpolate(satellite, at: t, velocity: true)?.velocity
    }

    /// Lagrange interpolation over the `interpolationPoints` samples around `t`, and its derivative: with
    /// wₐ = Πᵦ (t − tᵦ)/(tₐ − tᵦ), wₐ' = wₐ · Σᵦ 1/(t − tᵦ) (b ≠ a). At a sample time itself, where that sum is
    /// undefined, the velocity is the central difference over ±0.5 s.
    private func interpolate(_ satellite: SatelliteID, at t: GNSSTime, velocity: Bool) -> (position: ECEF, velocity: ECEF)? {
        guard let s = orbitSeries(satellite), s.times.count >= 2 else { return nil }
        let count = s.times.count
        let n = min(interpolationPoints, count)
        let step = (s.times[count - 1] - s.times[0]) / Double(count - 1)
        guard t - s.times[0] >= -step / 30, t - s.times[count - 1] <= step / 30 else { return nil }
        let i = s.lowerBound(t)
        let start = max(0, min(i - n / 2, count - n))
        // Refuse to bridge gaps longer than a few sample intervals.
        guard s.times[start + n - 1] - s.times[start] <= step * Double(n - 1) * 1.5 + 1 else { return nil }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { dt in
            var onSample = false
            for a in 0..<n {
                dt[a] = s.times[start + a] - t
                if abs(dt[a]) < 1e-6 { onSample = true }
            }
            var p = ECEF.zero, v = ECEF.zero
            for a in 0..<n {
                let ta = dt[a]
                var w = 1.0, rate = 0.0
                for b in 0..<n where b != a {
                    let tb = dt[b]
                    w *= tb / (tb - ta)
                    rate -= 1 / tb
                }
                let sample = s.values[start + a]
                p = p + w * sample
                if velocity && !onSample { v = v + (w * rate) * sample }
            }
            if velocity && onSample {
                guard let ahead = interpolate(satellite, at: t + 0.5, velocity: false)?.position,
                      let behind = interpolate(satellite, at: t - 0.5, velocity: false)?.position else { return nil }
                v = ahead - behind
            }
            return (p, v)
        }
    }

    /// Linearly interpolated clock bias, seconds; nil outside the data or when the neighbours are far apart.
    public func clock(_ satellite: SatelliteID, at t: GNSSTime, maxGap: Double = 300) -> Double? {
        guard let s = clockSeries(satellite), !s.times.isEmpty else { return nil }
        let i = s.lowerBound(t)
        if i < s.times.count && s.times[i] == t { return s.values[i] }
        guard i > 0, i < s.times.count else { return nil }
        let span = s.times[i] - s.times[i - 1]
        guard span <= maxGap, span > 0 else { return nil }
        return s.values[i - 1] + (s.values[i] - s.values[i - 1]) * ((t - s.times[i - 1]) / span)
    }

    /// Satellite state from the precise products (clock drift from the neighbouring clock samples).
    public func state(_ satellite: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        guard let (p, v) = interpolate(satellite, at: t, velocity: true), let c = clock(satellite, at: t) else { return nil }
        let drift = clock(satellite, at: t + 1).map { $0 - c } ?? 0
        return SatelliteState(position: p, velocity: v, clockBias: c, clockDrift: drift)
    }

    /// The state with the clock a signal carries: precise clocks leave out the periodic relativistic term, −2 r·v / c².
    public func signalState(_ satellite: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        guard var s = state(satellite, at: t) else { return nil }
        s.clockBias -= 2 * s.position.dot(s.velocity) / (Constants.speedOfLight * Constants.speedOfLight)
        return s
    }
}
