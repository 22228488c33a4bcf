import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
@testable import GNSSPositioning

/// Double differences only between satellites tracked on the same signals. A rover and a base that each track GPS
/// L2 on L2W (semi-codeless P(Y)) and L2L (L2C), as Septentrio receivers do: ESBC's first two hours (PolaRx5,
/// sbf2rin, RINEX 3.05, whose `SYS / PHASE SHIFT` lines give `G L2L 0.00000` and leave `G L1C` and `G L2W` blank)
/// against themselves, a zero baseline. The rover
/// - loses L2W on every third GPS satellite, as semi-codeless tracking does at low elevation, so those satellites
///   pair on L2L and the others on L2W;
/// - keeps its own fraction of a cycle between its L2L and L2W phases (RINEX 3 aligns the codes of a band only to
///   what each receiver's firmware applies), here `bias` cycles on L2L.
///
/// A double difference between a satellite paired on L2L and one paired on L2W keeps that bias. The fixed solution
/// then moved by 1.2 mm for 0.02 cycles and 3.6 mm for 0.05 cycles (static, GPS, 15°) before double differences
/// were grouped by signal pair; now it does not move at all. RTKLIB uses one code per band for the whole file
/// (L2W, dropping L2 where it is missing) and does not move either; the two put the rover 0.11 mm apart.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTKSignalGroupTests {
    static let l2w = SignalCode("2W")!, l2l = SignalCode("2L")!
    static let epochs = 240
    static let mask = 15.0

    /// The rover's epoch of `epoch`: L2W lost on every third GPS satellite, `bias` cycles on every L2L phase, and
    /// noise of its own (1 mm on phase, 20 cm on code, the same for every `bias`: without it the double
    /// differences are exactly zero and RTKLIB's ratio test, zero over zero, never fixes).
    static func rover(_ epoch: ObservationEpoch, bias: Double) -> ObservationEpoch {
        var rover = epoch
        var noise = SeededGenerator(seed: UInt64(epoch.time.secondOfWeek))
        for k in rover.satellites.indices where rover.satellites[k].satellite.system == .gps {
            if rover.satellites[k].satellite.prn % 3 == 0 { rover.satellites[k].signals.removeAll { $0.signal == l2w } }
            for j in rover.satellites[k].signals.indices {
                let signal = rover.satellites[k].signals[j].signal
                rover.satellites[k].signals[j].carrierPhase? += (signal == l2l ? bias : 0) + 0.005 * noise.gaussian()
                rover.satellites[k].signals[j].pseudorange? += 0.2 * noise.gaussian()
            }
        }
        return rover
    }

    static func baseEpochs() throws -> (epochs: [ObservationEpoch], position: ECEF) {
        let reader = try RINEXObservationReader(path: SharedData.path(RTKSignalPairingTests.observations))
        var epochs: [ObservationEpoch] = []
        while epochs.count < Self.epochs, var epoch = try reader.next() {
            epoch.satellites.removeAll { $0.satellite.system != .gps }
            epochs.append(epoch)
        }
        return (epochs, try #require(reader.header.approximatePosition))
    }

    /// The mean fixed position's offset from the base (ECEF, m) and the number of fixed epochs.
    static func solve(bias: Double) throws -> (offset: ECEF, fixed: Int) {
        let (base, position) = try Self.baseEpochs()
        let store = try ephemerisStore(RTKSignalPairingTests.navigation)
        var filter = RTKFilter(options: RTKOptions(dynamics: .static, elevationMask: mask * .pi / 180, systems: [.gps]))
        var fixed: [ECEF] = []
        for epoch in base {
            let s = filter.process(rover: rover(epoch, bias: bias), base: epoch, basePosition: position, ephemerides: store)
            if s.quality == .fixed { fixed.append(s.position) }
        }
        return (mean(fixed.map { $0 - position }), fixed.count)
    }

    static func mean(_ v: [ECEF]) -> ECEF {
        let n = Double(max(v.count, 1))
        return ECEF(v.map(\.x).reduce(0, +) / n, v.map(\.y).reduce(0, +) / n, v.map(\.z).reduce(0, +) / n)
    }

    @Test func aReceiversBiasBetweenL2CodesDoesNotMoveTheFix() throws {
        let plain = try Self.solve(bias: 0), biased = try Self.solve(bias: 0.05)
        #expect(plain.fixed == Self.epochs && biased.fixed == Self.epochs)
        let moved = (biased.offset - plain.offset).norm
        #expect(moved < 1e-5, "the rover's 0.05-cycle L2L bias moved the fix by \(moved * 1000) mm")
        #expect(biased.offset.norm < 0.0005, "fixed \(biased.offset.norm * 1000) mm from the base")
    }

    /// The same receiver as rover and base, no noise: every double difference is zero, and every fixed epoch lies
    /// on the base, static and kinematic. The rover's troposphere was taken at its single-point position, metres
    /// off in height, which put the fix 0.4–1.7 mm up or down (0.7 mm on average, 1.3 mm on the first epoch).
    @Test(arguments: [RTKOptions.Dynamics.static, .kinematic])
    func aZeroBaselineFixesOnTheBase(_ dynamics: RTKOptions.Dynamics) throws {
        let (base, position) = try Self.baseEpochs()
        let store = try ephemerisStore(RTKSignalPairingTests.navigation)
        var filter = RTKFilter(options: RTKOptions(dynamics: dynamics, elevationMask: Self.mask * .pi / 180, systems: [.gps]))
        var worst = 0.0, fixed = 0
        for epoch in base {
            let s = filter.process(rover: epoch, base: epoch, basePosition: position, ephemerides: store)
            guard s.quality == .fixed else { continue }
            fixed += 1
            worst = max(worst, s.position.distance(to: position))
        }
        #expect(fixed == Self.epochs)
        #expect(worst < 5e-5, "a fixed epoch \(worst * 1000) mm from the base")
    }

    /// The grouping itself: L2W against L2W, L2L against L2L, and a rover's L2L against a base's L2W apart.
    @Test func satellitesAreGroupedBySignalPair() throws {
        let epoch = try Self.baseEpochs().epochs[0]
        var rover = Self.rover(epoch, bias: 0)
        // One satellite whose base lost L2L too, so that it pairs the rover's L2L with the base's L2W.
        let crossed = try #require(rover.satellites.first { $0.satellite.prn % 3 == 0 && $0.signal(Self.l2l) != nil }).satellite
        var baseEpoch = epoch
        for k in baseEpoch.satellites.indices where baseEpoch.satellites[k].satellite == crossed {
            baseEpoch.satellites[k].signals.removeAll { $0.signal == Self.l2l }
        }
        rover.satellites.removeAll { $0.satellite.system != .gps }
        var pairs: [(SatelliteID, RTKFilter.PairSignal)] = []
        for r in rover.satellites {
            guard let b = baseEpoch.satellite(r.satellite),
                  let s = RTKFilter.commonSignal(r, b, SignalSelection.secondary(.gps), channel: nil) else { continue }
            pairs.append((r.satellite, s))
        }
        let crossedPair = try #require(pairs.first { $0.0 == crossed }?.1)
        #expect(crossedPair.roverCode == Self.l2l && crossedPair.baseCode == Self.l2w)
        // One key per signal pair: L2W/L2W, L2L/L2L and the crossed L2L/L2W.
        let keys = Dictionary(grouping: pairs, by: { RTKFilter.groupKey($0.1, beidou3: false) })
        #expect(keys.count == 3)
        for (_, members) in keys {
            #expect(Set(members.map { "\($0.1.roverCode)/\($0.1.baseCode)" }).count == 1)
        }
    }

    /// RTKLIB 2.4.3 on the same two files: unmoved by the rover's L2L bias, and where this filter puts the rover.
    @Test(.enabled(if: SharedData.hasTool("rnx2rtkp"), "needs RTKLIB's rnx2rtkp"))
    func rtklibAgrees() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rtk-signal-groups-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (base, position) = try Self.baseEpochs()
        let nav = dir + "/esbc.nav"
        try Data(try gunzipped(SharedData.path(RTKSignalPairingTests.navigation))).write(to: URL(fileURLWithPath: nav))
        func write(_ epochs: [ObservationEpoch], _ path: String) throws {
            let writer = RINEXObservationWriter(markerName: "ESBC", approximatePosition: position, interval: 30,
                                                observationTypes: RINEXObservationWriter.observationTypes(for: epochs))
            try (writer.header(firstEpoch: epochs.first?.time) + epochs.map(writer.epoch).joined())
                .write(toFile: path, atomically: true, encoding: .utf8)
        }
        try write(base, dir + "/base.rnx")
        let configuration = dir + "/static.conf"
        try """
            pos1-posmode       =static
            pos1-frequency     =l1+2
            pos1-elmask        =\(Int(Self.mask))
            pos1-navsys        =1
            pos2-armode        =continuous
            ant2-postype       =xyz
            ant2-pos1          =\(position.x)
            ant2-pos2          =\(position.y)
            ant2-pos3          =\(position.z)
            out-solformat      =xyz

            """.write(toFile: configuration, atomically: true, encoding: .utf8)
        var offsets: [Double: ECEF] = [:]
        for bias in [0, 0.05] {
            let rover = dir + "/rover-\(bias).rnx", out = dir + "/rover-\(bias).pos"
            try write(base.map { epoch in Self.rover(epoch, bias: bias) }, rover)
            try run(["rnx2rtkp", "-k", configuration, "-o", out, rover, dir + "/base.rnx", nav])
            var fixed: [ECEF] = []
            for line in try String(contentsOfFile: out, encoding: .utf8).split(whereSeparator: \.isNewline) where !line.hasPrefix("%") {
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 6, f[5] == "1", let x = Double(f[2]), let y = Double(f[3]), let z = Double(f[4]) else { continue }
                fixed.append(ECEF(x, y, z) - position)
            }
            #expect(fixed.count > Self.epochs * 9 / 10, "RTKLIB fixed \(fixed.count) of \(Self.epochs) epochs")
            offsets[bias] = Self.mean(fixed)
        }
        let rtklib = try #require(offsets[0.05]), ours = try Self.solve(bias: 0.05).offset
        print(String(format: "rover's L2L 0.05 cycles off: RTKLIB fixed %.2f mm from the base (moved %.3f mm by the bias), "
                     + "this filter %.2f mm, %.2f mm from RTKLIB", rtklib.norm * 1000, (rtklib - offsets[0]!).norm * 1000,
                     ours.norm * 1000, (rtklib - ours).norm * 1000))
        #expect((rtklib - offsets[0]!).norm < 1e-4)
        #expect((rtklib - ours).norm < 0.0005)
    }

    func gunzipped(_ path: String) throws -> Data {
        let p = Process(), pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", path]
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }

    func run(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(arguments[0]) exited with \(p.terminationStatus)")
    }
}
