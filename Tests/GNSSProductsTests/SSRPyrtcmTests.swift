import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts
import Testing
import TestSupport

/// Whether python3 can import pyrtcm (installed by .ci/run).
let pyrtcmAvailable: Bool = {
    let ok = (try? SSRPyrtcmTests.python(["-c", "import pyrtcm"])) != nil
    if !ok { print("skipping pyrtcm SSR conformance: python3 cannot import pyrtcm") }
    return ok
}()

/// pyrtcm, an independent RTCM 3 decoder, reads an hour of generated SSR (RTCM and IGS) without an error and with the
/// values this project encoded.
@Suite(.enabled(if: SharedData.available && pyrtcmAvailable, "needs ../shared/data and pyrtcm (pip install pyrtcm)"))
struct SSRPyrtcmTests {
    static func python(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw FormatError(.io, "python3 exited with \(p.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }

    /// One JSON object per frame: its fields as pyrtcm names them, or {"error": …}.
    static let script = """
        import sys, json
        from pyrtcm import RTCMReader
        with open(sys.argv[1], 'rb') as f:
            for raw, m in RTCMReader(f, quitonerror=0):
                if m is None:
                    print(json.dumps({'error': 'undecoded frame'}))
                    continue
                print(json.dumps({k: v for k, v in vars(m).items() if not k.startswith('_')}))
        """

    @Test("pyrtcm decodes every generated SSR frame with the same values", arguments: SSRGenerator.Format.allCases)
    func pyrtcmAgrees(format: SSRGenerator.Format) throws {
        let p = SSRRoundTripTests.products
        var options = SSRGenerator.Options()
        options.format = format
        var generator = try SSRGenerator(ephemerides: p.ephemerides, precise: p.precise, options: options)
        let start = GNSSTime(gpsWeek: 2111, secondOfWeek: 4 * 86_400 + 12 * 3_600)
        var sent: [SSRMessage] = []
        var bytes: [UInt8] = []
        for step in 0..<720 {
            for m in generator.messages(at: start + Double(step) * 5) {
                let payload = try RTCM3SSRCodec.encode(m)
                sent.append(try RTCM3SSRCodec.decode(payload: payload[...]))
                bytes += RTCM3Framer.frame(payload)
            }
        }
        let path = NSTemporaryDirectory() + "ssr-pyrtcm-\(getpid())-\(format).rtcm3"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try Self.python(["-c", Self.script, path]).split(separator: "\n")
        try #require(lines.count == sent.count, "pyrtcm read \(lines.count) frames of \(sent.count)")
        var compared = 0
        for (line, m) in zip(lines, sent) {
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(fields["error"] == nil, "\(fields)")
            compared += Self.compare(fields, m)
        }
        // An hour of GPS and Galileo: 60 orbit and 720 clock epochs of a dozen satellites each, and all their values.
        #expect(compared > 100_000)
    }

    /// Checks pyrtcm's fields against a message's values (pyrtcm gives millimetres); returns how many it compared.
    static func compare(_ f: [String: Any], _ m: SSRMessage) -> Int {
        let igs = m.messageType == 4076
        var n = 0
        func check(_ key: String, _ value: Double?, sourceLocation: SourceLocation = #_sourceLocation) {
            guard let value else { return }
            let theirs = (f[key] as? NSNumber)?.doubleValue
            #expect(theirs.map { abs($0 - value) < 1e-6 } == true, "\(key): pyrtcm \(String(describing: theirs)), ours \(value)",
                    sourceLocation: sourceLocation)
            n += 1
        }
        check(igs ? "IDF003" : [.galileo: "DF458", .beidou: "DF465"][m.system] ?? "DF385", Double(m.epochSeconds))
        check(igs ? "IDF004" : "DF391", Double(m.updateInterval))
        check(igs ? "IDF010" : "DF387", Double(m.satellites.count))
        for (i, s) in m.satellites.enumerated() {
            let k = String(format: "_%02d", i + 1)
            check((igs ? "IDF011" : [.galileo: "DF252", .beidou: "DF488"][m.system] ?? "DF068") + k, Double(s.satellite.prn))
            if let o = s.orbit {
                check((igs ? "IDF012" : [.galileo: "DF459", .beidou: "DF471"][m.system] ?? "DF071") + k, s.iod.map(Double.init))
                // pyrtcm gives the BeiDou toe modulo in seconds (8 s units).
                if !igs && m.system == .beidou { check("DF470" + k, s.toeModulo.map { Double($0 * 8) }) }
                let keys = igs ? ["IDF013", "IDF014", "IDF015", "IDF016", "IDF017", "IDF018"]
                               : ["DF365", "DF366", "DF367", "DF368", "DF369", "DF370"]
                for (j, key) in keys.enumerated() {
                    // pyrtcm 1.2 lists the orbit-only IGS message's cross-track (IDF015, 20 bits) after the radial
                    // rate (IDF016, 21 bits), so it reads both from the wrong bits; its combined message has them in
                    // the IGS SSR standard's order, which this encoder follows.
                    if igs && (j == 2 || j == 3) { continue }
                    check(key + k, o[j] * 1000)
                }
            }
            if let c = s.clock {
                let keys = igs ? ["IDF019", "IDF020", "IDF021"] : ["DF376", "DF377", "DF378"]
                for (j, key) in keys.enumerated() { check(key + k, c[j] * 1000) }
            }
            if let u = s.ura { check((igs ? "IDF034" : "DF389") + k, Double(u)) }
        }
        return n
    }
}
