/// A broken-down calendar date and time of day, in whichever time scale the
/// caller says (the type does not know the scale).
public struct CalendarDate: Sendable, Hashable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Double

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Double = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// Whether the fields name a real date and time (seconds up to 60.999… to allow a leap second).
    public var isValid: Bool {
        guard (1...12).contains(month), hour >= 0, hour < 24, minute >= 0, minute < 60,
              second.isFinite, second >= 0, second < 61, year > 1900, year < 2200 else { return false }
        return day >= 1 && day <= CalendarDate.daysIn(month: month, year: year)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Day of year, 1 for 1 January.
    public var dayOfYear: Int {
        var doy = day
        for m in 1..<month { doy += CalendarDate.daysIn(month: m, year: year) }
        return doy
    }

    /// Days since 1970-01-01 for the date part (proleptic Gregorian).
    public var daysSinceUnixEpoch: Int64 {
        // Civil-from-days inverse (Howard Hinnant's algorithm, public domain description).
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The calendar date `days` after 1970-01-01.
    public static func fromDaysSinceUnixEpoch(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    /// Also of a date that is not valid (the errors rejecting one quote it): seconds that are not a finite
    /// number of a size an `Int` holds are written as the `Double` they are.
    public var description: String {
        guard second.isFinite, abs(second) < 1e15 else {
            return "\(year)-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute)):\(second)"
        }
        let s = Int(second)
        let ms = Int(((second - Double(s)) * 1000).rounded())
        return "\(year)-\(pad(month))-\(pad(day)) \(pad(hour)):\(pad(minute)):\(pad(s)).\(pad(ms, 3))"
    }
}

@usableFromInline func pad(_ v: Int, _ width: Int = 2) -> String {
    let s = String(v)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}

extension GNSSTime {
    /// Days between 1970-01-01 and the GPS epoch 1980-01-06.
    static let gpsEpochUnixDays: Int64 = 3657

    /// Builds a time from calendar fields read in GPS time (as RINEX epochs are).
    /// Returns nil for fields that do not name a real date.
    public init?(gpsCalendar c: CalendarDate) {
        guard c.isValid else { return nil }
        let days = c.daysSinceUnixEpoch - GNSSTime.gpsEpochUnixDays
        let whole = c.second.rounded(.down)
        let secs = days * GNSSTime.secondsPerDay + Int64(c.hour * 3600 + c.minute * 60) + Int64(whole)
        self.init(seconds: secs, fraction: c.second - whole)
    }

    /// Calendar fields of this time in GPS time.
    public var gpsCalendar: CalendarDate { GNSSTime.calendar(seconds: seconds, fraction: fraction) }

    static func calendar(seconds: Int64, fraction: Double) -> CalendarDate {
        let days = seconds.floorDiv(GNSSTime.secondsPerDay)
        let sod = seconds - days * GNSSTime.secondsPerDay
        let (y, m, d) = CalendarDate.fromDaysSinceUnixEpoch(days + GNSSTime.gpsEpochUnixDays)
        return CalendarDate(year: y, month: m, day: d, hour: Int(sod / 3600), minute: Int(sod % 3600 / 60),
                            second: Double(sod % 60) + fraction)
    }

    /// Day of year in GPS time.
    public var dayOfYear: Int { gpsCalendar.dayOfYear }

    /// ISO 8601 text of the GPS-time calendar, e.g. `2020-06-25T00:00:30.000` (no zone: it is GPS time).
    public func iso8601(fractionDigits: Int = 3) -> String {
        var scale = 1.0
        for _ in 0..<fractionDigits { scale *= 10 }
        var whole = seconds
        var frac = (fraction * scale).rounded()
        if frac >= scale { whole += 1; frac = 0 }
        let c = GNSSTime.calendar(seconds: whole, fraction: 0)
        var s = "\(c.year)-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(Int(c.second)))"
        if fractionDigits > 0 { s += "." + pad(Int(frac), fractionDigits) }
        return s
    }

    /// Reads the text `iso8601(fractionDigits:)` writes (`2020-06-25T00:00:30.000`, GPS time, any number of
    /// fraction digits); nil for anything else.
    public init?(iso8601 text: some StringProtocol) {
        let parts = text.split(separator: "T")
        guard parts.count == 2 else { return nil }
        let day = parts[0].split(separator: "-").compactMap { Int($0) }
        let clock = parts[1].split(separator: ":")
        guard day.count == 3, clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]),
              let second = Double(clock[2]), second >= 0 else { return nil }
        self.init(gpsCalendar: CalendarDate(year: day[0], month: day[1], day: day[2], hour: hour, minute: minute, second: second))
    }
}
