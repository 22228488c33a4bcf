import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import Gateway
import Testing
import TestSupport

/// PPP on the broadcast ephemerides with SSR made from GRG's orbits and clocks (5 s clocks, 60 s orbits, each
/// correction used from 5 s after its epoch), against the same PPP on the SP3 and clock files: the real-time path gives
/// what the post-processed one gives.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"), .serialized)
struct SSRPPPTests {
    /// ESBC's day with the satellites' horizontal antenna offsets and a 7° mask, as the kinematic accuracy test runs it.
    static func configuration(antex: String) -> ReplayConfiguration {
        var c = ReplayTests.esbcPPP()
        c.antex = antex
        c.profile.elevationMask = 7 * Constants.degreesToRadians
        return c
    }

    /// Writes the SSR stream of the day's products to a file, the orbits to `reference`.
    static func correctionStream(_ reference: SSRReferencePoint, antex: String, name: String, until: GNSSTime? = nil,
                                 alter: (inout SSRMessage, GNSSTime) -> Void = { _, _ in }) throws -> String {
        let c = configuration(antex: antex)
        let products = try Products.load(navigation: c.navigation, sp3: c.sp3, clock: c.clock, antex: antex)
        var options = SSRGenerator.Options()
        options.reference = reference
        let models = AntennaModels(calibrations: products.antennas, receiverType: nil, eccentricity: ENU(east: 0, north: 0, up: 0))
        var generator = try SSRGenerator(ephemerides: products.ephemerides, precise: products.precise, options: options,
                                         antennaOffset: models.ionosphereFreeSatelliteOffset)
        let span = try #require(products.precise.orbitSpan)
        var bytes: [UInt8] = []
        var t = span.lowerBound
        while !((until ?? span.upperBound) < t) {
            for var m in generator.messages(at: t) {
                alter(&m, t)
                bytes += RTCM3Framer.frame(try RTCM3SSRCodec.encode(m))
            }
            t = t + options.clockInterval
        }
        let path = NSTemporaryDirectory() + "ssr-ppp-\(getpid())-\(name).rtcm3"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func withSSR(_ c: ReplayConfiguration, stream: String, reference: SSRReferencePoint) -> ReplayConfiguration {
        var out = c
        out.sp3 = []
        out.clock = []
        out.ssr = [stream]
        out.ssrReference = reference
        out.ssrLatency = 5
        return out
    }

    static func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }

    /// The satellites' horizontal antenna offsets, and the static and kinematic runs on the SP3 and clock files.
    static let precise: Result<(antex: String, truth: ECEF, kinematicErrors: [Double]), any Error> = Result {
        let antex = try AntennaModelTests.write(ANTEXText.satelliteHorizontalOffsets(galileoFOC: 120), "ssr-ppp")
        var c = configuration(antex: antex)
        c.profile.dynamics = .static
        let truth = try #require(ReplayTests.solutions(c).last).position
        c.profile.dynamics = .kinematic
        return (antex, truth, try ReplayTests.solutions(c).map { $0.position.distance(to: truth) })
    }

    @Test("Kinematic and static PPP on SSR match PPP on the SP3 and clock files", arguments: SSRReferencePoint.allCases)
    func pppOnSSR(reference: SSRReferencePoint) throws {
        let (antex, truth, kinematicPrecise) = try Self.precise.get()
        let stream = try Self.correctionStream(reference, antex: antex, name: reference.rawValue)
        defer { try? FileManager.default.removeItem(atPath: stream) }
        var onSSR = Self.withSSR(Self.configuration(antex: antex), stream: stream, reference: reference)
        onSSR.profile.dynamics = .static
        let (staticSSR, summary) = try ReplayTests.replay(onSSR)
        #expect(summary.remarks.contains { $0.hasPrefix("SSR: ") && $0.contains("1058 ×") }, "\(summary.remarks)")
        let staticDifference = try #require(staticSSR.last).position.distance(to: truth)
        #expect(staticDifference < 0.02, "static on SSR is \(staticDifference) m from static on SP3/CLK")

        onSSR.profile.dynamics = .kinematic
        let kinematicSSR = try ReplayTests.solutions(onSSR)
        #expect(kinematicSSR.count >= 2840)
        #expect(kinematicSSR.allSatisfy { $0.quality == .ppp })
        let errors = kinematicSSR.map { $0.position.distance(to: truth) }
        // 00:00:30 is the first epoch: from index 59 on, 30 minutes have passed.
        let worst = errors.dropFirst(59).max() ?? .infinity
        let medianSSR = Self.median(Array(errors.suffix(1440))), medianPrecise = Self.median(Array(kinematicPrecise.suffix(1440)))
        print("PPP on SSR (\(reference)): static \(staticDifference) m from SP3/CLK's; kinematic worst after 30 min \(worst) m, "
              + "median of the last 12 h \(medianSSR) m (SP3/CLK \(medianPrecise) m)")
        #expect(worst < 0.10, "largest 3D error after 30 min: \(worst) m")
        #expect(abs(medianSSR - medianPrecise) < 0.01)
    }

