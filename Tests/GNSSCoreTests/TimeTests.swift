import Testing
@testable import GNSSCore

@Suite struct TimeTests {
    // GPS week numbers of calendar dates, from published GPS calendars (e.g. the IGS/CDDIS GPS week tables).
    @Test func gpsWeekOfKnownDates() throws {
        let t1 = try #require(GNSSTime(gpsCalendar: CalendarDate(year: 2020, month: 6, day: 25)))
        #expect(t1.gpsWeek == 2111)
        #expect(t1.secondOfWeek == 345_600)   // Thursday
        #expect(t1.dayOfYear == 177)
        let t2 = try #require(GNSSTime(gpsCalendar: CalendarDate(year: 2005, month: 4, day: 2)))
        #expect(t2.gpsWeek == 1316)
        #expect(t2.secondOfWeek == 518_400)   // Saturday
        let rollover = try #require(GNSSTime(gpsCalendar: CalendarDate(year: 2019, month: 4, day: 7)))
        #expect(rollover.gpsWeek == 2048)
        #expect(rollover.secondOfWeek == 0)
    }

    @Test func calendarRoundTrip() throws {
        let c = CalendarDate(year: 2012, month: 10, day: 14, hour: 23, minute: 59, second: 59.5)
        let t = try #require(GNSSTime(gpsCalendar: c))
        #expect(t.gpsCalendar == c)
        #expect(t.iso8601() == "2012-10-14T23:59:59.500")
        #expect(GNSSTime(gpsCalendar: CalendarDate(year: 2021, month: 2, day: 29)) == nil)
    }

    @Test func leapSecondsFromBulletinC() throws {
        let t2020 = try #require(GNSSTime(gpsCalendar: CalendarDate(year: 2020, month: 1, day: 1)))
        #expect(LeapSeconds.gpsMinusUTC(at: t2020) == 18)
        let t2012 = try #require(GNSSTime(gpsCalendar: CalendarDate(year: 2012, month: 10, day: 14)))
        #expect(LeapSeconds.gpsMinusUTC(at: t2012) == 16)
        let t1999 = try #require(GNSSTime(gpsCalendar: CalendarDate(year: 1999, month: 6, day: 1)))
        #expect(LeapSeconds.gpsMinusUTC(at: t1999) == 13)
    }

    @Test func beidouAndGalileoWeeks() throws {
        // BDT week 0 starts 2006-01-01 00:00:00 BDT = GPS week 1356, 14 s later in GPS time.
        let bdt0 = GNSSTime(beidouWeek: 0, secondOfWeek: 0)
        #expect(bdt0.gpsWeek == 1356)
        #expect(bdt0.secondOfWeek == 14)
        // GST week 0 starts 1999-08-22 00:00:00 GST = GPS week 1024.
        let gst0 = GNSSTime(galileoWeek: 0, secondOfWeek: 0)
        #expect(gst0.gpsCalendar == CalendarDate(year: 1999, month: 8, day: 22))
    }

    @Test func nearestTimeOfWeek() throws {
        let t = GNSSTime(gpsWeek: 2111, secondOfWeek: 604_790)
        let next = t.nearest(secondOfWeek: 5)
        #expect(next.gpsWeek == 2112)
        #expect(next.secondOfWeek == 5)
    }

    @Test func fractionStaysNormalised() {
        let t = GNSSTime(seconds: 10, fraction: 0.75) + 0.5
        #expect(t.seconds == 11)
        #expect(abs(t.fraction - 0.25) < 1e-12)
        let u = GNSSTime(seconds: 10, fraction: 0.25) - 0.5
        #expect(u.seconds == 9)
        #expect(abs((t - u) - 1.5) < 1e-12)
    }
}
