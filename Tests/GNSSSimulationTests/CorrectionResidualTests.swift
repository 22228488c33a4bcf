import Foundation
import GNSSCore
import GNSSSimulation
import Testing

/// The range errors put into a user's observations to stand for imperfect corrections: a first-order Gauss–Markov
/// process per satellite, judged against its textbook statistics, and applied as a clock error would be.
@Suite struct CorrectionResidualTests {
    static let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25), scale: .gps)!

    @Test("each satellite's error has the stated sigma and the lag correlation exp(−Δt/τ), whatever the interval")
    func gaussMarkovStatistics() {
        let sigma = 0.04, tau = 600.0
        for interval in [5.0, 60.0] {
            var residual = CorrectionResidual(processes: [.gps: .init(sigma: sigma, correlationTime: tau)], seed: 7)
            var squares = 0.0, products = 0.0, count = 0.0, pairs = 0.0
            let lag = Int(tau / interval)
            // Many satellites over many correlation times: the sample statistics are within a few percent.
            for prn in 1...32 {
                let sat = SatelliteID(.gps, prn)
                let series = (0..<Int(100 * tau / interval)).map { residual.error(sat, at: Self.start + Double($0) * interval) }
                for (k, e) in series.enumerated() {
                    squares += e * e
                    count += 1
                    if k >= lag {
                        products += e * series[k - lag]
                        pairs += 1
                    }
                }
            }
            let variance = squares / count
            #expect(abs(variance.squareRoot() / sigma - 1) < 0.05, "interval \(interval): sigma \(variance.squareRoot())")
            // One correlation time apart: e^−1.
            #expect(abs(products / pairs / variance - exp(-1)) < 0.05, "interval \(interval): \(products / pairs / variance)")
        }
    }

    @Test("the error moves code by metres and phase by cycles of the signal's own wavelength; other systems untouched")
    func appliedAsAClockError() {
        var residual = CorrectionResidual(processes: [.leo: .init(sigma: 0.05, correlationTime: 600)], seed: 3)
        let leo = SatelliteID(.leo, 4), gps = SatelliteID(.gps, 9)
        func signal(_ code: String) -> SignalObservation {
            SignalObservation(signal: SignalCode(code)!, pseudorange: 1.0e6, carrierPhase: 5.0e6, doppler: nil, cn0: 45)
        }
        let epoch = ObservationEpoch(time: Self.start, flag: .ok, satellites: [
            SatelliteObservation(satellite: leo, signals: [signal("1C"), signal("5Q")]),
            SatelliteObservation(satellite: gps, signals: [signal("1C")]),
        ])
        let out = residual.apply(to: epoch)
        var again = CorrectionResidual(processes: [.leo: .init(sigma: 0.05, correlationTime: 600)], seed: 3)
        let e = again.error(leo, at: Self.start)
        #expect(e != 0)
        let l1 = out.satellites[0].signals[0], l5 = out.satellites[0].signals[1]
        #expect(abs(l1.pseudorange! - (1.0e6 + e)) < 1e-9)
        #expect(abs(l5.pseudorange! - (1.0e6 + e)) < 1e-9)
        // The project's LEO carriers: 1518 MHz and 1162 MHz.
        #expect(abs(l1.carrierPhase! - (5.0e6 + e * 1518.0e6 / 299_792_458)) < 1e-6)
        #expect(abs(l5.carrierPhase! - (5.0e6 + e * 1162.0e6 / 299_792_458)) < 1e-6)
        #expect(out.satellites[1] == epoch.satellites[1])
    }
}
