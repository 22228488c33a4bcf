import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning

@Suite("Station quality: completeness, slips, code multipath, C/N0, outages")
struct StationQualityTests {
    /// Feeds `limit` epochs of a RINEX observation file to the monitor, with every satellite's elevation from the
    /// navigation file seen from the header's position, and writes the elevations for the reference.
    static func monitor(_ observations: String, navigation: String, limit: Int, elevationsFile: String) throws -> StationQualityReport {
        let reader = try RINEXObservationReader(path: SharedData.path(observations))
        let store = try ephemerisStore(navigation)
        let position = try #require(reader.header.approximatePosition)
        let frame = LocalFrame(origin: position)
        var quality = StationQuality()
        var text = ""
        var n = 0
        var spent = (elevations: Duration.zero, add: Duration.zero, report: Duration.zero)
        while n < limit, let epoch = try reader.next() {
            guard epoch.flag == .ok || epoch.flag == .powerFailure else { continue }
            n += 1
            var elevations: [SatelliteID: Double] = [:]
            for sat in store.satellites {
                guard let e = store.select(sat, at: epoch.time, requireHealthy: false) else { continue }
                let elevation = frame.enu(e.state(at: epoch.time).position).azimuthElevation.elevation
                if elevation.isFinite { elevations[sat] = elevation }
            }
            text += "\(epoch.time.totalSeconds)" + elevations.map { " \($0.key):\($0.value)" }.joined() + "\n"
            // What a live station does each epoch: the elevations (the store's own helper), the epoch, the report.
            let start = ContinuousClock.now
            let live = store.elevations(from: position, at: epoch.time)
            let seen = ContinuousClock.now
            quality.add(epoch, elevations: live)
            let added = ContinuousClock.now
            _ = quality.report
            spent.elevations += seen - start
            spent.add += added - seen
            spent.report += ContinuousClock.now - added
            #expect(live == elevations)
        }
        print("\(observations): \(n) epochs; per epoch, elevations \(spent.elevations / max(n, 1)), quality \(spent.add / max(n, 1)),"
              + " report \(spent.report / max(n, 1))")
        try text.write(toFile: elevationsFile, atomically: true, encoding: .utf8)
        return quality.report
    }

    static func scratch(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("station-quality-\(UUID().uuidString.prefix(8))-\(name)").path
    }

