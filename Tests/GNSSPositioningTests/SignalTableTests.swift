import Testing
import GNSSCore
@testable import GNSSPositioning

/// The filters' per-signal table keeps values by satellite and slot, in its array for satellites with a dense index
/// and in its dictionary for any other (a PRN beyond the system's range, a slot beyond its four).
@Suite struct SignalTableTests {
    @Test func valuesByKeyInTheArrayAndBeyondIt() {
        var table = SignalTable<Int>()
        let inRange = SatelliteID(.gps, 5), outOfRange = SatelliteID(.gps, 500)
        #expect(inRange.denseIndex != nil && outOfRange.denseIndex == nil)
        table[inRange, 0] = 1
        table[inRange, 1] = 2
        table[outOfRange, 0] = 3
        table[inRange, 9] = 4
        #expect(table[inRange, 0] == 1 && table[inRange, 1] == 2 && table[outOfRange, 0] == 3 && table[inRange, 9] == 4)
        #expect(table[SatelliteID(.galileo, 5), 0] == nil && table[outOfRange, 1] == nil)
        table[inRange, 1] = nil
        #expect(table[inRange, 1] == nil && table[inRange, 0] == 1)
        table.removeAll()
        #expect(table[inRange, 0] == nil && table[outOfRange, 0] == nil && table[inRange, 9] == nil)
    }
}
