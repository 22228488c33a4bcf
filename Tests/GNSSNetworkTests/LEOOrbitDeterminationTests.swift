import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing

/// The LEO orbit and clock determination under a known truth: the simulator's LEO constellation (J2 orbits, clocks with
/// white frequency noise) whose onboard receivers track the real GNSS sky of 2020-06-25 (its final orbits and clocks).
@Suite(.serialized) struct LEOOrbitDeterminationTests {
    static let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 0, minute: 35), scale: .gps)!
    static let sky = LEOSky(start: start - 300, span: 3600, seed: 11)
    static let satellites = [1, 40, 130, 250].map { SatelliteID(.leo, $0) }

    /// An onboard receiver on the satellite's own clock.
    static func receiver(_ sat: SatelliteID, gnss: any SatelliteSky) -> ObservationSynthesizer {
        var model = SimulationScenario.onboardModel
        model.satelliteClock = true
        return ObservationSynthesizer(sky: gnss, trajectory: .onboard(sky: sky, satellite: sat), model: model, seed: 500 &+ UInt64(sat.prn))
    }

    static func precise() throws -> (PreciseEphemeris, PreciseSky) {
        let precise = try ESBCDay.products().precise
        return (precise, PreciseSky(ephemeris: precise, systems: [.gps, .galileo]))
    }

    static func truth(_ sat: SatelliteID, at t: GNSSTime) -> SatelliteState? {
        guard let now = sky.state(sat, at: t), let a = sky.state(sat, at: t + 0.5), let b = sky.state(sat, at: t - 0.5) else { return nil }
        return SatelliteState(position: now.position, velocity: a.position - b.position, clockBias: now.clock, clockDrift: 0)
    }

    @Test("a 20-minute arc fitted with the zonal field to J4 predicts the orbit 60 s ahead within 5 cm, though the truth adds radiation pressure and drag")
    func forceModelPredicts() throws {
        for sat in Self.satellites {
            let samples = stride(from: 0.0, through: 1200, by: 10).map { dt -> LEOOrbitFit.Sample in
                let t = Self.start + dt
                return LEOOrbitFit.Sample(time: t, position: Self.sky.state(sat, at: t)!.position, sigma: 0.01)
            }
            let orbit = try #require(LEOOrbitFit.fit(samples))
            #expect(orbit.rms < 0.01)
            let t = Self.start + 1260
            let error = (orbit.state(at: t).position - Self.sky.state(sat, at: t)!.position).norm
            #expect(error < 0.05, "\(sat): \(error) m 60 s ahead")
            // Without J2 the same arc misses by far more: the force model matters.
            var kepler = LEOForceModel()
            kepler.j2 = false
            kepler.j3j4 = false
            let keplerOrbit = try #require(LEOOrbitFit.fit(samples, model: kepler))
            #expect((keplerOrbit.state(at: t).position - Self.sky.state(sat, at: t)!.position).norm > 10 * error)
        }
    }

    @Test("kinematic PPP of a LEO satellite on precise GNSS orbits and clocks is good to centimetres",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func kinematicPosition() throws {
        let (precise, gnss) = try Self.precise()
        let sat = Self.satellites[0]
        var receiver = Self.receiver(sat, gnss: gnss)
        var filter = LEOKinematicFilter()
        var squares = 0.0, clockSquares = 0.0, count = 0.0
        for dt in stride(from: 0.0, to: 1500, by: 10) {
            let t = Self.start + dt
            let (epoch, _) = receiver.epoch(at: t)
            let solution = filter.process(epoch, gnss: { s, time in precise.signalState(s, at: time).map { ($0, 0.01) } })
            guard dt >= 900, let solution else { continue }
            let truth = Self.sky.state(sat, at: t)!
            squares += pow((solution.position - truth.position).norm, 2)
            clockSquares += pow(solution.clock - Constants.speedOfLight * truth.clock, 2)
            count += 1
        }
        let rms = (squares / count).squareRoot(), clockRMS = (clockSquares / count).squareRoot()
        print(String(format: "kinematic LEO position RMS %.1f cm, clock %.1f cm", rms * 100, clockRMS * 100))
        #expect(count > 50)
        #expect(rms < 0.10)
    }

    /// Runs the determination on the test's satellites from `start` for `duration` seconds, onboard data of `stopped`
    /// ending at `stop`; LEO corrections every 10 s against a broadcast of realistic error. Calls `judge` every 10 s.
    static func determine(duration: Double, stopped: SatelliteID? = nil, stop: Double = .infinity,
                          judge: (GNSSTime, SSRCorrections, LEOEphemerisStore) -> Void) throws {
        let (precise, gnss) = try Self.precise()
        var store = LEOEphemerisStore()
        for e in NetworkExperiment.realisticSegment.ephemerides(sky: Self.sky, from: Self.start - 120, to: Self.start + duration + 120, seed: 12)
        where Self.satellites.contains(e.satellite) {
            store.add(e)
        }
        var receivers = Dictionary(uniqueKeysWithValues: Self.satellites.map { ($0, Self.receiver($0, gnss: gnss)) })
        var determination = LEOOrbitDetermination()
        var corrections = SSRCorrections()
        for dt in stride(from: 0.0, to: duration, by: 10) {
            let t = Self.start + dt
            for sat in Self.satellites where !(sat == stopped && dt >= stop) {
                let (epoch, _) = receivers[sat]!.epoch(at: t)
                determination.process(sat, epoch: epoch, gnss: { s, time in precise.signalState(s, at: time).map { ($0, 0.02) } })
            }
            determination.add(at: t, broadcast: store, interval: 10, into: &corrections)
            judge(t, corrections, store)
        }
    }

    @Test("after a 20-minute arc, broadcast plus the 4058/2 corrections are within 10 cm SISRE of the truth",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func correctedSISRE() throws {
        let c = Constants.speedOfLight
        var broadcast = SignalInSpaceError(), corrected = SignalInSpaceError()
        var served = 0
        try Self.determine(duration: 1800) { t, corrections, store in
            guard t - Self.start >= 1200 else { return }
            var alone: [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)] = [], fixed = alone
            for sat in Self.satellites {
                guard let truth = Self.truth(sat, at: t), let b = store.state(sat, at: t),
                      case .success(let s) = corrections.state(sat, at: t + 5, leo: store), let later = Self.truth(sat, at: t + 5) else { continue }
                served += 1
                alone.append((sat, b.position - truth.position, c * (b.clockBias - truth.clockBias), truth))
                // Half an update interval on: the corrections serve the interval after their epoch.
                fixed.append((sat, s.position - later.position, c * (s.clockBias - later.clockBias), later))
            }
            broadcast.add(epoch: alone)
            corrected.add(epoch: fixed)
        }
        let before = try #require(broadcast.rms[.leo]), after = try #require(corrected.rms[.leo])
        let parts = try #require(corrected.parts[.leo])
        print(String(format: "LEO SISRE broadcast %.1f cm, corrected %.1f cm (radial-clock %.1f, along-cross %.1f), %d served",
                     before * 100, after * 100, parts.radialClock * 100, parts.alongCross * 100, served))
        #expect(served >= 4 * 55)
        #expect(after < 0.10)
        #expect(after < before / 2)
    }

    @Test("a LEO satellite whose onboard data stop keeps its corrections a minute, then they go stale; the others go on",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func onboardDataStop() throws {
        let faulty = Self.satellites[1], healthy = Self.satellites[0]
        let stop = 900.0
        var servedAfterStop: [Double] = []
        var staleAtEnd = false, healthyAtEnd = false
        try Self.determine(duration: 1200, stopped: faulty, stop: stop) { t, corrections, store in
            let dt = t - Self.start
            if dt >= stop, case .success = corrections.state(faulty, at: t, leo: store) { servedAfterStop.append(dt - stop) }
            if abs(dt - 1190) < 1e-6 {
                if case .failure(.stale) = corrections.state(faulty, at: t, leo: store) { staleAtEnd = true }
                if case .success = corrections.state(healthy, at: t, leo: store) { healthyAtEnd = true }
            }
        }
        let limit = LEOOrbitDetermination.Options().maximumPrediction + 10 + SSRCorrections.defaultLatencyAllowance
        #expect(!servedAfterStop.isEmpty)
        #expect((servedAfterStop.max() ?? 0) <= limit)
        #expect(staleAtEnd)
        #expect(healthyAtEnd)
    }
}
