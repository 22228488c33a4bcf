import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts

/// The engine's per-satellite report on GMSD's real RTCM 3 capture (MSM7 GPS, GLONASS, QZSS, BeiDou with their
/// broadcast ephemerides): every satellite of an epoch is either used, with its post-fit code residual, or carries the
/// reason the estimator left it out.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct SatelliteReportTests {
    /// GMSD's IGS20 position (the data's README): metre-level for 2012.
    static let gmsd = ECEF(-3_607_665.5445, 4_147_867.8813, 3_223_716.9188)

    /// The capture's epochs, each with the ephemerides the stream had delivered before it (as a live station: 76 of
    /// its 257 epochs are solved, the others waiting for ephemerides).
    static func capture() throws -> [(epoch: ObservationEpoch, ephemerides: EphemerisStore)] {
        let reader = try RTCM3EpochReader(path: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))
        var store = EphemerisStore()
        var out: [(ObservationEpoch, EphemerisStore)] = []
        while let epoch = try reader.next() {
            for e in reader.takeEphemerides() { _ = store.add(e) }
            out.append((epoch, store))
        }
        return out
    }

    /// Solves every epoch of the capture through one engine, `change` applied to each epoch and its store first.
    static func solve(_ profile: PositioningProfile,
                      change: (inout ObservationEpoch, inout EphemerisStore) -> Void = { _, _ in }) throws -> [Solution] {
        var engine = PositioningEngine(profile: profile)
        return try capture().map { item in
            var (epoch, store) = item
            change(&epoch, &store)
            return engine.solve(epoch, products: PositioningProducts(ephemerides: store))
        }
    }

    static let spp = PositioningProfile(mode: .spp, ionosphere: .broadcast)

    @Test func everySatelliteIsReportedOnceInTheEpochsOrder() throws {
        let epochs = try Self.capture()
        let solutions = try Self.solve(Self.spp)
        #expect(solutions.count == epochs.count)
        var solved = 0
        for (s, e) in zip(solutions, epochs) {
            #expect(s.satelliteReport.map(\.satellite) == e.epoch.satellites.map(\.satellite))
            guard s.quality == .single else { continue }
            solved += 1
            // The solution counts exactly the used satellites, and only they have residuals.
            #expect(s.satelliteReport.filter(\.used).count == s.satellites)
            #expect(s.satelliteReport.allSatisfy { $0.used == ($0.codeResidual != nil) && $0.phaseResidual == nil })
        }
        #expect(solved > 50)
    }

    /// Physics: post-fit code residuals of single-point positioning are metres (broadcast orbits and clocks, the
    /// Klobuchar model's leftovers, multipath), not tens of metres; and least squares leaves their weighted sum per
    /// receiver clock at zero (the clock's column of the design matrix is all ones).
    @Test func codeResidualsAreMetresAndBalanceForEachReceiverClock() throws {
        let solutions = try Self.solve(Self.spp).filter { $0.quality == .single }
        var squares = 0.0, n = 0, largest = 0.0
        for s in solutions {
            var sums: [String: (weighted: Double, weights: Double)] = [:]
            for u in s.satelliteReport where u.used {
                let v = try #require(u.codeResidual), sigma = try #require(u.codeSigma)
                squares += v * v
                n += 1
                largest = max(largest, abs(v))
                let clock = u.satellite.system == .beidou ? (u.satellite.prn >= 19 ? "C3" : "C2")
                    : u.satellite.system == .qzss ? "G" : String(u.satellite.system.letter)
                sums[clock, default: (0, 0)].weighted += v / (sigma * sigma)
                sums[clock, default: (0, 0)].weights += 1 / (sigma * sigma)
            }
            for (clock, sum) in sums {
                #expect(abs(sum.weighted / sum.weights) < 0.001, "\(s.time) \(clock): weighted mean \(sum.weighted / sum.weights) m")
            }
        }
        let rms = (squares / Double(n)).squareRoot()
        #expect(n > 500)
        #expect(rms > 0.3 && rms < 5, "RMS \(rms) m over \(n) residuals")
        #expect(largest < 30, "largest \(largest) m")
    }

    /// A 15° mask: a satellite the station sees below 14.5° (its elevation from the IGS position and the broadcast
    /// orbit, computed here) is `below_mask`, one above 15.5° is not.
    @Test func satellitesUnderTheMaskAreBelowMask() throws {
        var profile = Self.spp
        profile.elevationMask = 15 * Constants.degreesToRadians
        let epochs = try Self.capture()
        let solutions = try Self.solve(profile)
        let frame = LocalFrame(origin: Self.gmsd)
        var below = 0, above = 0
        for (s, e) in zip(solutions, epochs) where s.quality == .single {
            for u in s.satelliteReport {
                guard let eph = e.ephemerides.select(u.satellite, at: e.epoch.time) else { continue }
                let elevation = frame.enu(eph.state(at: e.epoch.time).position).azimuthElevation.elevation * Constants.radiansToDegrees
                if elevation < 14.5 {
                    #expect(u.reason == .belowMask, "\(u.satellite) at \(elevation)°: \(u)")
                    below += 1
                } else if elevation > 15.5 {
                    #expect(u.reason != .belowMask, "\(u.satellite) at \(elevation)°: \(u)")
                    above += 1
                }
            }
        }
        #expect(below > 100 && above > 300, "\(below) below, \(above) above")
    }

    @Test func aSatelliteTheConfigurationExcludesIsReportedSo() throws {
        let g = SatelliteID(.gps, try Self.usedGPS())
        var profile = Self.spp
        profile.excludedSatellites = [g]
        let solutions = try Self.solve(profile).filter { $0.quality == .single }
        #expect(!solutions.isEmpty)
        for s in solutions {
            #expect(s.satelliteReport.first(of: g)?.reason == .excludedByConfiguration)
            #expect(!s.excluded.contains(g))
        }
    }

    @Test func aSatelliteWithoutEphemerisIsReportedSo() throws {
        let g = SatelliteID(.gps, try Self.usedGPS())
        let solutions = try Self.solve(Self.spp) { _, store in
            var without = EphemerisStore()
            for s in store.satellites where s != g { for e in store.all(for: s) { _ = without.add(e) } }
            store = without
        }.filter { $0.quality == .single }
        #expect(!solutions.isEmpty)
        for s in solutions { #expect(s.satelliteReport.first(of: g)?.reason == .noEphemeris) }
    }

    /// 300 m added to one satellite's pseudoranges in every epoch: the fault exclusion finds it and the report says
    /// `outlier`, while the others stay used with residuals of metres.
    @Test func aFaultyPseudorangeIsReportedAsOutlier() throws {
        let g = SatelliteID(.gps, try Self.usedGPS())
        let solutions = try Self.solve(Self.spp) { epoch, _ in
            guard let k = epoch.satellites.firstIndex(where: { $0.satellite == g }) else { return }
            for j in epoch.satellites[k].signals.indices { epoch.satellites[k].signals[j].pseudorange? += 300 }
        }.filter { $0.quality == .single }
        #expect(solutions.count > 50)
        for s in solutions {
            #expect(s.satelliteReport.first(of: g)?.reason == .outlier, "\(s.time): \(s.satelliteReport.first(of: g).map { "\($0)" } ?? "-")")
            #expect(s.excluded == [g])
            let worst = s.satelliteReport.compactMap(\.codeResidual).map(abs).max() ?? 0
            #expect(worst < 30, "\(s.time): \(worst) m")
        }
    }

    /// A GPS satellite every solved epoch of the capture uses, high in the sky.
    static func usedGPS() throws -> Int {
        let solutions = try solve(spp).filter { $0.quality == .single }
        var count: [Int: Int] = [:]
        for s in solutions {
            for u in s.satelliteReport where u.used && u.satellite.system == .gps { count[u.satellite.prn, default: 0] += 1 }
        }
        return try #require(count.filter { $0.value == solutions.count }.keys.sorted().first)
    }
}

