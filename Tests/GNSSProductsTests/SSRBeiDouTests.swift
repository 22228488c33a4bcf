import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts
import Testing
import TestSupport

/// BeiDou RTCM SSR (1258/1259) names its ephemeris by toe modulo and the low byte of a CRC over the ephemeris
/// parameters. On ESBC's day the real BeiDou ephemerides (RINEX 3.05 navigation) are corrected towards a known
/// truth: each broadcast orbit moved by fixed radial, along- and cross-track offsets and its clock by a metre. The
/// generated corrections, encoded, framed, decoded and applied, give the truth back (22 satellites: 0.24 mm orbit,
/// 0.05 mm clock at worst), from the ephemeris they name and no other; pyrtcm reads the same fields from the frames.
///
/// No BeiDou ephemeris and SSR stream of the same hours exist here, so the CRC rule is checked against the encoding
/// here, not against another provider's stream; RTKLIB 2.4.3 reads the older draft (a 24-bit IODCRC) and cannot be
/// the reference.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct SSRBeiDouTests {
    static let navigation = SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz")
    static let start = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400 + 6 * 3_600)
    static let offset = RadialAlongCross(radial: 0.4, along: -1.2, cross: 0.7)

    static func ephemerides() throws -> EphemerisStore {
        try Products.load(navigation: [navigation], sp3: [], clock: []).ephemerides
    }

    /// The ephemerides of each BeiDou satellite within the day differ in their SSR issue of data, whose upper part
    /// is the toe in 8-second units.
    @Test func issuesOfDataTellEphemeridesApart() throws {
        let store = try Self.ephemerides()
        let beidou = store.satellites.filter { $0.system == .beidou }
        #expect(beidou.count >= 20, "\(beidou.count) BeiDou satellites")
        for sat in beidou {
            let keplers = store.all(for: sat).compactMap { e -> KeplerEphemeris? in
                if case .kepler(let k) = e { return k }
                return nil
            }
            for k in keplers { #expect(k.beidouSSRIssue >> 8 == Int(k.toeSeconds / 8) % 1024) }
            // Ephemerides with different parameters: no two share an issue (toe modulo and CRC byte together).
            let distinct = Dictionary(grouping: keplers, by: \.beidouSSRIssue).filter { Set($0.value.map(\.sqrtA)).count > 1 }
            #expect(distinct.isEmpty, "\(sat): issues shared by different ephemerides \(distinct.keys.sorted())")
        }
    }

    struct Generated {
        var store: EphemerisStore
        var truth: PreciseEphemeris
        /// Each satellite's ephemeris the truth was made from.
        var held: [SatelliteID: Ephemeris]
        var messages: [SSRMessage]
        var frames: [UInt8]
    }

    /// Half an hour of BeiDou corrections from 06:00 towards the truth.
    static func generate() throws -> Generated {
        let store = try Self.ephemerides()
        let satellites = store.satellites.filter { $0.system == .beidou }
        // The truth: each satellite's broadcast at `start` (the ephemeris a receiver holds then), moved.
        var truth = PreciseEphemeris()
        var held: [SatelliteID: Ephemeris] = [:]
        for sat in satellites {
            guard let e = SSRGenerator.broadcastEphemeris(sat, in: store, at: Self.start, until: Self.start + 3_600) else { continue }
            held[sat] = e
            var t = Self.start - 600
            while t - Self.start <= 3_000 {
                let s = e.state(at: t)
                if let shift = Self.offset.ecef(position: s.position, velocity: s.velocity) {
                    truth.addPosition(sat, time: t, position: s.position - shift)
                }
                truth.addClock(sat, time: t, bias: SSRCorrections.broadcastClock(e, state: s, at: t) + 1 / Constants.speedOfLight
                               + 2 * s.position.dot(s.velocity) / (Constants.speedOfLight * Constants.speedOfLight))
                t = t + 30
            }
        }
        truth.finalise()
        var options = SSRGenerator.Options()
        options.systems = [.beidou]
        var generator = try SSRGenerator(ephemerides: store, precise: truth, options: options)
        var messages: [SSRMessage] = [], frames: [UInt8] = []
        var t = Self.start
        while t - Self.start < 1_800 {
            for m in generator.messages(at: t) {
                let payload = try RTCM3SSRCodec.encode(m)
                messages.append(try RTCM3SSRCodec.decode(payload: payload[...]))   // as quantised on the wire
                frames += RTCM3Framer.frame(payload)
            }
            t = t + options.clockInterval
        }
        return Generated(store: store, truth: truth, held: held, messages: messages, frames: frames)
    }

    @Test func correctionsApplyToTheEphemerisTheyName() throws {
        let (store, truth, held, frames) = try { () throws -> (EphemerisStore, PreciseEphemeris, [SatelliteID: Ephemeris], [UInt8]) in
            let g = try Self.generate()
            return (g.store, g.truth, g.held, g.frames)
        }()
        #expect(held.count >= 10, "\(held.count) BeiDou satellites with an ephemeris at 06:00")
        var framer = RTCM3Framer()
        framer.append(frames)
        var feed = SSRFeed(rtcmReference: .centreOfMass, near: Self.start)
        var decoder = RTCM3Decoder()
        var corrections = SSRCorrections()
        var types: Set<Int> = []
        while let item = framer.next() {
            guard case .frame(let f) = item, case .ssr(let m) = try decoder.decode(f) else { Issue.record("not SSR"); continue }
            types.insert(m.messageType)
            for u in feed.updates(m) { corrections.add(u) }
        }
        #expect(types == [1258, 1259, 1262])
        #expect(feed.refused.isEmpty, "\(feed.refused)")
        let check = Self.start + 1_797   // after the last updates (the store keeps the latest three of each)
        let lastOrbitUpdate = Self.start + 1_740
        var worstOrbit = 0.0, worstClock = 0.0
        for sat in held.keys {
            guard let expected = truth.signalState(sat, at: check) else { continue }
            let s = try corrections.state(sat, at: check, ephemerides: store).get()
            worstOrbit = max(worstOrbit, s.position.distance(to: expected.position))
            worstClock = max(worstClock, abs(s.clockBias - expected.clockBias) * Constants.speedOfLight)
            // The correction names the ephemeris a receiver held at the last orbit update, and no other: without
            // that one (by its toe), no ephemeris of the satellite has its issue.
            let named = try #require(SSRGenerator.broadcastEphemeris(sat, in: store, at: lastOrbitUpdate, until: lastOrbitUpdate + 90))
            #expect(corrections.orbit(sat)?.issueOfData == SSRGenerator.issueOfData(named))
            var others = EphemerisStore()
            for other in store.all(for: sat) where other.toe != named.toe { _ = others.add(other) }
            switch corrections.state(sat, at: check, ephemerides: others) {
            case .failure(.noMatchingEphemeris): break
            case let other: Issue.record("\(sat) without its ephemeris: \(other)")
            }
        }
        print(String(format: "BeiDou SSR round trip, %d satellites: worst orbit %.2f mm, worst clock %.2f mm", held.count, worstOrbit * 1000, worstClock * 1000))
        #expect(worstOrbit < 0.002, "worst orbit \(worstOrbit) m")
        #expect(worstClock < 0.002, "worst clock \(worstClock) m")
    }

    /// pyrtcm reads every generated frame with the values encoded, the toe modulo (DF470) and IOD (DF471) included.
    @Test(.enabled(if: pyrtcmAvailable, "needs pyrtcm (pip install pyrtcm)"))
    func pyrtcmReadsTheStream() throws {
        let g = try Self.generate()
        let path = NSTemporaryDirectory() + "ssr-beidou-pyrtcm-\(getpid()).rtcm3"
        try Data(g.frames).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try SSRPyrtcmTests.python(["-c", SSRPyrtcmTests.script, path]).split(separator: "\n")
        try #require(lines.count == g.messages.count, "pyrtcm read \(lines.count) frames of \(g.messages.count)")
        var compared = 0
        for (line, m) in zip(lines, g.messages) {
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(fields["error"] == nil, "\(fields)")
            compared += SSRPyrtcmTests.compare(fields, m)
        }
        #expect(compared > 10_000, "\(compared) values compared")
    }
}
