import Foundation
import GNSSCore
import GNSSFormats
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// The DPC's feed with high-rate clocks: stations' RTCM 3 (1006, ephemerides, MSM7) at 1 Hz in, the filter's orbit,
/// clock and URA messages every 30 s and SSR high-rate clock messages (1062, 1245) every second between them out.
/// A user at ESBC applying the stream as it comes (decoded, as a gateway's corrections station would) against the same
/// stream without the high-rate messages: the range errors' RMS (each system's common part removed) over the 30 s.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct NetworkHighRateTests {
    @Test func highRateClocksKeepTheCorrectionsBetweenUpdates() throws {
        var (products, stations, receivers) = try EpochDifferencedClocksTests.regionalReceivers(seed: 31)
        let t0 = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 9), scale: .gps)!
        var feed = NetworkFeed(interval: 30, holdback: 2)
        feed.highRate = 1
        // Each station's first record: its coordinates and the broadcast ephemerides of the hours around.
        var ephemerisFrames: [UInt8] = []
        for sat in products.ephemerides.satellites where [.gps, .galileo].contains(sat.system) {
            for e in products.ephemerides.all(for: sat) where abs(e.toe - t0) < 3 * 3_600 {
                if let payload = try? RTCM3EphemerisCodec.encode(e) { ephemerisFrames += RTCM3Framer.frame(payload) }
            }
        }
        var out: [(time: GNSSTime, frames: [UInt8])] = []
        func send(_ t: GNSSTime, first: Bool = false) throws {
            for (i, station) in stations.enumerated() {
                var bytes = first ? RTCM3Framer.frame(StationCoordinates(stationID: i, position: station.position).encode()) + ephemerisFrames : []
                for f in try RTCM3Encoder.msmFrames(epoch: receivers[i].epoch(at: t).0, stationID: i) { bytes += f }
                let frames = feed.add(station: "S\(i)", time: t, rtcm: bytes)
                if !frames.isEmpty { out.append((t, frames.flatMap { $0 })) }
            }
        }
        // Ten minutes every 30 s, then every second for the 30 s after an update.
        var t = t0 - 600
        try send(t, first: true)
        t = t + 30
        while t <= t0 {
            try send(t)
            t = t + 30
        }
        for k in 1...31 { try send(t0 + Double(k)) }
        #expect(feed.highRateEpochs >= 30, "\(feed.highRateEpochs) high-rate epochs")
        // The user side: the stream decoded as it came, with and without its high-rate messages.
        var ssr = SSRFeed(rtcmReference: .antennaPhaseCentre, near: t0)
        var decoder = RTCM3Decoder()
        var all = SSRCorrections(), plain = SSRCorrections()
        var highRateMessages = 0
        var next = 0
        let site = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)
        var with: [[SatelliteID: Double]] = [], without: [[SatelliteID: Double]] = []
        var atUpdate: [SatelliteID: Double] = [:]
        for k in 0...29 {
            let now = t0 + Double(k)
            while next < out.count, !(now < out[next].time) {
                var framer = RTCM3Framer()
                framer.append(out[next].frames)
                while let item = framer.next() {
                    guard case .frame(let f) = item, case .ssr(let m) = try decoder.decode(f) else { continue }
                    if m.kind == .highRateClock { highRateMessages += 1 }
                    for u in ssr.updates(m) {
                        all.add(u)
                        if case .highRateClock = u { continue }
                        plain.add(u)
                    }
                }
                next += 1
            }
            var a: [SatelliteID: Double] = [:], b: [SatelliteID: Double] = [:]
            for sat in all.satellites {
                guard let truth = products.precise.signalState(sat, at: now),
                      LocalFrame(origin: site).enu(truth.position).azimuthElevation.elevation > 10 * Constants.degreesToRadians,
                      case .success(let s1) = all.state(sat, at: now, ephemerides: products.ephemerides),
                      case .success(let s2) = plain.state(sat, at: now, ephemerides: products.ephemerides) else { continue }
                let unit = (1 / (truth.position - site).norm) * (truth.position - site)
                func error(_ s: SatelliteState) -> Double {
                    unit.dot(s.position - truth.position) - Constants.speedOfLight * (s.clockBias - truth.clockBias)
                }
                if k == 0 {
                    atUpdate[sat] = error(s2)
                } else if let e0 = atUpdate[sat] {
                    // How far each has moved from the update's error (which no change can mend).
                    a[sat] = error(s1) - e0
                    b[sat] = error(s2) - e0
                }
            }
            if k > 0 {
                with.append(a)
                without.append(b)
            }
        }
        let rmsWith = EpochDifferencedClocksTests.rms(with), rmsWithout = EpochDifferencedClocksTests.rms(without)
        print(String(format: "user at ESBC, 29 s after an update at 1 Hz: %d high-rate messages; the range error moved from the update's by %.1f mm RMS with them, %.1f mm without",
                     highRateMessages, rmsWith * 1000, rmsWithout * 1000))
        #expect(highRateMessages >= 58)   // GPS and Galileo, every second between the updates
        #expect(rmsWith < rmsWithout)
    }
}
