import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Checks against outside decoders: pyubx2 1.4.0 (UBXReader, UBX protocol only) and RTKLIB 2.4.3 b34
/// `convbin -r ubx -o out.obs -v 3.04` run on the decompressed F9T-L2-5min.ubx.gz.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct UBXReferenceTests {
    static let path = SharedData.path("ubx/F9T-L2-5min.ubx.gz")
    static func file() throws -> [UInt8] { try FileByteSource.readAll(path: path) }

    static func rawEpochs(_ bytes: [UInt8]) -> [UBXRawMeasurements] {
        decodeUBX(bytes).messages.compactMap { if case .rawMeasurements(let r) = $0.1 { return r } else { return nil } }
    }

    // pyubx2 1.4.0, the 150th RXM-RAWX (index 149): rcvTow 164040.001, week 2379, leapS 18, numMeas 45.
    @Test func rawx150EqualsPyubx2() throws {
        let raws = Self.rawEpochs(try Self.file())
        #expect(raws.count == 299)
        let r = raws[149]
        #expect(r.receiverTimeOfWeek == 164_040.001)
        #expect(r.week == 2379)
        #expect(r.leapSeconds == 18)
        #expect(r.measurements.count == 45)
        // measurement 7: BeiDou 19 B1I D1, locktime 14000, cno 30, prStd 7, cpStd 6, doStd 8, pr/cp valid, halfCyc 1
        let m7 = r.measurements[6]
        #expect(m7.gnssId == 3)
        #expect(m7.svId == 19)
        #expect(m7.sigId == 0)
        #expect(m7.lockTimeMilliseconds == 14_000)
        #expect(m7.cn0 == 30)
        #expect(m7.pseudorangeStdevIndex == 7)
        #expect(m7.phaseStdevIndex == 6)
        #expect(m7.dopplerStdevIndex == 8)
        #expect(m7.pseudorangeValid)
        #expect(m7.phaseValid)
        #expect(m7.halfCycleResolved)
        #expect(m7.pseudorange == 25_521_088.809414808)
        #expect(m7.carrierPhase == 132_894_977.47011544)
        #expect(m7.doppler == 2366.6220703125)
        // measurement 10: BeiDou 25 B1I, cpValid 0, halfCyc 0, locktime 0, cno 23, prStd 8, cpStd 15
        let m10 = r.measurements[9]
        #expect(m10.svId == 25)
        #expect(m10.pseudorangeValid)
        #expect(!m10.phaseValid)
        #expect(!m10.halfCycleResolved)
        #expect(m10.lockTimeMilliseconds == 0)
        #expect(m10.pseudorange == 26_861_880.92450007)
        #expect(m10.phaseStdevIndex == 15)
        #expect(m10.cn0 == 23)
        // measurement 31: BeiDou 20 sigId 5 (pyubx2 "B1_Cp"), prMes 22531710.465200722, cpMes 118404941.44371088
        let m31 = r.measurements[30]
        #expect(m31.gnssId == 3 && m31.svId == 20 && m31.sigId == 5 && m31.signal == SignalCode("1P"))
        #expect(m31.pseudorange == 22_531_710.465200722)
        #expect(m31.carrierPhase == 118_404_941.44371088)
        #expect(m31.cn0 == 48)
        // measurement 40: GPS 1 sigId 3 (pyubx2 "L2_CL"), prMes 21339316.404637843, cpMes 87380934.75676264, doMes 557.263916015625
        let m40 = r.measurements[39]
        #expect(m40.gnssId == 0 && m40.svId == 1 && m40.signal == SignalCode("2L"))
        #expect(m40.pseudorange == 21_339_316.404637843)
        #expect(m40.carrierPhase == 87_380_934.75676264)
        #expect(m40.doppler == 557.263916015625)
    }

    // pyubx2 1.4.0, NAV-PVT and NAV-TIMEGPS number 150 (index 149).
    @Test func navPVTAndTimeEqualPyubx2() throws {
        let messages = decodeUBX(try Self.file()).messages
        let pvts = messages.compactMap { if case .navPVT(let p) = $0.1 { return p } else { return nil } }
        let times = messages.compactMap { if case .navTimeGPS(let t) = $0.1 { return t } else { return nil } }
        #expect(pvts.count == 299)
        #expect(times.count == 299)
        // iTOW 164040000, 2025-08-11 21:33:42, nano -97381, fixType 3, numSV 26, lon -121.3140336, lat 44.0688117,
        // height 1110075 mm, hMSL 1131425 mm, hAcc 739, vAcc 1091 mm, velN/E/D 7/1/-5 mm/s, pDOP 0.96
        let p = pvts[149]
        #expect(p.timeOfWeekMilliseconds == 164_040_000)
        #expect(p.fixType == 3)
        #expect(p.satellites == 26)
        #expect(p.date.year == 2025)
        #expect(p.date.month == 8)
        #expect(p.date.day == 11)
        #expect(p.date.hour == 21)
        #expect(p.date.minute == 33)
        #expect(abs(p.date.second - (42 - 97_381e-9)) < 1e-12)
        #expect(abs(p.longitude - -121.3140336) < 1e-12)
        #expect(abs(p.latitude - 44.0688117) < 1e-12)
        #expect(abs(p.height - 1110.075) < 1e-9)
        #expect(abs(p.heightMSL - 1131.425) < 1e-9)
        #expect(abs(p.horizontalAccuracy - 0.739) < 1e-9)
        #expect(abs(p.verticalAccuracy - 1.091) < 1e-9)
        #expect(zip(p.velocityNED, [0.007, 0.001, -0.005]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(p.pdop - 0.96) < 1e-12)
        // first and last NAV-PVT: iTOW 163891000 and 164189000, numSV 25 and 25, height 1110269 and 1110880 mm
        #expect(pvts[0].timeOfWeekMilliseconds == 163_891_000)
        #expect(pvts[298].timeOfWeekMilliseconds == 164_189_000)
        #expect(abs(pvts[0].height - 1110.269) < 1e-9)
        #expect(abs(pvts[298].height - 1110.880) < 1e-9)
        // NAV-TIMEGPS: fTOW -97378 ns, week 2379, leapS 18, tow/week/leapS valid, tAcc 4 ns
        let t = times[149]
        #expect(t.timeOfWeekMilliseconds == 164_040_000)
        #expect(t.fractionNanoseconds == -97_378)
        #expect(t.week == 2379)
        #expect(t.leapSeconds == 18)
        #expect(t.valid & 7 == 7)
        #expect(t.accuracyNanoseconds == 4)
    }

    /// The signals convbin 2.4.3 writes for this file (header SYS / # / OBS TYPES: G C1C L1C C2L L2L, E C1C L1C,
    /// S C1C L1C, C C2I L2I); it leaves BeiDou sigId 5 (B1C) out.
    static func convbinSignals(_ sat: SatelliteObservation) -> [SignalObservation] {
        let wanted: [GNSSSystem: [String]] = [.gps: ["1C", "2L"], .galileo: ["1C"], .sbas: ["1C"], .beidou: ["2I"]]
        return sat.signals.filter { (wanted[sat.satellite.system] ?? []).contains($0.signal.description) }
    }

    @Test func epochsEqualConvbin() throws {
        let raws = Self.rawEpochs(try Self.file())
        var converter = UBXObservationConverter()
        let epochs = raws.map { converter.epoch($0) }
        // convbin: 299 epochs, first 2025/08/11 21:31:31.001 GPS, last 21:36:29.001;
        // the epoch lines' satellite counts add up to 9085 (31 in the first, 29 in the last).
        #expect(epochs.count == 299)
        let first = epochs[0].time.gpsCalendar, last = epochs[298].time.gpsCalendar
        #expect(first.hour == 21)
        #expect(first.minute == 31)
        #expect(abs(first.second - 31.001) < 1e-6)
        #expect(last.hour == 21)
        #expect(last.minute == 36)
        #expect(abs(last.second - 29.001) < 1e-6)
        let counts = epochs.map { $0.satellites.filter { !Self.convbinSignals($0).isEmpty }.count }
        #expect(counts.reduce(0, +) == 9085)
        #expect(counts.first == 31)
        #expect(counts.last == 29)

        func value(_ e: ObservationEpoch, _ sat: SatelliteID, _ code: String) -> (Double?, Double?) {
            let o = e.satellite(sat)?.signal(SignalCode(code)!)
            return (o?.pseudorange, o?.carrierPhase)
        }
        func close(_ x: Double?, _ y: Double) -> Bool { x.map { abs($0 - y) < 0.0015 } ?? false }
        // convbin, epoch 1: G01 C1C 21360867.696 L1C 112252116.071 C2L 21360860.904 L2L 87469151.854
        let (c1, l1) = value(epochs[0], SatelliteID(.gps, 1), "1C"), (c2, l2) = value(epochs[0], SatelliteID(.gps, 1), "2L")
        #expect(close(c1, 21_360_867.696))
        #expect(close(l1, 112_252_116.071))
        #expect(close(c2, 21_360_860.904))
        #expect(close(l2, 87_469_151.854))
        // convbin, epoch 150 (21:34:00.001): G31 C1C 21458521.155 L1C 112765291.883 C2L 21458513.404 L2L 87869026.560,
        // E11 C1C 24562487.154 L1C 129076741.822, C20 C2I 22531710.946 L2I 117328530.744, S33 C1C 38201969.024 L1C 200752700.471
        let e = epochs[149]
        let g31a = value(e, SatelliteID(.gps, 31), "1C"), g31b = value(e, SatelliteID(.gps, 31), "2L")
        #expect(close(g31a.0, 21_458_521.155))
        #expect(close(g31a.1, 112_765_291.883))
        #expect(close(g31b.0, 21_458_513.404))
        #expect(close(g31b.1, 87_869_026.560))
        let e11 = value(e, SatelliteID(.galileo, 11), "1C"), c20 = value(e, SatelliteID(.beidou, 20), "2I"), s33 = value(e, SatelliteID(.sbas, 33), "1C")
        #expect(close(e11.0, 24_562_487.154))
        #expect(close(e11.1, 129_076_741.822))
        #expect(close(c20.0, 22_531_710.946))
        #expect(close(c20.1, 117_328_530.744))
        #expect(close(s33.0, 38_201_969.024))
        #expect(close(s33.1, 200_752_700.471))
        // convbin leaves C25's phase out at epoch 150 (cpValid 0 in pyubx2); so do we.
        #expect(close(e.satellite(SatelliteID(.beidou, 25))?.signal(SignalCode("2I")!)?.pseudorange, 26_861_880.925))
        #expect(e.satellite(SatelliteID(.beidou, 25))?.signal(SignalCode("2I")!)?.carrierPhase == nil)
    }

    /// u-blox interface description: locktime restarts at 0 when the carrier-phase lock is lost; a reset marks a slip
    /// (LLI bit 0) and an unresolved half cycle (trkStat bit 2 clear) LLI bit 1.
    @Test func lockTimeResetSetsLLI() throws {
        let raws = Self.rawEpochs(try Self.file())
        var converter = UBXObservationConverter()
        _ = converter.epoch(raws[100])
        var next = raws[101]
        // GPS 1 L1C/A has locktime 64500 (saturated) throughout (pyubx2); make it restart.
        let i = try #require(next.measurements.firstIndex { $0.gnssId == 0 && $0.svId == 1 && $0.sigId == 0 })
        #expect(next.measurements[i].lockTimeMilliseconds == 64_500)
        var steady = converter
        #expect(steady.epoch(next).satellite(SatelliteID(.gps, 1))?.signal(SignalCode("1C")!)?.lli == 0)
        next.measurements[i].lockTimeMilliseconds = 300
        let o = try #require(converter.epoch(next).satellite(SatelliteID(.gps, 1))?.signal(SignalCode("1C")!))
        #expect(o.lli & 1 == 1)
        next.measurements[i].trackingStatus &= ~4
        var fresh = UBXObservationConverter()
        let h = try #require(fresh.epoch(next).satellite(SatelliteID(.gps, 1))?.signal(SignalCode("1C")!))
        #expect(h.lli & 2 == 2)
        #expect(h.halfCycleAmbiguity)
    }

    /// pyubx2 run here, when importable: the same message counts and the same pseudoranges for every RXM-RAWX.
    @Test func pyubx2LiveComparison() throws {
        let script = """
        import sys, json, gzip
        from pyubx2 import UBXReader
        from collections import Counter
        c = Counter(); pr = []
        with gzip.open(sys.argv[1], 'rb') as f:
            for raw, p in UBXReader(f, protfilter=2, quitonerror=0):
                c[p.identity] += 1
                if p.identity == 'RXM-RAWX':
                    pr.append([getattr(p, 'prMes_%02d' % (i + 1)).hex() for i in range(p.numMeas)])
        print(json.dumps({'counts': c, 'pr': pr}))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, Self.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        do { try process.run() } catch { print("pyubx2 comparison skipped: python3 not runnable"); return }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let counts = json["counts"] as? [String: Int], let prHex = json["pr"] as? [[String]] else {
            print("pyubx2 comparison skipped: pyubx2 not importable"); return
        }
        let ours = decodeUBX(try Self.file())
        #expect(ours.counts == counts)
        let raws = ours.messages.compactMap { if case .rawMeasurements(let r) = $0.1 { return r } else { return nil } }
        // Exact doubles: Python writes them as hexadecimal floats.
        let pr = prHex.map { $0.map { Double($0) ?? .nan } }
        let ours2 = raws.map { $0.measurements.map(\.pseudorange) }
        #expect(pr.count == 299)
        let mismatches = zip(ours2, pr).filter { $0.0 != $0.1 }.count
        #expect(ours2.count == pr.count)
        #expect(mismatches == 0)
    }

    @Test func inspectorCountsEveryMessage() throws {
        let sink = InspectSink(writeJSON: true) { _ in }
        try UBXInspector.inspect(path: Self.path, sink: sink)
        // pyubx2 counts (see UBXTests.countsEqualPyubx2)
        #expect(sink.counts["ubx RXM-RAWX"] == 299 && sink.counts["ubx NAV-PVT"] == 299 && sink.counts["ubx MON-RF"] == 75)
        let total: Int = sink.counts.values.reduce(0, +)
        #expect(total == 3066, "\(sink.counts)")  // 10 types × 299 + MON-RF 75 + NAV-TIMELS 1
        #expect(sink.totalErrors == 0)
    }
}
