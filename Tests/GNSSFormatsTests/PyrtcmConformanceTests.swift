import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Whether python3 can import pyrtcm (installed by .ci/run).
let pyrtcmAvailable: Bool = {
    let ok = (try? PyrtcmConformanceTests.run(["python3", "-c", "import pyrtcm"])) != nil
    if !ok { print("skipping pyrtcm conformance: python3 cannot import pyrtcm") }
    return ok
}()

/// Runs pyrtcm (the independent Python RTCM 3 decoder) over every capture and
/// the project's own demo stream, and compares message counts and MSM
/// pseudoranges with this project's decoding. Skips where pyrtcm is not installed.
@Suite(.enabled(if: SharedData.available && pyrtcmAvailable, "needs ../shared/data and pyrtcm (pip install pyrtcm)"))
struct PyrtcmConformanceTests {
    @discardableResult
    static func run(_ args: [String], stdin: String? = nil) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw FormatError(.io, "\(args[0]) exited with \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    static let script = """
        import sys, json, collections
        from pyrtcm import RTCMReader, parse_msm
        C = 299792458.0 / 1000
        for path in sys.argv[1:]:
            counts = collections.Counter(); prs = []
            with open(path, 'rb') as s:
                try:
                    for raw, p in RTCMReader(s, quitonerror=0):
                        if p is None: continue
                        counts[p.identity] += 1
                        if p.identity in ('1077', '1087', '1097', '1117', '1127') and len(prs) < 200:
                            meta, sats, cells = parse_msm(p)
                            rough = {s['PRN']: (s['DF397'] + s['DF398']) for s in sats}
                            for c in cells:
                                if c.get('DF405') is not None:
                                    prs.append([p.identity, meta['epoch'], c['CELLPRN'], c['CELLSIG'], (rough[c['CELLPRN']] + c['DF405']) * C])
                except Exception:
                    pass
            print(json.dumps({'path': path, 'counts': counts, 'pr': prs}))
        """

    @Test func countsAndPseudorangesAgree() throws {
        let fixture = SharedData.fixture("demo.rtcm3")
        let files = try FileManager.default.contentsOfDirectory(atPath: SharedData.path("rtcm3")).sorted().map { SharedData.path("rtcm3/" + $0) }
            + [fixture]
        let output = try Self.run(["python3", "-c", Self.script] + files)
        var checked = 0
        for line in output.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let path = try #require(o["path"] as? String)
            let theirs = try #require(o["counts"] as? [String: Int])
            let (ours, messages, _) = decodeRTCM3(try FileByteSource.readAll(path: path))
            #expect(ours == theirs, "\(path)")
            let msms = messages.compactMap { if case .msm(let m) = $0.1 { return m } else { return nil } }
            for row in (o["pr"] as? [[Any]]) ?? [] {
                guard let type = Int(row[0] as? String ?? ""), let epoch = row[1] as? Int, var prn = Int(row[2] as? String ?? ""),
                      let sig = row[3] as? String, sig != "/", let pr = row[4] as? Double else { continue }
                // pyrtcm names QZSS satellites by PRN (193…) and SBAS by PRN (120…); the MSM mask counts from 1.
                if prn >= 193 { prn -= 192 } else if prn >= 120 { prn -= 119 }
                let m = msms.first { $0.messageType == type && $0.epochMilliseconds == epoch }
                let cell = m?.cells.first { MSMSignals.bit($0.satellite) == prn && $0.signal.description == sig }
                #expect(cell?.pseudorange.map { abs($0 - pr) < 1e-3 } == true, "\(path) \(type) \(epoch) \(prn) \(sig)")
                checked += 1
            }
        }
        #expect(checked > 500)
    }
}
