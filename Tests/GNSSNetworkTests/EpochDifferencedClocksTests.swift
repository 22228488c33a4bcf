import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// Clock corrections between the filter's updates, second by second, under a known truth: the regional network
/// (20 stations, reference-station noise, multipath and slips) on the real sky of 2020-06-25, the filter on the
/// day's real broadcast ephemerides, judged against the final clocks it never sees.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct EpochDifferencedClocksTests {
    /// The range error at `site` of `sat` at `t` (m): its broadcast state moved by the estimate's orbit correction, its
    /// clock the broadcast one plus the estimate's clock correction and `change`, against the true state.
    static func rangeError(_ e: SatelliteEstimate, change: Double, at t: GNSSTime, site: ECEF, _ precise: PreciseEphemeris) -> Double? {
        guard let truth = precise.signalState(e.satellite, at: t) else { return nil }
        let b = e.ephemeris.state(at: t)
        guard let axes = RadialAlongCross.axes(position: b.position, velocity: b.velocity) else { return nil }
        let position = b.position + e.orbit.radial * axes.radial + e.orbit.along * axes.along + e.orbit.cross * axes.cross
        guard LocalFrame(origin: site).enu(truth.position).azimuthElevation.elevation > 10 * Constants.degreesToRadians else { return nil }
        let unit = (1 / (truth.position - site).norm) * (truth.position - site)
        let clock = Constants.speedOfLight * SSRCorrections.broadcastClock(e.ephemeris, state: b, at: t) + e.clock + change
        return unit.dot(position - truth.position) - (clock - Constants.speedOfLight * truth.clockBias)
    }

    /// RMS over satellites and epochs of a per-epoch, per-system list of errors, each system's mean taken out (a clock
    /// shift common to a system's satellites is the datum's, and a user's receiver clock takes it).
    static func rms(_ epochs: [[SatelliteID: Double]]) -> Double {
        var sum = 0.0, count = 0
        for errors in epochs {
            for system in Set(errors.keys.map(\.system)) {
                let values = errors.filter { $0.key.system == system }.map(\.value)
                let mean = values.reduce(0, +) / Double(values.count)
                for v in values { sum += (v - mean) * (v - mean); count += 1 }
            }
        }
        return (sum / Double(max(count, 1))).squareRoot()
    }

    /// The regional network's stations and a reference-class receiver at each on the day's real sky (GPS, Galileo),
    /// seeded from `seed`, and the day's products.
    static func regionalReceivers(seed: UInt64) throws -> (Products, [NetworkStation], [ObservationSynthesizer]) {
        let products = try ESBCDay.products()
        let stations = ReferenceNetwork.regional.stations
        let sky = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
        let receivers = stations.enumerated().map { i, s in
            ObservationSynthesizer(sky: sky, station: s.position, model: NetworkExperiment.referenceStationModel, seed: seed + UInt64(i))
        }
        return (products, stations, receivers)
    }

    @Test func changesBetweenUpdatesFollowTheTrueClocks() throws {
        var (products, stations, receivers) = try Self.regionalReceivers(seed: 11)
        var filter = NetworkFilter(stations: stations)
        let t0 = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 9), scale: .gps)!
        func observations(at t: GNSSTime) -> [Int: ObservationEpoch] {
            var out: [Int: ObservationEpoch] = [:]
            for i in receivers.indices { out[i] = receivers[i].epoch(at: t).0 }
            return out
        }
        // Ten minutes of the filter every 30 s, then its update at t0.
        var t = t0 - 600
        while t < t0 {
            _ = filter.process(time: t, observations: observations(at: t), ephemerides: products.ephemerides)
            t = t + 30
        }
        let first = observations(at: t0)
        _ = filter.process(time: t0, observations: first, ephemerides: products.ephemerides)
        let estimates = filter.estimates.filter { $0.time == t0 }
        var clocks = EpochDifferencedClocks()
        clocks.restart(at: t0, estimates: estimates)
        _ = clocks.process(time: t0, observations: first, stations: stations)
        let bySatellite = Dictionary(uniqueKeysWithValues: estimates.map { ($0.satellite, $0) })
        // Then every second to the next update: the range error at ESBC (in the network's region, not one of its
        // stations) with the changes, and holding the update's clock (what a user has without high-rate clocks).
        let site = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)
        var followed: [[SatelliteID: Double]] = [], held: [[SatelliteID: Double]] = []
        var rejected = 0, solved: [Int] = []
        for k in 1...30 {
            let now = t0 + Double(k)
            let epoch = clocks.process(time: now, observations: observations(at: now), stations: stations)
            rejected += epoch.rejected
            solved.append(epoch.changes.count)
            var errors: [SatelliteID: Double] = [:], holding: [SatelliteID: Double] = [:]
            for (sat, change) in epoch.changes {
                guard let e = bySatellite[sat], let with = Self.rangeError(e, change: change, at: now, site: site, products.precise),
                      let without = Self.rangeError(e, change: 0, at: now, site: site, products.precise),
                      let atUpdate = Self.rangeError(e, change: 0, at: t0, site: site, products.precise) else { continue }
                // How far each has moved from the update's error (which no change can mend).
                errors[sat] = with - atUpdate
                holding[sat] = without - atUpdate
            }
            followed.append(errors)
            held.append(holding)
        }
        let withChanges = Self.rms(followed), withoutChanges = Self.rms(held)
        print(String(format: "clock corrections between updates, 30 s at 1 Hz, %d–%d satellites an epoch, %d differences left out: "
                     + "range error at ESBC moved from the update's by %.1f mm RMS with the epoch-differenced changes, %.1f mm holding the update's clocks",
                     solved.min() ?? 0, solved.max() ?? 0, rejected, withChanges * 1000, withoutChanges * 1000))
        #expect((solved.min() ?? 0) >= 15)
        #expect(withChanges < 0.005)
        #expect(withChanges < withoutChanges / 2)
    }
}
