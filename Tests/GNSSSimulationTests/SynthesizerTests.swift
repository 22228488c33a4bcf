import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GNSSSimulation
import TestSupport
import Testing
@testable import Gateway

/// The GNSS part of the simulator, on the real orbits and clocks of 2020-06-25 (GRG products of the ESBC data set).
@Suite(.serialized) struct SynthesizerTests {
    static let esbc = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)
    static let directory = "ppp-esbc-2020177/"

    static func products() throws -> Products { try ESBCDay.products() }

    static func quietModel() -> SimulationModel {
        var m = SimulationModel()
        m.codeNoise = 0
        m.phaseNoise = 0
        m.codeMultipath = 0
        m.slipProbability = 0
        m.receiverClockWalk = 0
        return m
    }

    static let noon = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 12, minute: 0, second: 0), scale: .gps)!

    @Test("code ranges agree with the SP3 positions read from the file, light time and Earth rotation applied", .enabled(if: SharedData.available, "needs ../shared/data"))
    func rangesAgreeWithSP3() throws {
        let products = try Self.products()
        var model = Self.quietModel()
        model.troposphere = false
        model.ionosphere.nightTEC = 0
        model.ionosphere.dayTEC = 0
        var sim = ObservationSynthesizer(sky: PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo]),
                                         station: Self.esbc, model: model, seed: 1)
        let (epoch, truth) = sim.epoch(at: Self.noon)
        #expect(epoch.satellites.count >= 14 && epoch.satellites.count <= 30, "\(epoch.satellites.count) satellites")

        // Independently: the SP3 records from 11:30 to 12:30 straight from the file.
        let reader = try SP3Reader(path: SharedData.path(Self.directory + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"))
        var records: [GNSSTime: [SatelliteID: ECEF]] = [:]
        while let e = try reader.next(), e.time <= Self.noon + 1800 {
            guard e.time >= Self.noon - 1800 else { continue }
            for r in e.records { if let p = r.position { records[e.time, default: [:]][r.satellite] = p } }
        }
        let clocks = try RINEXClockReader(path: SharedData.path(Self.directory + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"))
        var satelliteClock: [SatelliteID: Double] = [:]
        while let r = try clocks.next(), r.time <= Self.noon {
            if r.time == Self.noon, r.type == "AS", let s = r.satellite { satelliteClock[s] = r.bias }
        }
        let c = Constants.speedOfLight
        var checked = 0
        for obs in epoch.satellites {
            let samples = (-2...2).compactMap { records[Self.noon + Double(900 * $0)]?[obs.satellite] }
            guard samples.count == 5, let dts = satelliteClock[obs.satellite], let code = obs.signals.first?.pseudorange else { continue }
            let p0 = samples[2]
            // Fourth-order central differences over the 15-minute samples.
            let velocity = (1.0 / (12 * 900)) * (samples[0] + 8 * samples[3] - 8 * samples[1] - samples[4])
            let acceleration = (1.0 / (12 * 900 * 900)) * (16 * (samples[1] + samples[3]) - samples[0] - samples[4] - 30 * p0)
            var tau = 0.07
            var range = 0.0
            for _ in 0..<5 {
                // Transmitted at receiver time minus the receiver clock offset minus the flight time.
                let dt = tau + truth.receiverClock
                let p = p0 - dt * velocity + (0.5 * dt * dt) * acceleration
                let theta = Constants.earthRotationGPS * tau
                let rotated = ECEF(cos(theta) * p.x + sin(theta) * p.y, -sin(theta) * p.x + cos(theta) * p.y, p.z)
                range = (rotated - truth.position).norm
                tau = range / c
            }
            let relativity = -2 * p0.dot(velocity) / (c * c)  // at noon: its change over 0.1 ms is far below a millimetre
            let expected = range + c * (truth.receiverClock - dts - relativity)
            #expect(abs(code - expected) < 0.05, "\(obs.satellite): \(code - expected) m")
            checked += 1
        }
        #expect(checked >= 10)
    }

    @Test("the ionosphere delays code and advances phase by the same amount, in the ratio (f1/f2)² between frequencies", .enabled(if: SharedData.available, "needs ../shared/data"))
    func ionosphereScaling() throws {
        let products = try Self.products()
        let sky = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
        var quiet = Self.quietModel()
        quiet.ionosphere.nightTEC = 0
        quiet.ionosphere.dayTEC = 0
        var withIonosphere = Self.quietModel()
        withIonosphere.ionosphere.nightTEC = 20
        withIonosphere.ionosphere.dayTEC = 20
        var a = ObservationSynthesizer(sky: sky, station: Self.esbc, model: quiet, seed: 3)
        var b = ObservationSynthesizer(sky: sky, station: Self.esbc, model: withIonosphere, seed: 3)
        let (clean, _) = a.epoch(at: Self.noon)
        let (delayed, _) = b.epoch(at: Self.noon)
        // (1575.42 / 1227.60)² and (1575.42 / 1176.45)², from the signal specifications.
        let expectedRatio: [GNSSSystem: Double] = [.gps: 1.646944, .galileo: 1.793270]
        for (x, y) in zip(clean.satellites, delayed.satellites) {
            #expect(x.satellite == y.satellite)
            let codeDelay = zip(x.signals, y.signals).map { (($1.pseudorange ?? 0) - ($0.pseudorange ?? 0)) }
            let lambdas = x.signals.map { Constants.speedOfLight / CarrierFrequency.of(system: x.satellite.system, band: $0.signal.band)! }
            let phaseAdvance = zip(zip(x.signals, y.signals), lambdas).map { pair, lambda in
                ((pair.0.carrierPhase ?? 0) - (pair.1.carrierPhase ?? 0)) * lambda
            }
            #expect(codeDelay[0] > 0.5)
            #expect(abs(codeDelay[1] / codeDelay[0] - expectedRatio[x.satellite.system]!) < 1e-5)
            #expect(abs(phaseAdvance[0] - codeDelay[0]) < 1e-6 && abs(phaseAdvance[1] - codeDelay[1]) < 1e-6)
        }
    }

    @Test("the same seed gives the same observations; another seed does not", .enabled(if: SharedData.available, "needs ../shared/data"))
    func deterministic() throws {
        let products = try Self.products()
        let sky = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
        var a = ObservationSynthesizer(sky: sky, station: Self.esbc, seed: 11)
        var b = ObservationSynthesizer(sky: sky, station: Self.esbc, seed: 11)
        var c = ObservationSynthesizer(sky: sky, station: Self.esbc, seed: 12)
        for k in 0..<5 {
            let t = Self.noon + Double(30 * k)
            let (ea, ta) = a.epoch(at: t)
            let (eb, tb) = b.epoch(at: t)
            let (ec, _) = c.epoch(at: t)
            #expect(ea == eb && ta == tb)
            #expect(ea != ec)
        }
    }
}