    static func reference(_ observations: String, elevationsFile: String, limit: Int) throws -> [String: Any] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", StationQualityReference.script, SharedData.path(observations), elevationsFile, "\(limit)", "10"]
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let problem = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(problem)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(problem)")
    }

    /// Compares the monitor's figures with the reference's; returns the reference's multipath RMS by system and signal.
    @discardableResult
    static func compare(_ r: StationQualityReport, _ ref: [String: Any]) throws -> [String: Double] {
        #expect(r.epochs == ref["epochs"] as? Int)
        #expect(r.outages == ref["outages"] as? Int)
        #expect(r.receiverSlips == ref["lli"] as? Int, "LLI flags")
        #expect(r.detectedSlips == ref["detected"] as? Int, "detected slips")
        #expect(r.slipsHour == ref["slips_hour"] as? Int)
        #expect(r.completenessTotal.expected == ref["expected"] as? Int)
        #expect(r.completenessTotal.received == ref["received"] as? Int)
        #expect(r.completenessHour.expected == ref["expected_hour"] as? Int)
        #expect(r.completenessHour.received == ref["received_hour"] as? Int)
        let multipath = try #require(ref["multipath"] as? [String: [String: Any]])
        var rms: [String: Double] = [:]
        for (key, theirs) in multipath {
            let ours = r.multipath.first { "\($0.system.letter)\($0.signal)" == key }
            let total = try #require(theirs["rms"] as? Double)
            rms[key] = total
            #expect(ours?.totalCount == theirs["n"] as? Int, "\(key)")
            #expect(abs((ours?.totalRMS ?? 99) - total) < 0.001, "\(key): \(ours?.totalRMS ?? -1) vs \(total)")
            #expect(ours?.hourCount == theirs["hour_n"] as? Int, "\(key)")
            if let hour = theirs["hour_rms"] as? Double {
                #expect(abs((ours?.hourRMS ?? 99) - hour) < 0.001, "\(key): \(ours?.hourRMS ?? -1) vs \(hour)")
            }
        }
        #expect(Set(r.multipath.filter { $0.totalCount > 0 }.map { "\($0.system.letter)\($0.signal)" }) == Set(multipath.keys))
        let cn0 = try #require(ref["cn0"] as? [String: [String: Double]])
        for system in Set(cn0.keys).union(r.cn0.keys.map { String($0.letter) }) {
            let ours = r.cn0.first { String($0.key.letter) == system }?.value ?? []
            for bin in 0..<StationQuality.elevationBins {
                let theirs = cn0[system]?[String(bin)]
                let mine = bin < ours.count ? ours[bin] : nil
                #expect((mine == nil) == (theirs == nil), "\(system) bin \(bin)")
                if let mine, let theirs { #expect(abs(mine - theirs) < 1e-6, "\(system) bin \(bin): \(mine) vs \(theirs)") }
            }
        }
        return rms
    }

    @Test("GPS L1/L2 RINEX 2, an hour at 30 s: MP1/MP2, slips, completeness as an independent reading of the file",
          .enabled(if: SharedData.available && pythonAvailable, "needs ../shared/data and python3"))
    func rinex2Baseline() throws {
        let elevations = Self.scratch("0759.elev")
        let r = try Self.monitor("rtk-0759-3040/07590920.05o", navigation: "rtk-0759-3040/07590920.05n", limit: 10_000,
                                 elevationsFile: elevations)
        let ref = try Self.reference("rtk-0759-3040/07590920.05o", elevationsFile: elevations, limit: 10_000)
        let rms = try Self.compare(r, ref)
        print("0759:", r.epochs, "epochs, MP", r.multipath.map { "\($0.system.letter)\($0.signal) \($0.totalRMS ?? -1) m over \($0.totalCount)" },
              "reference", rms, "slips LLI", r.receiverSlips, "detected", r.detectedSlips,
              "completeness", r.completenessTotal, "outages", r.outages)
        #expect(r.epochs > 100)
        #expect(rms["G1C"].map { $0 > 0.05 && $0 < 3 } == true)
        #expect(rms["G2W"].map { $0 > 0.05 && $0 < 3 } == true)
        #expect(r.completenessTotal.ratio.map { $0 > 0.5 && $0 <= 1 } == true)
    }

    @Test("Multi-GNSS RINEX 3 (Septentrio, 2 h at 30 s): MP per system and signal, LLI, completeness and C/N0 by elevation",
          .enabled(if: SharedData.available && hatanakaAvailable, "needs ../shared/data, python3 and hatanaka"))
    func rinex3MultiGNSS() throws {
        let obs = "ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
        let elevations = Self.scratch("esbc.elev")
        let r = try Self.monitor(obs, navigation: "ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz", limit: 240,
                                 elevationsFile: elevations)
        let ref = try Self.reference(obs, elevationsFile: elevations, limit: 240)
        let rms = try Self.compare(r, ref)
        print("ESBC:", r.epochs, "epochs, MP", r.multipath.map { "\($0.system.letter)\($0.signal) \($0.totalRMS ?? -1)/\($0.hourRMS ?? -1) m" },
              "reference", rms, "slips LLI", r.receiverSlips, "detected", r.detectedSlips, "hour", r.slipsHour,
              "completeness", r.completenessTotal, r.completenessHour, "C/N0", r.cn0.map { "\($0.key.letter) \($0.value)" })
        #expect(r.epochs == 240)
        #expect(r.multipath.contains { $0.system == .galileo && $0.totalRMS != nil })
        #expect(r.cn0[.gps]?.compactMap { $0 }.count ?? 0 >= 5)
    }

    /// A synthetic stream: a 1 s station that stops for 20 s once is one outage of 21 s between epochs.
    @Test func outageIsAGapOfMoreThanThreeIntervals() {
        var quality = StationQuality()
        let start = GNSSTime(gpsWeek: 2100, secondOfWeek: 0)
        for s in Array(0..<30) + Array(50..<60) {
            quality.add(ObservationEpoch(time: start + Double(s)), elevations: [:], latency: Double(s % 3) / 10)
        }
        let r = quality.report
        #expect(r.outages == 1)
        #expect(r.interval == 1)
        #expect(r.longestOutage?.seconds == 21 && r.longestOutage?.after == start + 29)
        #expect(r.lastOutage == r.longestOutage)
        #expect(r.latency.map { abs($0 - 0.2) < 1e-12 } == true)
    }

    /// A stream whose time goes back (a capture's own time found after the wall clock's) starts the time-based state
    /// again, the counts since start going on, and no outage is counted for the jump.
    @Test func timeGoingBackStartsOver() {
        var quality = StationQuality()
        let now = GNSSTime(gpsWeek: 2400, secondOfWeek: 1000)
        let then = GNSSTime(gpsWeek: 1710, secondOfWeek: 1000)
        for s in 0..<5 { quality.add(ObservationEpoch(time: now + Double(s)), elevations: [:]) }
        for s in 0..<20 { quality.add(ObservationEpoch(time: then + Double(s)), elevations: [:]) }
        quality.add(ObservationEpoch(time: then + 19), elevations: [:])
        let r = quality.report
        #expect(r.epochs == 25)
        #expect(r.outages == 0)
        #expect(r.interval == 1)
        #expect(r.time == then + 19)
    }

    /// One GPS satellite at 1 s, its L1 and L2 code and phase made from a known range with no ionosphere and a known
    /// code error on L1: a ±0.3 m square wave, so MP1's RMS is 0.3 m and MP2's (the L2 code exact) 0. An L1 phase
    /// jump of one cycle unflagged at 60 s is one detected slip; an LLI flag at 1200 s and a lock time going back at
    /// 1800 s are the receiver's; after 3700 s the last hour holds only the LLI and lock-time slips.
    @Test func syntheticSatelliteSlipsAndMultipath() {
        let f1: Double = CarrierFrequency.gpsL1
        let f2: Double = CarrierFrequency.gpsL2
        let c: Double = Constants.speedOfLight
        let g05 = SatelliteID(.gps, 5)
        var quality = StationQuality()
        let start = GNSSTime(gpsWeek: 2100, secondOfWeek: 0)
        let elevations: [SatelliteID: Double] = [g05: 35 * Constants.degreesToRadians, SatelliteID(.gps, 9): 12 * Constants.degreesToRadians]
        for s in 0..<3700 {
            let range: Double = 21_000_000.0 + 300.0 * Double(s)
            let codeError: Double = s.isMultiple(of: 2) ? 0.3 : -0.3
            let jump: Double = s >= 60 ? 1.0 : 0.0
            let phase1: Double = range * f1 / c + 1234 + jump
            let phase2: Double = range * f2 / c - 567
            let lock = Double(s < 1800 ? s : s - 1800)
            var l1 = SignalObservation(signal: SignalCode(band: 1, attribute: "C"), pseudorange: range + codeError, carrierPhase: phase1,
                                       cn0: 45, lockTime: lock)
            let l2 = SignalObservation(signal: SignalCode(band: 2, attribute: "W"), pseudorange: range, carrierPhase: phase2, cn0: 38)
            if s == 1200 { l1.lli = 1 }
            let epoch = ObservationEpoch(time: start + Double(s), satellites: [SatelliteObservation(satellite: g05, signals: [l1, l2])])
            quality.add(epoch, elevations: elevations)
        }
        let r = quality.report
        #expect(r.detectedSlips == 1)
        #expect(r.receiverSlips == 2)
        // 3700 s is minutes 0…61: the last hour is minutes 2…61 (3580 epochs), after the detected slip at 1 min.
        #expect(r.slipsHour == 2)
        let mp1 = r.multipath.first { $0.signal == SignalCode(band: 1, attribute: "C") }
        let mp2 = r.multipath.first { $0.signal == SignalCode(band: 2, attribute: "W") }
        #expect(mp1?.totalRMS.map { abs($0 - 0.3) < 1e-4 } == true, "\(r.multipath)")
        #expect(mp2?.totalRMS.map { $0 < 1e-4 } == true, "\(r.multipath)")
        #expect(mp1?.totalCount == 3700 && mp1?.hourCount == 3580)
        // G09 has an ephemeris above 10° and is not observed: half the expected observations come in.
        #expect(r.completenessTotal == .init(expected: 4 * 3700, received: 2 * 3700), "\(r.completenessTotal)")
        #expect(r.cn0[.gps]?[3] == 45 && r.cn0[.gps]?.compactMap { $0 }.count == 1)
    }
}
