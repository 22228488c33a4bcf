import Foundation

extension GNSSTime {
    /// The system clock in GPS time, for live streams whose messages carry only a time of week.
    public static var now: GNSSTime {
        let unix = Date().timeIntervalSince1970
        let whole = unix.rounded(.down)
        let utc = Int64(whole) - 315_964_800  // 1980-01-06T00:00:00Z in Unix seconds
        return GNSSTime(seconds: utc + Int64(LeapSeconds.gpsMinusUTC(atUTCSeconds: utc)), fraction: unix - whole)
    }
}