    /// A correction stream that stops at noon: from half a minute later (the clocks' interval and the latency
    /// allowance), no epoch is positioned, and each says why; none is positioned wrong.
    @Test func aStreamThatStopsLeavesEpochsUnsolvedWithTheReason() throws {
        let (antex, truth, _) = try Self.precise.get()
        let noon = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400 + 12 * 3_600)
        let stream = try Self.correctionStream(.centreOfMass, antex: antex, name: "stops", until: noon)
        defer { try? FileManager.default.removeItem(atPath: stream) }
        var c = Self.withSSR(Self.configuration(antex: antex), stream: stream, reference: .centreOfMass)
        c.format = .json
        var positionedAfter = 0
        var worstBefore = 0.0
        let summary = try ReplayRunner(configuration: c).run { line in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let time = o["time"] as? String, let e = o["ecef"] as? [Double] else { return }
            if time >= "2020-06-25T12:01" {
                positionedAfter += 1
            } else if time >= "2020-06-25T00:30", time < "2020-06-25T12:00" {
                worstBefore = max(worstBefore, ECEF(e[0], e[1], e[2]).distance(to: truth))
            }
        }
        #expect(worstBefore < 0.10)
        #expect(positionedAfter == 0)
        // 12:00:35 to 23:45:30: the epochs without a solution, each with the reason.
        let unsolved = summary.notes.filter { $0.key.contains("stale") }.values.reduce(0, +)
        #expect(unsolved >= 1_400, "\(summary.notes)")
    }

    /// From 12:30:30 on, one satellite's clock corrections are 3 m higher (a provider's clock datum moved for it, its
    /// SSR issue unchanged; not at an orbit update, where a new ephemeris issue may step the clock correction). The
    /// corrections hold the satellite out until the next update confirms the step, and PPP restarts its ambiguity: it
    /// stays in use, epoch for epoch as without the step, where a filter keeping the old ambiguity would reject it.
    @Test func aClockJumpRestartsTheSatelliteInsteadOfLosingIt() throws {
        let (antex, truth, _) = try Self.precise.get()
        let step = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400 + 12 * 3_600 + 30 * 60 + 30)
        let jumping = SatelliteID(.gps, 7)
        func run(_ name: String, stepped: Bool) throws -> [Solution] {
            let stream = try Self.correctionStream(.centreOfMass, antex: antex, name: name) { m, t in
                guard stepped, !(t < step), m.kind == .clock else { return }
                for i in m.satellites.indices where m.satellites[i].satellite == jumping { m.satellites[i].clock?[0] += 3 }
            }
            defer { try? FileManager.default.removeItem(atPath: stream) }
            return try ReplayTests.solutions(Self.withSSR(Self.configuration(antex: antex), stream: stream, reference: .centreOfMass))
        }
        let plain = try run("plain", stepped: false), stepped = try run("stepped", stepped: true)
        try #require(plain.count == stepped.count && plain.count >= 2_840)
        // 12:31:00 is epoch 1501 (the first is 00:00:30); G07 sets at ESBC before 14:00.
        let after = Array(1501..<1681)
        let sameCount = after.filter { plain[$0].satellites == stepped[$0].satellites }.count
        let worst = after.map { stepped[$0].position.distance(to: truth) }.max() ?? .infinity
        print("PPP on SSR with a 3 m clock step of \(jumping) at 12:30:30: \(sameCount) of \(after.count) epochs to 14:00 use as many "
              + "satellites as without it; worst 3D error \(worst) m")
        #expect(stepped.allSatisfy { $0.quality == .ppp })
        #expect(sameCount >= after.count * 95 / 100)
        #expect(worst < 0.10)
    }
}
