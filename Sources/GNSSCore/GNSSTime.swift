/// A point in time on the GPS time scale: whole seconds since the GPS epoch
/// (1980-01-06 00:00:00 GPST) plus a fraction of a second in [0, 1).
///
/// Every other time scale (UTC, GLONASS, Galileo, BeiDou) is converted at the
/// edges; inside the project every epoch is a `GNSSTime`.
public struct GNSSTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since the GPS epoch.
    public private(set) var seconds: Int64
    /// Fraction of a second, always in [0, 1).
    public private(set) var fraction: Double

    public init(seconds: Int64, fraction: Double = 0) {
        self.seconds = seconds
        self.fraction = 0
        self.normalise(adding: fraction)
    }

    /// The GPS epoch itself.
    public static let gpsEpoch = GNSSTime(seconds: 0)

    private mutating func normalise(adding delta: Double) {
        let total = fraction + delta
        let whole = total.rounded(.down)
        guard whole.isFinite, abs(whole) < 9.0e15 else { return }
        seconds += Int64(whole)
        fraction = total - whole
        if fraction >= 1 { seconds += 1; fraction -= 1 }
        if fraction < 0 { seconds -= 1; fraction += 1 }
    }

    /// Seconds since the GPS epoch as one Double (loses precision below ~1 µs).
    public var totalSeconds: Double { Double(seconds) + fraction }

    public static func + (lhs: GNSSTime, rhs: Double) -> GNSSTime {
        var t = lhs
        t.normalise(adding: rhs)
        return t
    }

    public static func - (lhs: GNSSTime, rhs: Double) -> GNSSTime { lhs + (-rhs) }

    public static func += (lhs: inout GNSSTime, rhs: Double) { lhs = lhs + rhs }

    /// Difference in seconds, exact to the Double's resolution of the fractions.
    public static func - (lhs: GNSSTime, rhs: GNSSTime) -> Double {
        Double(lhs.seconds - rhs.seconds) + (lhs.fraction - rhs.fraction)
    }

    public static func < (lhs: GNSSTime, rhs: GNSSTime) -> Bool {
        lhs.seconds != rhs.seconds ? lhs.seconds < rhs.seconds : lhs.fraction < rhs.fraction
    }

    public var description: String { iso8601(fractionDigits: 3) + " GPST" }
}

// MARK: - Week and second of week

extension GNSSTime {
    public static let secondsPerWeek: Int64 = 604_800
    public static let secondsPerDay: Int64 = 86_400

    /// Time from a GPS week number (continuous, not modulo 1024) and second of week.
    public init(gpsWeek week: Int, secondOfWeek: Double) {
        // Corrupt inputs (NaN, absurd values) must not trap: they land on the week's start.
        let sow = secondOfWeek.isFinite && abs(secondOfWeek) < 1e12 ? secondOfWeek : 0
        let week = abs(week) < 1_000_000 ? week : 0
        let whole = sow.rounded(.down)
        self.init(seconds: Int64(week) * GNSSTime.secondsPerWeek + Int64(whole), fraction: sow - whole)
    }

    /// Continuous GPS week number.
    public var gpsWeek: Int { Int(seconds.floorDiv(GNSSTime.secondsPerWeek)) }

    /// Second of the GPS week, in [0, 604800).
    public var secondOfWeek: Double {
        Double(seconds.floorMod(GNSSTime.secondsPerWeek)) + fraction
    }

    /// The time of week `tow` (seconds) nearest to this time, for messages that
    /// carry only a time of week; picks the week so that the result lies within
    /// half a week of `self`.
    public func nearest(secondOfWeek tow: Double) -> GNSSTime {
        var t = GNSSTime(gpsWeek: gpsWeek, secondOfWeek: tow)
        let half = Double(GNSSTime.secondsPerWeek) / 2
        let d = t - self
        if d > half { t = t - Double(GNSSTime.secondsPerWeek) }
        if d < -half { t = t + Double(GNSSTime.secondsPerWeek) }
        return t
    }

    /// The time of day `tod` (seconds, in the given offset from GPS time) nearest to this time.
    public func nearest(secondOfDay tod: Double, scaleOffset: Double = 0) -> GNSSTime {
        let local = self + scaleOffset
        let dayStart = GNSSTime(seconds: local.seconds - local.seconds.floorMod(GNSSTime.secondsPerDay))
        var t = dayStart + tod
        let half = Double(GNSSTime.secondsPerDay) / 2
        let d = t - local
        if d > half { t = t - Double(GNSSTime.secondsPerDay) }
        if d < -half { t = t + Double(GNSSTime.secondsPerDay) }
        return t - scaleOffset
    }
}

extension Int64 {
    @inlinable func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
    @inlinable func floorMod(_ d: Int64) -> Int64 {
        let r = self % d
        return r < 0 ? r + d : r
    }
}
