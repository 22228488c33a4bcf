import Testing
import GNSSCore
@testable import GNSSOrbits

/// SSR corrections of LEO satellites (4058/2) applied to their broadcast ephemerides (4058/1), chosen by issue of data.
@Suite struct LEOSSRCorrectionTests {
    static let sat = SatelliteID(.leo, 42)
    static let t0 = GNSSTime(gpsWeek: 2345, secondOfWeek: 302_400)

    /// A straight pass along y at 7.35 km/s, 7000 km from the centre along x: radial is x, along-track y, cross-track z.
    static func ephemeris(issue: Int, reference: GNSSTime = t0, healthy: Bool = true, offset: Double = 0) -> LEOEphemeris {
        LEOEphemeris(satellite: sat, reference: reference, halfWidth: 60, x: [7_000_000 + offset], y: [0, 7_350 * 60], z: [0],
                     clock: [1e-6, 1e-11, 0], issue: issue, healthy: healthy)
    }

    @Test func selectsByIssueOfData() {
        var store = LEOEphemerisStore()
        store.add(Self.ephemeris(issue: 4))
        store.add(Self.ephemeris(issue: 5, reference: Self.t0 + 100, offset: 1))
        store.add(Self.ephemeris(issue: 6, reference: Self.t0 + 200, healthy: false))
        #expect(store.select(Self.sat, issue: 4, near: Self.t0 + 50)?.issue == 4)
        #expect(store.select(Self.sat, issue: 5, near: Self.t0 + 50)?.issue == 5)
        #expect(store.select(Self.sat, issue: 4, near: Self.t0 + 70) == nil)     // beyond issue 4's window
        #expect(store.select(Self.sat, issue: 6, near: Self.t0 + 200) == nil)    // unhealthy
        #expect(store.select(Self.sat, issue: 7, near: Self.t0) == nil)
        #expect(store.select(SatelliteID(.leo, 1), issue: 4, near: Self.t0) == nil)
        // An issue that comes back (modulo 256): the one whose window holds the time.
        store.add(Self.ephemeris(issue: 4, reference: Self.t0 + 1000, offset: 2))
        #expect(store.select(Self.sat, issue: 4, near: Self.t0 + 990)?.reference == Self.t0 + 1000)
        #expect(store.select(Self.sat, issue: 4, near: Self.t0 + 10)?.reference == Self.t0)
        #expect(store.satellites == [Self.sat] && store.all(for: Self.sat).count == 4)
    }

    @Test func correctionMovesTheBroadcastOrbitAndAddsToItsClock() throws {
        var store = LEOEphemerisStore()
        store.add(Self.ephemeris(issue: 4))
        store.add(Self.ephemeris(issue: 5, reference: Self.t0 + 100, offset: 1))
        let epoch = Self.t0 + 5
        var corrections = SSRCorrections()
        corrections.add(orbit: SSROrbitCorrection(epoch: epoch, updateInterval: 5, issueOfData: 4, issue: SSRIssue(),
                                                  offset: RadialAlongCross(radial: 0.1, along: -0.2, cross: 0.05),
                                                  rate: RadialAlongCross(radial: 0.001, along: 0.002, cross: 0), referencePoint: .antennaPhaseCentre),
                        for: Self.sat)
        corrections.add(clock: SSRClockCorrection(epoch: epoch, updateInterval: 5, issue: SSRIssue(), polynomial: [0.3, 0.01, 0]),
                        for: Self.sat)
        #expect(corrections.corrects(.leo) && corrections.corrects(Self.sat) && !corrections.corrects(.gps))
        // 10 s after the ephemeris reference: r·v ≠ 0, and no relativistic term may be added to the broadcast clock.
        let t = Self.t0 + 10
        let s = try corrections.state(Self.sat, at: t, leo: store).get()
        let b = try #require(store.select(Self.sat, issue: 4, near: t)?.state(at: t))
        #expect(b.position.dot(b.velocity) != 0)
        let dt = t - (epoch + 2.5)
        let expected = ECEF(b.position.x - (0.1 + 0.001 * dt), b.position.y + (0.2 - 0.002 * dt), b.position.z - 0.05)
        #expect((s.position - expected).norm < 1e-6, "\(s.position) vs \(expected)")
        #expect(abs((s.clockBias - b.clockBias) * Constants.speedOfLight - (0.3 + 0.01 * dt)) < 1e-9)
        #expect(abs((s.clockDrift - b.clockDrift) * Constants.speedOfLight - 0.01) < 1e-12)
        // The correction names issue 4: not the other ephemeris, even where that one is nearer.
        let later = try corrections.state(Self.sat, at: Self.t0 + 40, leo: store).get()
        #expect(abs(later.position.x - (7_000_000 - (0.1 + 0.001 * 32.5))) < 1e-6)
        // No ephemeris of the named issue at the time: refused, as for GNSS satellites.
        var patient = corrections
        patient.latencyAllowance = 60
        #expect(throws: SSRUnavailable.noMatchingEphemeris(issueOfData: 4)) { try patient.state(Self.sat, at: Self.t0 + 61, leo: store).get() }
        #expect(throws: SSRUnavailable.stale(age: 95)) { try corrections.state(Self.sat, at: Self.t0 + 100, leo: store).get() }
        // A GNSS ephemeris store has no LEO ephemerides.
        #expect(throws: SSRUnavailable.noMatchingEphemeris(issueOfData: 4)) {
            try corrections.state(Self.sat, at: t, ephemerides: EphemerisStore()).get()
        }
    }
}
