/// Time scales used by GNSS and their relation to GPS time.
public enum TimeScale: String, Sendable, CaseIterable {
    case gps = "GPS"
    case galileo = "GAL"
    case beidou = "BDT"
    case glonass = "GLO"
    case qzss = "QZS"
    case navic = "IRN"
    case utc = "UTC"

    /// The scale a system's broadcast messages use.
    public init(system: GNSSSystem) {
        switch system {
        case .gps, .sbas, .leo: self = .gps
        case .galileo: self = .galileo
        case .beidou: self = .beidou
        case .glonass: self = .glonass
        case .qzss: self = .qzss
        case .navic: self = .navic
        }
    }
}

/// Leap seconds (TAI − UTC changes) and the scale conversions that need them.
public enum LeapSeconds {
    /// (UTC date at which the new offset starts, GPS − UTC in seconds from then on).
    /// From the IERS Bulletin C history; no leap second has been announced after 2017-01-01.
    public static let table: [(year: Int, month: Int, day: Int, gpsMinusUTC: Int)] = [
        (1981, 7, 1, 1), (1982, 7, 1, 2), (1983, 7, 1, 3), (1985, 7, 1, 4), (1988, 1, 1, 5),
        (1990, 1, 1, 6), (1991, 1, 1, 7), (1992, 7, 1, 8), (1993, 7, 1, 9), (1994, 7, 1, 10),
        (1996, 1, 1, 11), (1997, 7, 1, 12), (1999, 1, 1, 13), (2006, 1, 1, 14), (2009, 1, 1, 15),
        (2012, 7, 1, 16), (2015, 7, 1, 17), (2017, 1, 1, 18),
    ]

    /// UTC instants (seconds since the GPS epoch, counted in UTC seconds without leaps) of each step.
    private static let utcSteps: [(utcSeconds: Int64, offset: Int64)] = table.map { e in
        let days = CalendarDate(year: e.year, month: e.month, day: e.day).daysSinceUnixEpoch - GNSSTime.gpsEpochUnixDays
        return (days * GNSSTime.secondsPerDay, Int64(e.gpsMinusUTC))
    }

    /// GPS − UTC in seconds at a GPS time.
    public static func gpsMinusUTC(at time: GNSSTime) -> Int {
        var offset: Int64 = 0
        for step in utcSteps where time.seconds >= step.utcSeconds + step.offset { offset = step.offset }
        return Int(offset)
    }

    /// GPS − UTC in seconds at a UTC instant expressed as pseudo-seconds since the GPS epoch.
    public static func gpsMinusUTC(atUTCSeconds utc: Int64) -> Int {
        var offset: Int64 = 0
        for step in utcSteps where utc >= step.utcSeconds { offset = step.offset }
        return Int(offset)
    }
}

extension GNSSTime {
    /// BeiDou time is 14 s behind GPS time; its week 0 began 2006-01-01 00:00:00 BDT (GPS week 1356).
    public static let bdtMinusGPST: Double = -14
    public static let beidouWeekOffset = 1356
    /// Galileo system time is aligned with GPS time; GST week 0 is GPS week 1024.
    public static let galileoWeekOffset = 1024

    /// From a BeiDou week and second of week in BDT.
    public init(beidouWeek week: Int, secondOfWeek: Double) {
        self = GNSSTime(gpsWeek: week + GNSSTime.beidouWeekOffset, secondOfWeek: secondOfWeek) - GNSSTime.bdtMinusGPST
    }

    /// From a Galileo week and second of week in GST.
    public init(galileoWeek week: Int, secondOfWeek: Double) {
        self.init(gpsWeek: week + GNSSTime.galileoWeekOffset, secondOfWeek: secondOfWeek)
    }

    /// BeiDou week and second of week (BDT) of this time.
    public var beidouWeekAndSecond: (week: Int, secondOfWeek: Double) {
        let t = self + GNSSTime.bdtMinusGPST
        return (t.gpsWeek - GNSSTime.beidouWeekOffset, t.secondOfWeek)
    }

    /// Galileo week and second of week (GST).
    public var galileoWeekAndSecond: (week: Int, secondOfWeek: Double) {
        (gpsWeek - GNSSTime.galileoWeekOffset, secondOfWeek)
    }

    /// From UTC calendar fields.
    public init?(utcCalendar c: CalendarDate) {
        guard let asIfGPS = GNSSTime(gpsCalendar: c) else { return nil }
        self = asIfGPS + Double(LeapSeconds.gpsMinusUTC(atUTCSeconds: asIfGPS.seconds))
    }

    /// UTC calendar fields of this time.
    public var utcCalendar: CalendarDate {
        let utc = self - Double(LeapSeconds.gpsMinusUTC(at: self))
        return utc.gpsCalendar
    }

    /// From GLONASS time (UTC(SU) + 3 h) calendar fields.
    public init?(glonassCalendar c: CalendarDate) {
        guard let moscow = GNSSTime(gpsCalendar: c) else { return nil }
        let utcAsIfGPS = moscow - 10_800
        self = utcAsIfGPS + Double(LeapSeconds.gpsMinusUTC(atUTCSeconds: utcAsIfGPS.seconds))
    }

    /// Seconds to add to GPS time to get the given scale's reading at this instant.
    public func offset(to scale: TimeScale) -> Double {
        switch scale {
        case .gps, .galileo, .qzss, .navic: return 0
        case .beidou: return GNSSTime.bdtMinusGPST
        case .utc: return -Double(LeapSeconds.gpsMinusUTC(at: self))
        case .glonass: return 10_800 - Double(LeapSeconds.gpsMinusUTC(at: self))
        }
    }

    /// Builds a time from calendar fields read in `scale`.
    public init?(calendar c: CalendarDate, scale: TimeScale) {
        switch scale {
        case .gps, .galileo, .qzss, .navic: self.init(gpsCalendar: c)
        case .beidou:
            guard let t = GNSSTime(gpsCalendar: c) else { return nil }
            self = t - GNSSTime.bdtMinusGPST
        case .utc: self.init(utcCalendar: c)
        case .glonass: self.init(glonassCalendar: c)
        }
    }

    /// Calendar fields of this time read in `scale`.
    public func calendar(in scale: TimeScale) -> CalendarDate {
        (self + offset(to: scale)).gpsCalendar
    }
}
