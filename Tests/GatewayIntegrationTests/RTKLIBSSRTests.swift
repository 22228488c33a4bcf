import Foundation
import Testing
import TestSupport

/// The SSR stream `gatewayd ssr encode` writes, read by an independent implementation: RTKLIB 2.4.3's `rnx2rtkp`
/// takes an input named `*.rtcm3` as a stream of corrections and, with `pos1-sateph = brdc+ssrcom` (the orbits
/// refer to the centre of mass; no ANTEX file here, so RTKLIB adds no antenna offset, as with the precise orbits),
/// applies it to the broadcast ephemerides. ESBC, 25 June 2020, kinematic PPP, GPS, ionosphere-free L1/L2, 10°.
///
/// "Within 5 cm" is read as the SSR run's positions against those of RTKLIB's own run with the SP3 and clock files
/// the stream was made from, epoch by epoch: the median 3D difference over the epochs after 12:00 GPST. Against a
/// static position instead, both runs err by about 12 cm there (RTKLIB's kinematic PPP does no better on the precise
/// products themselves), which would say little about the stream.
///
/// What RTKLIB's trace showed on the way (`-x 3`/`-x 4`/`-x 5`):
/// - Without SSR URA messages it weighs every corrected satellite with a default 15 cm (its `var=` in the level 5
///   trace of `satpos_ssr`), so phase counts for little more than code: 9.9 cm median difference. The generator
///   therefore sends a URA with each orbit update (1 cm by default); with it, 3.7 cm.
/// - The orbits it corrects agree with its precise ones to 1–2 mm (level 4 `rs=`). Its clocks differed by a constant
///   of up to ±2 cm a satellite while the generator referred its corrections to the broadcast clock as the ICD defines
///   it (relativistic term F·e·√A·sin E): RTKLIB adds the correction to the clock polynomial with −2 r·v/c², IGS SSR's
///   convention, and the two terms differ by the broadcast orbit's non-Keplerian part (G18 at 13:00: 0.5021 against
///   0.4431 ns). The generator and the corrections now both use −2 r·v/c²; RTKLIB's clocks on the stream then agree
///   with its precise ones to 0.3 mm and its positions with its SP3/CLK run to 2.2 mm (median).
/// - Satellites it leaves out ("age of ssr error", "no ssr orbit correction") are G04, which the products lack,
///   satellites rising before their first ephemeris was broadcast, and the last quarter hour after the SP3 ends.
@Suite(.enabled(if: SharedData.available && SharedData.hasTool("rnx2rtkp") && SharedData.hasTool("crx2rnx"),
                "needs ../shared/data and RTKLIB's rnx2rtkp (and crx2rnx for the Hatanaka observations)"))
struct RTKLIBSSRTests {
    static let data = SharedData.path("ppp-esbc-2020177/")
    static let nav = data + "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
    static let sp3 = data + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"
    static let clk = data + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"

    /// RTKLIB reads neither Hatanaka nor (here) gzip: plain copies in `dir` of the observations, navigation, SP3
    /// and clock files, and the SSR stream generated from the same navigation, SP3 and clock files.
    struct Inputs {
        let dir: String
        var obs: String { dir + "/esbc.rnx" }
        var nav: String { dir + "/esbc-nav.rnx" }
        var sp3: String { dir + "/grg.sp3" }
        var clk: String { dir + "/grg.clk" }
        var ssr: String { dir + "/esbc-ssr.rtcm3" }

        init() throws {
            dir = makeWorkDirectory("rtklib-ssr")
            for (from, to) in [(RTKLIBSSRTests.nav, nav), (RTKLIBSSRTests.sp3, sp3), (RTKLIBSSRTests.clk, clk),
                               (RTKLIBSSRTests.data + "ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz", dir + "/esbc.crx")] {
                try RTKLIBSSRTests.gunzip(from, to)
            }
            try RTKLIBSSRTests.run(["crx2rnx", "-f", dir + "/esbc.crx"], in: dir)
            let encoded = try DaemonProcess.run("gatewayd", ["ssr", "encode", "--quiet", "--systems", "G",
                                                             "--nav", RTKLIBSSRTests.nav, "--sp3", RTKLIBSSRTests.sp3,
                                                             "--clk", RTKLIBSSRTests.clk, "--out", ssr], directory: dir)
            guard encoded.status == 0 else { throw Failure("gatewayd ssr encode: \(encoded.error)") }
        }

