import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts
import Testing
import TestSupport

/// Broadcast ephemerides plus SSR generated from GRG's final orbits and clocks, encoded as RTCM 3 frames, framed,
/// decoded and applied, against the same orbits and clocks interpolated directly.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct SSRRoundTripTests {
    static let folder = "ppp-esbc-2020177/"
    static let products: Products = {
        try! Products.load(navigation: [SharedData.path(folder + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")],
                           sp3: [SharedData.path(folder + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")],
                           clock: [SharedData.path(folder + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")])
    }()

    struct Errors {
        var orbit: [GNSSSystem: [Double]] = [:]
        var clock: [GNSSSystem: [Double]] = [:]
        var unavailable: [String: Int] = [:]

        static func rms(_ v: [Double]) -> Double { (v.map { $0 * $0 }.reduce(0, +) / Double(max(v.count, 1))).squareRoot() }
    }

    /// Generates over `span` hours from 06:00, through the encoder and decoder, and compares every 30 s (7 s after a
    /// clock update, up to 60 s after an orbit update).
    static func roundTrip(format: SSRGenerator.Format, hours: Double = 4) throws -> Errors {
        let p = products
        var options = SSRGenerator.Options()
        options.systems = [.gps, .glonass, .galileo]
        options.format = format
        var generator = try SSRGenerator(ephemerides: p.ephemerides, precise: p.precise, options: options)
        let start = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400 + 6 * 3_600)
        var frames: [UInt8] = []
        var t = start
        while t - start <= hours * 3_600 {
            for m in generator.messages(at: t) { frames += RTCM3Framer.frame(try RTCM3SSRCodec.encode(m)) }
            t = t + options.clockInterval
        }
        var framer = RTCM3Framer()
        framer.append(frames)
        var feed = SSRFeed(rtcmReference: .centreOfMass, near: start)
        var updates: [SSRUpdate] = []
        var decoder = RTCM3Decoder()
        while let item = framer.next() {
            guard case .frame(let f) = item, case .ssr(let m) = try decoder.decode(f) else { Issue.record("not SSR"); continue }
            updates += feed.updates(m)
        }
        var corrections = SSRCorrections()
        var errors = Errors()
        var next = 0
        var check = start + 67
        while check - start < hours * 3_600 {
            // Accuracies carry no time of their own: they apply with the orbit update they follow.
            while next < updates.count, updates[next].epoch.map({ !(check < $0) }) ?? true {
                corrections.add(updates[next])
                next += 1
            }
            for sat in p.precise.satellites where options.systems.contains(sat.system) {
                guard let truth = p.precise.signalState(sat, at: check) else { continue }
                switch corrections.state(sat, at: check, ephemerides: p.ephemerides) {
                case .success(let s):
                    errors.orbit[sat.system, default: []].append(s.position.distance(to: truth.position))
                    errors.clock[sat.system, default: []].append((s.clockBias - truth.clockBias) * 1e9)
                case .failure(let why): errors.unavailable[why.label, default: 0] += 1
                }
            }
            check = check + 30
        }
        return errors
    }

    @Test("SSR reproduces GRG's orbits within 2 cm RMS and clocks within 0.1 ns RMS, GPS, GLONASS and Galileo", arguments: SSRGenerator.Format.allCases)
    func roundTrip(format: SSRGenerator.Format) throws {
        let e = try Self.roundTrip(format: format)
        for system in [GNSSSystem.gps, .glonass, .galileo] {
            let orbits = e.orbit[system] ?? [], clocks = e.clock[system] ?? []
            print("SSR round trip \(format) \(system): \(orbits.count) states, orbit RMS \(Errors.rms(orbits) * 100) cm, clock RMS \(Errors.rms(clocks)) ns; unavailable \(e.unavailable)")
            #expect(orbits.count > 2_000)
            #expect(Errors.rms(orbits) < 0.02)
            #expect(Errors.rms(clocks) < 0.1)
        }
    }
}
