import GNSSCore
@testable import GNSSFormats
import Testing

/// An epoch a stream never closes (every MSM with the multiple-message bit set and the same time) holds one of each
/// satellite's signals, not one per message: a repeated signal replaces the earlier one.
@Suite struct MSMEpochBoundTests {
    @Test func aRepeatedMessageDoesNotGrowTheEpoch() throws {
        let time = GNSSTime(gpsWeek: 2111, secondOfWeek: 345_600)
        let observations = [1, 5, 7].map { prn in
            SatelliteObservation(satellite: SatelliteID(.gps, prn), signals: ["1C", "2W"].map { code in
                SignalObservation(signal: SignalCode(code)!, pseudorange: 2.1e7 + Double(prn), carrierPhase: 1.1e8, cn0: 45)
            })
        }
        let msm = MSMMessage.make(system: .gps, msmType: 7, stationID: 1, time: time, multipleMessage: true, observations: observations)
        var assembler = MSMEpochAssembler()
        for _ in 0..<10_000 { #expect(assembler.add(msm, reference: time).isEmpty) }
        let flushed = assembler.flush()
        let epoch = try #require(flushed)
        #expect(epoch.satellites.count == 3)
        #expect(epoch.satellites.allSatisfy { $0.signals.count == 2 })
    }
}