        func remove() { try? FileManager.default.removeItem(atPath: dir) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    static func gunzip(_ from: String, _ to: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", from]
        guard FileManager.default.createFile(atPath: to, contents: nil), let out = FileHandle(forWritingAtPath: to) else {
            throw Failure("cannot create \(to)")
        }
        defer { try? out.close() }
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure("gzip -dc \(from) exited with \(p.terminationStatus)") }
    }

    static func run(_ arguments: [String], in directory: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw Failure("\(arguments[0]) exited with \(p.terminationStatus)") }
    }

    /// A configuration for kinematic PPP on GPS with the satellites from `ephemeris` (precise or brdc+ssrcom).
    static func configuration(_ ephemeris: String, in dir: String) throws -> String {
        let path = dir + "/ppp-\(ephemeris.replacingOccurrences(of: "+", with: "-")).conf"
        try """
            pos1-posmode       =ppp-kine
            pos1-frequency     =l1+2
            pos1-elmask        =10
            pos1-ionoopt       =dual-freq
            pos1-tropopt       =est-ztd
            pos1-sateph        =\(ephemeris)
            pos1-navsys        =1
            pos1-posopt3       =on
            pos1-tidecorr      =on
            out-solformat      =xyz

            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The positions of an `out-solformat=xyz` solution file (CRLF lines) by their GPST time of day ("hh:mm:ss.sss").
    static func positions(_ path: String) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline) where !line.hasPrefix("%") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 5, let x = Double(f[2]), let y = Double(f[3]), let z = Double(f[4]) else { continue }
            out[String(f[1])] = [x, y, z]
        }
        return out
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
    }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.isEmpty ? .nan : (s[(s.count - 1) / 2] + s[s.count / 2]) / 2
    }

    @Test("RTKLIB's kinematic PPP on the SSR stream stays within 5 cm (median 3D, last 12 h) of its PPP on SP3 and clocks")
    func rtklibAppliesTheStream() throws {
        let inputs = try Inputs()
        defer { inputs.remove() }
        try kinematicPPPAgreesWithPreciseProducts(inputs)
        try satelliteStatesMatchPreciseProducts(inputs)
    }

    func kinematicPPPAgreesWithPreciseProducts(_ inputs: Inputs) throws {
        let dir = inputs.dir
        try Self.run(["rnx2rtkp", "-k", try Self.configuration("precise", in: dir), "-o", dir + "/precise.pos",
                      inputs.obs, inputs.nav, inputs.sp3, inputs.clk], in: dir)
        try Self.run(["rnx2rtkp", "-k", try Self.configuration("brdc+ssrcom", in: dir), "-o", dir + "/ssr.pos",
                      inputs.obs, inputs.nav, inputs.ssr], in: dir)
        let precise = try Self.positions(dir + "/precise.pos"), ssr = try Self.positions(dir + "/ssr.pos")
        let afternoon = ssr.keys.filter { $0 >= "12:00:00" && precise[$0] != nil }.sorted()
        let differences = afternoon.map { Self.distance(ssr[$0]!, precise[$0]!) }
        let difference = Self.median(differences)
        // For scale: each run against RTKLIB's static PPP position of the day (README, GPS+Galileo).
        let reference = [3_582_104.9185, 532_590.1945, 5_232_755.3150]
        let preciseError = Self.median(precise.filter { $0.key >= "12:00:00" }.values.map { Self.distance($0, reference) })
        let ssrError = Self.median(afternoon.map { Self.distance(ssr[$0]!, reference) })
        print(String(format: "RTKLIB kinematic PPP, GPS: %d epochs on SP3/CLK, %d on SSR; after 12:00 GPST %d in common, "
                     + "median 3D difference SSR − SP3/CLK %.1f mm (95th percentile %.1f mm); against the static "
                     + "reference: SP3/CLK %.1f mm, SSR %.1f mm", precise.count, ssr.count, afternoon.count, difference * 1000,
                     differences.isEmpty ? .nan : differences.sorted()[differences.count * 95 / 100] * 1000, preciseError * 1000, ssrError * 1000))
        // The SP3 ends at 23:45: RTKLIB gives no SSR solution after the corrections run out (90 s).
        #expect(precise.count == 2880)
        #expect(afternoon.count > 1380, "\(afternoon.count) epochs after 12:00 in both runs")
        // The requirement is 5 cm; measured 2.2 mm.
        #expect(difference < 0.01)
    }

    /// RTKLIB's corrected satellites against its precise ones (level 4 trace, 13:00–13:10): orbits to millimetres,
    /// clocks to its relativity convention.
    func satelliteStatesMatchPreciseProducts(_ inputs: Inputs) throws {
        let dir = inputs.dir
        let window = ["-x", "4", "-ts", "2020/06/25", "13:00:00", "-te", "2020/06/25", "13:10:00"]
        try Self.run(["rnx2rtkp", "-k", try Self.configuration("precise", in: dir)] + window
                     + ["-o", dir + "/precise.pos", inputs.obs, inputs.nav, inputs.sp3, inputs.clk], in: dir)
        try Self.run(["rnx2rtkp", "-k", try Self.configuration("brdc+ssrcom", in: dir)] + window
                     + ["-o", dir + "/ssr.pos", inputs.obs, inputs.nav, inputs.ssr], in: dir)
        let precise = try Self.satelliteStates(dir + "/precise.pos.trace"), ssr = try Self.satelliteStates(dir + "/ssr.pos.trace")
        var orbit = 0.0, clocks: [Int: [Double]] = [:]
        for (key, s) in ssr {
            guard let p = precise[key] else { continue }
            orbit = max(orbit, Self.distance(Array(s[0..<3]), Array(p[0..<3])))
            clocks[key.sat, default: []].append((s[3] - p[3]) * 1e-9 * 299_792_458)
        }
        let spread = clocks.values.map { ($0.max()! - $0.min()!) }.max() ?? .nan
        let largest = clocks.values.flatMap { $0 }.map(abs).max() ?? .nan
        print(String(format: "RTKLIB satellite states 13:00–13:10, %d satellites: orbits SSR − SP3 within %.1f mm; clocks "
                     + "within %.1f mm, each satellite's steady to %.1f mm: ", clocks.count, orbit * 1000, largest * 1000, spread * 1000)
              + clocks.keys.sorted().map { String(format: "G%02d %+.1f", $0, Self.median(clocks[$0]!) * 1000) }.joined(separator: ", "))
        #expect(clocks.count >= 10)
        #expect(orbit < 0.005)
        // Both sides add the clock correction to the polynomial with −2 r·v/c²: what is left is rounding.
        #expect(largest < 0.003 && spread < 0.003)
    }

    /// The satellite positions (m) and clocks (ns) of a level 4 trace, by transmission time and satellite number.
    static func satelliteStates(_ path: String) throws -> [StateKey: [Double]] {
        var out: [StateKey: [Double]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline) where line.contains(" rs=") {
            // "4 2020/06/25 12:59:59.918702 sat= 7 rs=  -175366.752 -19986224.375  17556107.107 dts= -312592.127 var= ..."
            let f = line.replacingOccurrences(of: "=", with: "= ").split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 11, f[3] == "sat=", let sat = Int(f[4]), f[5] == "rs=", f[9] == "dts=" else { continue }
            let values = [f[6], f[7], f[8], f[10]].compactMap { Double($0) }
            guard values.count == 4, values[0] != 0 else { continue }
            out[StateKey(time: String(f[2]), sat: sat)] = values
        }
        return out
    }

    struct StateKey: Hashable {
        var time: String
        var sat: Int
    }
}