/// PPP's report on ESBC's first hour (precise orbits and clocks): the systems PPP leaves to SPP are
/// `system_not_selected`, and the used satellites' post-fit residuals are what an ionosphere-free filter leaves:
/// phase at centimetres, code at decimetres to a metre.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct PPPSatelliteReportTests {
    @Test func usedSatellitesHaveCodeAndPhaseResiduals() throws {
        let products = try ESBCDay.products()
        let reader = try RINEXObservationReader(path: SharedData.path(ESBCDay.directory + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"))
        var engine = PositioningEngine(profile: PositioningProfile(mode: .ppp))
        let current = PositioningProducts(ephemerides: products.ephemerides, klobuchar: products.klobuchar, precise: products.precise)
        var code: [Double] = [], phase: [Double] = []
        var epochs = 0
        while epochs < 120, let epoch = try reader.next() {
            epochs += 1
            let s = engine.solve(epoch, products: current)
            #expect(s.satelliteReport.map(\.satellite) == epoch.satellites.map(\.satellite))
            guard s.quality == .ppp else { continue }
            #expect(s.satelliteReport.filter(\.used).count == s.satellites)
            for u in s.satelliteReport {
                if [.glonass, .beidou, .qzss].contains(u.satellite.system) { #expect(u.reason == .systemNotSelected) }
                guard u.used else { #expect(u.codeResidual == nil && u.phaseResidual == nil); continue }
                let c = try #require(u.codeResidual), p = try #require(u.phaseResidual)
                // After the first half hour of convergence.
                if epochs > 60 { code.append(c); phase.append(p) }
            }
        }
        func rms(_ v: [Double]) -> Double { (v.map { $0 * $0 }.reduce(0, +) / Double(max(v.count, 1))).squareRoot() }
        #expect(code.count > 500)
        #expect(rms(phase) < 0.03, "phase RMS \(rms(phase)) m")
        #expect(rms(code) > 0.05 && rms(code) < 1.5, "code RMS \(rms(code)) m")
    }
}

/// RTK's report on the 0759/3040 hour (GPS L1+L2, 3.3 km): double-difference residuals against each system and band's
/// highest satellite, which itself is used without one; a satellite the base lacks is `no_base_observation`; one the
/// profile excludes is `excluded_by_configuration` also when the epochs are prepared apart (as a replay does).
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKSatelliteReportTests {
    @Test func doubleDifferenceResidualsAndMissingBaseObservations() throws {
        let rover = try RINEXObservationReader(path: SharedData.path("rtk-0759-3040/07590920.05o"))
        let base = try RINEXObservationReader(path: SharedData.path("rtk-0759-3040/30400920.05o"))
        let basePosition = try #require(base.header.approximatePosition)
        let store = try ephemerisStore("rtk-0759-3040/07590920.05n")
        var baseEpochs: [ObservationEpoch] = []
        while let b = try base.next() { baseEpochs.append(b) }
        var engine = PositioningEngine(profile: PositioningProfile(mode: .rtk, systems: [.gps]))
        let missing = SatelliteID(.gps, 19), left = SatelliteID(.gps, 7)
        var excluding = PositioningEngine(profile: PositioningProfile(mode: .rtk, systems: [.gps], excludedSatellites: [left]))
        var initial: ECEF?
        var excludedReported = 0
        var phase: [Double] = [], code: [Double] = []
        var fixed = 0
        while let r = try rover.next() {
            guard var b = baseEpochs.first(where: { abs($0.time - r.time) < 0.5 }) else { continue }
            b.satellites.removeAll { $0.satellite == missing }
            let products = PositioningProducts(ephemerides: store)
            let s = engine.solve(r, base: BaseEpoch(epoch: b, position: basePosition), products: products)
            #expect(s.satelliteReport.map(\.satellite) == r.satellites.map(\.satellite))
            let x = excluding.process(prepared: excluding.preparer.prepare(rover: r, base: b, basePosition: basePosition,
                                                                           products: products, initial: &initial))
            if r.satellite(left) != nil, x.quality != .none {
                #expect(x.satelliteReport.first(of: left)?.reason == .excludedByConfiguration)
                excludedReported += 1
            }
            guard s.quality == .fixed || s.quality == .float else { continue }
            if s.quality == .fixed { fixed += 1 }
            if r.satellite(missing) != nil { #expect(s.satelliteReport.first(of: missing)?.reason == .noBaseObservation) }
            let used = s.satelliteReport.filter(\.used)
            // One reference satellite per band: used, without a residual of its own.
            #expect(used.filter { $0.phaseResidual == nil }.count == 1, "\(s.time): \(used)")
            phase += used.compactMap(\.phaseResidual)
            code += used.compactMap(\.codeResidual)
        }
        func rms(_ v: [Double]) -> Double { (v.map { $0 * $0 }.reduce(0, +) / Double(max(v.count, 1))).squareRoot() }
        #expect(fixed > 100)
        #expect(excludedReported > 100)
        #expect(phase.count > 400)
        // Post-fit double differences: phase at millimetres to a centimetre, code at decimetres.
        #expect(rms(phase) < 0.01, "phase RMS \(rms(phase)) m")
        #expect(rms(code) > 0.05 && rms(code) < 1, "code RMS \(rms(code)) m")
    }
}
