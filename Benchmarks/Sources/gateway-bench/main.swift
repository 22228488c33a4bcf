import Foundation
import GNSSCore
import GNSSFormats

// Measures, in one run on this machine:
//  1. reading the 24 h ESBC Hatanaka+gzip file straight from disk, against RTKLIB `rnx2rtkp -p 0` on the
//     decompressed file (the yardstick: at most a third of RTKLIB's time);
//  2. RTCM 3 MSM7 decoding rate, frames per second on one core;
//  3. whole-process `gatewayd replay` against `rnx2rtkp` for RTK and PPP on the same files and options.
// Needs ../shared/data, a release build of gatewayd and rtklib. The replay comparisons take the newer of the
// deployment build (`swift build -c release --static-swift-stdlib --scratch-path .build-static`, the Swift runtime
// and Foundation linked in) and the plain release build, and say which.

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let data = root.deletingLastPathComponent().appendingPathComponent("shared/data").path
let gatewayd = [".build-static/release/gatewayd", ".build/release/gatewayd"].map { root.appendingPathComponent($0).path }
    .filter { FileManager.default.isExecutableFile(atPath: $0) }
    .max { a, b in
        func modified(_ path: String) -> Date {
            (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
        }
        return modified(a) < modified(b)
    } ?? root.appendingPathComponent(".build/release/gatewayd").path
let scratch = NSTemporaryDirectory() + "gateway-bench"
try? FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// Best of `runs` wall-clock times of a whole process, from posix_spawnp to waitpid (Foundation's Process adds
/// tens of milliseconds of its own to a short run: more than the whole of an hour of RTK).
func processTime(_ args: [String], runs: Int = 3) -> Double? {
    var best = Double.infinity
    for _ in 0..<runs {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        var status: Int32 = 0
        let t = seconds {
            guard posix_spawnp(&pid, args[0], &actions, nil, argv, environ) == 0 else { status = -1; return }
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        }
        guard status == 0 else { return nil }
        best = min(best, t)
    }
    return best.isFinite ? best : nil
}

func report(_ name: String, ours: Double?, theirs: Double?, target: String) {
    guard let ours else { print("\(name): gatewayd failed"); return }
    if let theirs {
        print(String(format: "%@: gatewayd %.3f s, RTKLIB %.3f s, ratio %.1f× (target %@)", name, ours, theirs, theirs / ours, target))
    } else {
        print(String(format: "%@: gatewayd %.3f s (RTKLIB not available)", name, ours))
    }
}

guard FileManager.default.fileExists(atPath: data + "/README.md") else {
    print("../shared/data is absent: nothing to measure")
    exit(0)
}

let only = CommandLine.arguments.dropFirst().first   // "read", "msm" or "replay" to run one part

let esbc = data + "/ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz"
let nav = data + "/ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
let decompressed = scratch + "/esbc.rnx"

/// RTKLIB reads the decompressed ESBC file: write it once with this project's RINEX 3.05 writer.
func writeDecompressed() {
    guard !FileManager.default.fileExists(atPath: decompressed) else { return }
    do {
        let r = try RINEXObservationReader(path: esbc)
        var all: [ObservationEpoch] = []
        while let e = try r.next() { all.append(e) }
        var w = RINEXObservationWriter(version: 3.05, markerName: "ESBC", approximatePosition: r.header.approximatePosition, interval: 30,
                                       observationTypes: RINEXObservationWriter.observationTypes(for: all))
        w.glonassChannels = r.header.glonassChannels
        var text = w.header(firstEpoch: all.first?.time)
        for e in all { text += w.epoch(e) }
        try text.write(toFile: decompressed, atomically: true, encoding: .utf8)
    } catch {
        print("cannot write \(decompressed): \(error)")
    }
}

// 1. Reading the ESBC observation file.
if only == nil || only == "read" {
var epochs = 0
var readTime = Double.infinity
for _ in 0..<3 {
    let t = try seconds {
        let r = try RINEXObservationReader(path: esbc)
        epochs = 0
        while try r.next() != nil { epochs += 1 }
    }
    readTime = min(readTime, t)
}
writeDecompressed()
let rtklibSPP = processTime(["rnx2rtkp", "-p", "0", "-o", scratch + "/spp.pos", decompressed, nav], runs: 1)
print(String(format: "ESBC 24 h .crx.gz read: %d epochs in %.3f s", epochs, readTime))
if let rtklibSPP {
    print(String(format: "  rnx2rtkp -p 0 on the decompressed file: %.3f s; read takes %.2f of it (target ≤ 0.33)", rtklibSPP, readTime / rtklibSPP))
}

}

// 2. MSM7 decoding rate.
if only == nil || only == "msm" {
let gmsd = try FileByteSource.readAll(path: data + "/rtcm3/GMSD7_20121014.rtcm3")
var framer = RTCM3Framer()
framer.append(gmsd)
var msm7: [[UInt8]] = []
while let item = framer.next() {
    if case .frame(let f) = item, [1077, 1087, 1097, 1117, 1127].contains(f.messageType) { msm7.append(f.payload) }
}
// `gateway-bench msm N` decodes N frames (1 000 000 by default), fewer for a run under a profiler.
// The rate is the best of five passes over N/5 frames each, so a pause of the machine does not count.
let msmFrames = CommandLine.arguments.count > 2 ? Int(CommandLine.arguments[2]) ?? 1_000_000 : 1_000_000
var decoded = 0
var cells = 0
var bestRate = 0.0
for _ in 0..<5 {
    var passFrames = 0
    let passTime = try seconds {
        while passFrames < msmFrames / 5 {
            for p in msm7 {
                cells &+= try MSMMessage.decode(p).cells.count
                passFrames += 1
            }
        }
    }
    decoded += passFrames
    bestRate = max(bestRate, Double(passFrames) / passTime)
}
print(String(format: "MSM7 decoding: %.0f frames/s on one core (best of 5 passes; %d frames, %d cells; target > 1e6)", bestRate, decoded, cells))

}

// 3. Whole-process replay against rnx2rtkp.
if only == nil || only == "replay" {
guard FileManager.default.isExecutableFile(atPath: gatewayd) else {
    print("no release gatewayd at \(gatewayd): run `swift build -c release` in the main package for the replay comparisons")
    exit(0)
}
print("replay with \(gatewayd)")
let rtk = data + "/rtk-0759-3040/"
let oursRTK = processTime([gatewayd, "replay", "--quiet", "--mode", "rtk", "--systems", "G", "--rover", rtk + "07590920.05o",
                           "--base", rtk + "30400920.05o", "--nav", rtk + "07590920.05n", "--out", scratch + "/rtk.pos"], runs: 5)
let theirsRTK = processTime(["rnx2rtkp", "-p", "2", "-f", "2", "-m", "15", "-o", scratch + "/rtk-rtklib.pos",
                             rtk + "07590920.05o", rtk + "30400920.05o", rtk + "07590920.05n"], runs: 5)
report("RTK kinematic 0759/3040", ours: oursRTK, theirs: theirsRTK, target: "≥ 10×")
let ppp = data + "/ppp-esbc-2020177/"
writeDecompressed()
// RTKLIB reads neither Hatanaka nor gzip here (its gzip products give no solutions): both programs get the same
// plain files, RTKLIB its PPP through a configuration (precise orbits and clocks, ionosphere-free, ZTD, wind-up,
// solid tides, GPS+Galileo) and both a 10° mask.
let plainNav = scratch + "/esbc-nav.rnx", plainSP3 = scratch + "/grg.sp3", plainClock = scratch + "/grg.clk"
for (from, to) in [(nav, plainNav), (ppp + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz", plainSP3),
                   (ppp + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz", plainClock)] where !FileManager.default.fileExists(atPath: to) {
    _ = FileManager.default.createFile(atPath: to, contents: Data((try? FileByteSource.readAll(path: from)) ?? []))
}
let rtklibConfiguration = scratch + "/ppp-kinematic.conf"
try? """
    pos1-posmode       =ppp-kine
    pos1-frequency     =l1+l2
    pos1-elmask        =10
    pos1-ionoopt       =dual-freq
    pos1-tropopt       =est-ztd
    pos1-sateph        =precise
    pos1-navsys        =9
    pos1-posopt3       =on
    pos1-tidecorr      =on
    out-solformat      =xyz

    """.write(toFile: rtklibConfiguration, atomically: true, encoding: .utf8)
let oursPPP = processTime([gatewayd, "replay", "--quiet", "--mode", "ppp", "--systems", "G,E", "--elevation-mask", "10",
                           "--rover", decompressed, "--nav", plainNav, "--sp3", plainSP3, "--clk", plainClock,
                           "--out", scratch + "/ppp.pos"], runs: 5)
// Best of three for RTKLIB too: this machine's speed drifts by a third from one second to the next.
var theirsPPP = processTime(["rnx2rtkp", "-k", rtklibConfiguration, "-o", scratch + "/ppp-rtklib.pos", decompressed, plainNav,
                             plainSP3, plainClock], runs: 3)
func solutionLines(_ path: String) -> Int {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("%") }.count
}
let (ourCount, theirCount) = (solutionLines(scratch + "/ppp.pos"), solutionLines(scratch + "/ppp-rtklib.pos"))
print("  PPP solutions: gatewayd \(ourCount), RTKLIB \(theirCount)")
if theirCount < 2800 { theirsPPP = nil }
report("PPP kinematic ESBC 24 h", ours: oursPPP, theirs: theirsPPP, target: "≥ 10×")
let oursCompressed = processTime([gatewayd, "replay", "--quiet", "--mode", "ppp", "--systems", "G,E", "--elevation-mask", "10",
                                  "--rover", esbc, "--nav", nav, "--sp3", ppp + "GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz",
                                  "--clk", ppp + "GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz", "--out", scratch + "/ppp-gz.pos"], runs: 3)
if let oursCompressed { print(String(format: "  gatewayd on the .crx.gz and gzip files themselves: %.3f s", oursCompressed)) }
// RTK over a day: ESBC against itself (a zero baseline), L1+L2, 2880 epochs: the per-epoch cost the hour of 0759
// (bound by start-up) hides. RTKLIB fixes nothing on this degenerate baseline (it leaves every epoch float) but runs
// its filter and ambiguity search at every epoch all the same. Its systems go through a configuration file: this
// rnx2rtkp's `-sys` selects others than it names (`-sys G,E` gives it the 28 satellites of G,R,E,C at the first
// epoch, where GPS and Galileo have 14).
func rtkDay(systems: String, navsys: Int, name: String) {
    let configuration = scratch + "/rtk-\(navsys).conf"
    try? """
        pos1-posmode       =kinematic
        pos1-frequency     =l1+2
        pos1-elmask        =15
        pos1-navsys        =\(navsys)
        ant2-postype       =rinexhead

        """.write(toFile: configuration, atomically: true, encoding: .utf8)
    let (ourFile, theirFile) = (scratch + "/rtk-day-\(navsys).pos", scratch + "/rtk-day-\(navsys)-rtklib.pos")
    let ours = processTime([gatewayd, "replay", "--quiet", "--mode", "rtk", "--systems", systems, "--rover", decompressed,
                            "--base", decompressed, "--nav", plainNav, "--out", ourFile], runs: 3)
    let theirs = processTime(["rnx2rtkp", "-k", configuration, "-o", theirFile, decompressed, decompressed, plainNav], runs: 1)
    print("  RTK solutions over the day, \(systems): gatewayd \(solutionLines(ourFile)), RTKLIB \(solutionLines(theirFile))")
    report(name, ours: ours, theirs: theirs, target: "per-epoch cost")
}
rtkDay(systems: "G,E", navsys: 1 | 8, name: "RTK kinematic ESBC zero baseline 24 h")
// With GLONASS and BeiDou too: about 60 ambiguities instead of 35.
rtkDay(systems: "G,R,E,C", navsys: 1 | 4 | 8 | 32, name: "RTK kinematic ESBC zero baseline 24 h, four systems")
}
