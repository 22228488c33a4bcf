import Foundation
import GNSSCore
import GNSSOrbits
import GNSSPositioning
import Gateway
import Testing
import TestSupport

/// SPP on SSR: the broadcast orbits' and clocks' metres give way to the code's own noise.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"), .serialized)
struct SSRSPPTests {
    @Test("SPP of ESBC's day on SSR is closer to the truth than on the broadcast ephemerides")
    func sppOnSSR() throws {
        let (antex, _, _) = try SSRPPPTests.precise.get()
        let stream = try SSRPPPTests.correctionStream(.centreOfMass, antex: antex, name: "spp")
        defer { try? FileManager.default.removeItem(atPath: stream) }
        var broadcast = ReplayTests.esbcPPP()
        broadcast.profile = PositioningProfile(mode: .spp, systems: [.gps, .galileo])
        broadcast.sp3 = []
        broadcast.clock = []
        var corrected = broadcast
        corrected.ssr = [stream]
        corrected.ssrReference = .centreOfMass
        corrected.ssrLatency = 5
        let truth = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)
        func errors(_ c: ReplayConfiguration) throws -> [Double] {
            try ReplayTests.solutions(c).filter { $0.quality == .single }.map { $0.position.distance(to: truth) }.sorted()
        }
        let onBroadcast = try errors(broadcast), onSSR = try errors(corrected)
        let medianBroadcast = onBroadcast[onBroadcast.count / 2], medianSSR = onSSR[onSSR.count / 2]
        let p95Broadcast = onBroadcast[onBroadcast.count * 95 / 100], p95SSR = onSSR[onSSR.count * 95 / 100]
        print("SPP, ESBC's day, GPS+Galileo: median 3D error \(medianBroadcast) m on broadcast, \(medianSSR) m on SSR; "
              + "95 % \(p95Broadcast) m and \(p95SSR) m; \(onBroadcast.count) and \(onSSR.count) epochs")
        #expect(onSSR.count > 2_800)
        #expect(medianSSR < medianBroadcast && p95SSR < p95Broadcast)
    }
}
