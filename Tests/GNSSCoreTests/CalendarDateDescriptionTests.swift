import Testing
import GNSSCore

@Suite struct CalendarDateDescriptionTests {
    @Test func validDate() {
        #expect(CalendarDate(year: 2018, month: 7, day: 29, hour: 2, minute: 0, second: 59.5).description == "2018-07-29 02:00:59.500")
    }

    /// Dates read from a file are described before they are checked: seconds no `Int` can hold must not trap.
    @Test func secondsOutOfRange() {
        #expect(CalendarDate(year: 2018, month: 7, day: 29, hour: 2, second: 1.6e30).description == "2018-07-29 02:00:1.6e+30")
        #expect(CalendarDate(year: 2018, month: 7, day: 29, second: .infinity).description == "2018-07-29 00:00:inf")
        #expect(CalendarDate(year: 2018, month: 7, day: 29, second: -.infinity).description == "2018-07-29 00:00:-inf")
        #expect(CalendarDate(year: 2018, month: 7, day: 29, second: .nan).description == "2018-07-29 00:00:nan")
        #expect(CalendarDate(year: 2018, month: 7, day: 29, second: -1e300).description == "2018-07-29 00:00:-1e+300")
    }
}
