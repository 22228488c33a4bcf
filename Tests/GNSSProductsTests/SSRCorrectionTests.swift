import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts
import Testing
import TestSupport

/// What SSR corrections do with what goes wrong in a stream: each case leaves the satellite out with its reason.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct SSRCorrectionTests {
    static let epoch = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400 + 9 * 3_600)
    static let satellite = SatelliteID(.gps, 2)

    /// The corrections of one orbit-and-clock epoch of ESBC's day, as the generator makes them.
    static func corrections() throws -> (SSRCorrections, [SSRUpdate]) {
        let p = SSRRoundTripTests.products
        var generator = try SSRGenerator(ephemerides: p.ephemerides, precise: p.precise, options: SSRGenerator.Options())
        var feed = SSRFeed(near: epoch)
        let updates = generator.messages(at: epoch).flatMap { feed.updates($0) }
        var store = SSRCorrections()
        for u in updates { store.add(u) }
        return (store, updates)
    }

    static func state(_ store: SSRCorrections, at t: GNSSTime) -> Result<SatelliteState, SSRUnavailable> {
        store.state(satellite, at: t, ephemerides: SSRRoundTripTests.products.ephemerides)
    }

    @Test func aFreshCorrectionIsApplied() throws {
        let (store, _) = try Self.corrections()
        let truth = try #require(SSRRoundTripTests.products.precise.signalState(Self.satellite, at: Self.epoch + 10))
        let s = try Self.state(store, at: Self.epoch + 10).get()
        #expect(s.position.distance(to: truth.position) < 0.01)
    }

    @Test func anIssueOfDataNoEphemerisHasIsReported() throws {
        var (store, _) = try Self.corrections()
        var orbit = try #require(store.orbit(Self.satellite))
        orbit.issueOfData = (orbit.issueOfData + 101) % 256
        store.add(orbit: orbit, for: Self.satellite)
        #expect(Self.state(store, at: Self.epoch + 10) == .failure(.noMatchingEphemeris(issueOfData: orbit.issueOfData)))
    }

    @Test func aCorrectionPastItsIntervalAndTheLatencyAllowanceIsStale() throws {
        let (store, _) = try Self.corrections()
        // Clocks every 5 s, 30 s allowed for latency and a lost update.
        #expect((try? Self.state(store, at: Self.epoch + 34).get()) != nil)
        guard case .failure(.stale) = Self.state(store, at: Self.epoch + 36) else {
            Issue.record("a 36 s old clock correction of a 5 s stream was used")
            return
        }
    }

    @Test func aJumpHoldsTheSatelliteOutUntilConfirmedThenCountsADiscontinuity() throws {
        var (store, _) = try Self.corrections()
        var clock = try #require(store.clock(Self.satellite))
        clock.epoch = Self.epoch + 5
        clock.polynomial[0] += 3
        store.add(clock: clock, for: Self.satellite)
        guard case .failure(.jump) = Self.state(store, at: Self.epoch + 6) else {
            Issue.record("a 3 m clock jump was applied at once")
            return
        }
        clock.epoch = Self.epoch + 10
        store.add(clock: clock, for: Self.satellite)
        #expect((try? Self.state(store, at: Self.epoch + 11).get()) != nil)
        #expect(store.discontinuity(Self.satellite) == 1)
        #expect(store.jumps == 1)
    }

    @Test func implausibleCorrectionsAndMixedIssuesAreRefused() throws {
        var (store, _) = try Self.corrections()
        var orbit = try #require(store.orbit(Self.satellite))
        orbit.offset.radial = 40
        orbit.issue.iodSSR = 3
        store.add(orbit: orbit, for: Self.satellite)
        #expect(Self.state(store, at: Self.epoch + 10) == .failure(.inconsistentIssues(orbit: SSRIssue(iodSSR: 3), clock: SSRIssue())))
        var clock = try #require(store.clock(Self.satellite))
        clock.issue.iodSSR = 3
        store.add(clock: clock, for: Self.satellite)
        guard case .failure(.implausible) = Self.state(store, at: Self.epoch + 10) else {
            Issue.record("a 40 m orbit correction was applied")
            return
        }
        #expect(store.discontinuity(Self.satellite) == 1, "the SSR issue changed")
    }

    /// The real SSR frames of ../shared/data/rtcm3 (as pyrtcm 1.2 counts them): each decodes, and each satellite's
    /// correction is applied or reported; here no ephemeris of those hours exists, so each is reported.
    @Test(arguments: [("pygpsdata-1240-1264.log", 13), ("pygpsdata-NTRIP-4076.log", 11), ("pygpsdata-RTCM3.log", 2)])
    func realFramesAreReadAndReported(file: String, ssrMessages: Int) throws {
        let capture = try SSRCapture.read([SharedData.path("rtcm3/" + file)], near: Self.epoch)
        #expect(capture.messages.values.reduce(0, +) == ssrMessages, "\(capture.messages)")
        #expect(capture.errors.isEmpty, "\(capture.errors)")
        var timeline = capture.timeline
        timeline.advance(to: Self.epoch + 86_400 * 7)
        let store = timeline.held
        var reasons: [String: Int] = [:]
        for sat in store.satellites {
            let time = try #require(store.orbit(sat)?.epoch ?? store.clock(sat)?.epoch)
            switch store.state(sat, at: time, ephemerides: EphemerisStore()) {
            case .success: Issue.record("\(sat) corrected without an ephemeris")
            case .failure(let why): reasons[why.label, default: 0] += 1
            }
        }
        print("\(file): \(capture.messages), \(store.satellites.count) satellites: \(reasons); left out \(timeline.feed.refused)")
        #expect(reasons.values.reduce(0, +) == store.satellites.count)
    }
}
