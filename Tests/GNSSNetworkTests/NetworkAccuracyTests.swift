import GNSSCore
import GNSSFormats
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import TestSupport
import Testing

/// The accuracy the DPC's corrections claim: each satellite's SSR URA comes from its estimate's formal range sigma, so
/// a satellite the network knows poorly is weighted down by its users.
@Suite struct NetworkAccuracyTests {
    @Test("each satellite's URA covers its estimate's sigma, and a poorly known satellite claims more",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func uraFromSigmas() throws {
        let products = try ESBCDay.products()
        let t = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 12), scale: .gps)!
        let satellites = try ["G05", "G07", "E11"].map { try #require(SatelliteID(rinex: $0)) }
        let sigmas: [(orbit: Double, clock: Double, range: Double)] = [(0.02, 0.01, 0.012), (1.0, 0.3, 0.45), (0.05, 0.02, 0.03)]
        let estimates = try zip(satellites, sigmas).map { sat, sigma in
            SatelliteEstimate(satellite: sat, time: t, ephemeris: try #require(products.ephemerides.select(sat, at: t, requireHealthy: false)),
                              orbit: RadialAlongCross(radial: 0.1, along: -0.2, cross: 0.05), clock: 0.3,
                              orbitSigma: sigma.orbit, clockSigma: sigma.clock, rangeSigma: sigma.range)
        }
        var options = SSRGenerator.Options()
        options.systems = [.gps, .galileo]
        let frames = NetworkFeed.frames(of: estimates, epoch: t, interval: 30, options: options)
        var ura: [SatelliteID: Int] = [:]
        var types: Set<Int> = []
        for frame in frames {
            var framer = RTCM3Framer()
            framer.append(frame)
            guard case .frame(let f)? = framer.next() else { continue }
            let m = try RTCM3SSRCodec.decode(payload: f.payload[...])
            types.insert(m.messageType)
            for s in m.satellites where m.kind == .ura { ura[s.satellite] = s.ura }
        }
        // GPS orbit, clock and URA (1057, 1058, 1061); Galileo's (1240, 1241, 1244).
        #expect(types == [1057, 1058, 1061, 1240, 1241, 1244], "\(types.sorted())")
        for e in estimates {
            let index = try #require(ura[e.satellite], "\(e.satellite)")
            let claimed = try #require(SSRCorrections.accuracy(index: index))
            // The smallest class value at or above the sigma: above it, and not by more than one step of the table.
            #expect(claimed >= e.rangeSigma, "\(e.satellite): \(claimed) m for σ \(e.rangeSigma) m")
            #expect((SSRCorrections.accuracy(index: index - 1) ?? 0) < e.rangeSigma)
        }
        #expect(ura[satellites[1]]! > ura[satellites[0]]!)
    }
}
