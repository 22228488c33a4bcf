import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSPositioning
@testable import Gateway

/// `gatewayd replay`'s runner on real data: what it does beyond the engine (a base header far from the base, the
/// remarks of its summary), and the runs the other replay tests share. The engine's accuracy against RTKLIB and the
/// reference positions is tested next to it (GNSSPositioningTests' `ReferenceAccuracyTests`).
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct ReplayTests {
    static func solutions(_ c: ReplayConfiguration) throws -> [Solution] { try replay(c).solutions }

    static func replay(_ c: ReplayConfiguration) throws -> (solutions: [Solution], summary: ReplaySummary) {
        var config = c
        config.format = .json
        var out: [Solution] = []
        let runner = ReplayRunner(configuration: config)
        let summary = try runner.run { line in
            guard let data = line.data(using: .utf8), let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let e = o["ecef"] as? [Double], let q = o["quality"] as? String else { return }
            let quality: SolutionQuality = ["fixed": .fixed, "float": .float, "single": .single, "ppp": .ppp][q] ?? .none
            out.append(Solution(time: GNSSTime(seconds: 0), position: ECEF(e[0], e[1], e[2]), quality: quality,
                                satellites: o["satellites"] as? Int ?? 0, ratio: o["ratio"] as? Double ?? 0))
        }
        return (out, summary)
    }

    static let rtkRover = ECEF(-3_976_219.6636, 3_382_372.5411, 3_652_513.0541)

    /// A base header position 200 km off (as one converter wrote for a real NetR9 base) would leave every epoch
    /// single; the base's own single-point fix stands in, with a remark, and the rover fixes again, its position off
    /// by that fix's metres; the mean fixed baseline stays within a centimetre of RTKLIB's 0759–3040.
    @Test func aBaseHeaderFarFromTheBaseIsReplacedByItsOwnFix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("base-header-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = try String(contentsOfFile: SharedData.path("rtk-0759-3040/30400920.05o"), encoding: .utf8)
        let wrong = original.replacingOccurrences(of: " -3978242.4348  3382841.1715  3649902.7667", with: " -3837776.1063  3354867.8075  3718445.0835")
        #expect(wrong != original)
        try wrong.write(toFile: dir + "/30400920.05o", atomically: true, encoding: .utf8)
        var c = ReplayConfiguration()
        c.profile.mode = .rtk
        c.rover = [SharedData.path("rtk-0759-3040/07590920.05o")]
        c.base = [dir + "/30400920.05o"]
        c.navigation = [SharedData.path("rtk-0759-3040/07590920.05n")]
        c.profile.systems = [.gps]
        let (solutions, summary) = try Self.replay(c)
        let remark = try #require(summary.remarks.first { $0.contains("km from its single-point fix") }, "\(summary.remarks)")
        let used = try #require(remark.firstMatch(of: #/epoch, (-?[0-9.]+),(-?[0-9.]+),(-?[0-9.]+) /#))
        let base = ECEF(Double(used.1)!, Double(used.2)!, Double(used.3)!)
        let header3040 = ECEF(-3_978_242.4348, 3_382_841.1715, 3_649_902.7667)
        #expect(base.distance(to: header3040) < 15)
        let fixed = solutions.filter { $0.quality == .fixed }
        #expect(fixed.count >= 110, "\(fixed.count) fixed")
        let reference = Self.rtkRover - header3040
        let n = Double(fixed.count)
        let mean = ECEF(fixed.map(\.position.x).reduce(0, +) / n, fixed.map(\.position.y).reduce(0, +) / n,
                        fixed.map(\.position.z).reduce(0, +) / n)
        #expect((mean - base).distance(to: reference) < 0.01, "mean baseline \(mean - base), base \(base.distance(to: header3040)) m off")
    }

    /// PPP of ESBC's day with the GRG products, GPS and Galileo, 10° mask (the setup of the data README's RTKLIB
    /// reference), which the antenna model and SSR tests start from.
    static func esbcPPP() -> ReplayConfiguration {
        let d = "ppp-esbc-2020177/"
        var c = ReplayConfiguration()
        c.profile.mode = .ppp
        c.rover = [SharedData.path(d + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")]
        c.navigation = [SharedData.path(d + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz")]
        c.sp3 = [SharedData.path(d + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz")]
        c.clock = [SharedData.path(d + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz")]
        c.profile.systems = [.gps, .galileo]
        c.profile.elevationMask = 10 * Constants.degreesToRadians
        return c
    }

    /// PPP on broadcast ephemerides alone: the summary says what is missing (the engine labels such solutions
    /// single, `ReferenceAccuracyTests.broadcastOnlyPPPSaysWhatItIs`).
    @Test func broadcastOnlyPPPIsRemarked() throws {
        var c = ReplayConfiguration()
        c.profile.mode = .ppp
        c.rover = [SharedData.path("rtk-0759-3040/07590920.05o")]
        c.navigation = [SharedData.path("rtk-0759-3040/07590920.05n")]
        c.profile.systems = [.gps]
        let (solutions, summary) = try Self.replay(c)
        #expect(solutions.count == 120 && summary.byQuality[.ppp] == nil)
        #expect(summary.remarks.contains { $0.contains("no precise orbits and clocks") }, "\(summary.remarks)")
    }

    /// No --atx with precise products: the remark says what that leaves out and which file the products were made with.
    @Test func pppWithoutANTEXNamesTheProductsAntennaFile() throws {
        let products = try ReplayRunner(configuration: Self.esbcPPP()).loadProducts()
        let remark = ReplayRunner.noSatelliteAntennaRemark(products.clockAntennaModels)
        #expect(remark.hasSuffix("computed with igs14_2108.atx: give it with --atx"), "\(remark)")
    }
}
