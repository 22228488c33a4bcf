import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSPositioning
@testable import Gateway

/// `--format nmea` against RTKLIB's own GGA sentences (`rnx2rtkp -n`) for 0759/3040 with the base at the header
/// position: the same UTC times (to the second), fix qualities, satellite counts and coordinates (to a few millimetres), RTKLIB's
/// height above the geoid plus its separation being ours above the ellipsoid; each checksum the XOR of the body.
@Suite(.enabled(if: SharedData.available && SharedData.hasTool("rnx2rtkp"), "needs ../shared/data and RTKLIB's rnx2rtkp"))
struct NMEAOutputTests {
    struct GGA {
        var time: String, latitude: Double, longitude: Double, quality: Int, satellites: Int, height: Double
        init?(_ sentence: Substring, ellipsoidal: Bool) {
            let f = sentence.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count >= 12, f[0].hasSuffix("GGA"), let lat = Double(f[2]), let lon = Double(f[4]),
                  let q = Int(f[6]), let n = Int(f[7]), let h = Double(f[9]), let separation = Double(f[11]) else { return nil }
            func degrees(_ v: Double) -> Double { (v / 100).rounded(.down) + v.truncatingRemainder(dividingBy: 100) / 60 }
            time = String(f[1])
            latitude = degrees(lat) * (f[3] == "S" ? -1 : 1)
            longitude = degrees(lon) * (f[5] == "W" ? -1 : 1)
            quality = q
            satellites = n
            height = ellipsoidal ? h : h + separation
        }
    }

    @Test func ggaMatchesRTKLIB() throws {
        let data = SharedData.path("rtk-0759-3040/")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nmea-\(getpid())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["rnx2rtkp", "-p", "2", "-f", "2", "-m", "15", "-n", "-r", "-3978242.4348", "3382841.1715", "3649902.7667",
                             "-o", dir + "/rtklib.nmea", data + "07590920.05o", data + "30400920.05o", data + "07590920.05n"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        let theirs = try String(contentsOfFile: dir + "/rtklib.nmea", encoding: .utf8).split(whereSeparator: \.isNewline)
            .compactMap { GGA($0, ellipsoidal: false) }
        #expect(theirs.count == 115)

        var c = ReplayConfiguration()
        c.profile.mode = .rtk
        c.rover = [data + "07590920.05o"]
        c.base = [data + "30400920.05o"]
        c.navigation = [data + "07590920.05n"]
        c.profile.systems = [.gps]
        c.format = .nmea
        var sentences: [String] = []
        _ = try ReplayRunner(configuration: c).run { sentences.append($0) }
        var ours: [String: GGA] = [:]
        for s in sentences {
            let star = try #require(s.lastIndex(of: "*"))
            let body = s[s.index(after: s.startIndex)..<star]
            let checksum = body.utf8.reduce(UInt8(0), ^)
            #expect(s.hasPrefix("$") && s[s.index(after: star)...] == String(format: "%02X", checksum), "\(s)")
            if let g = GGA(body, ellipsoidal: true) { ours[String(g.time.prefix(6))] = g }
        }
        #expect(ours.count == 115)
        for t in theirs {
            // To the second: 00:56:47.005 UTC, the last epoch (the receiver's clock 5 ms off), is a tie at 0.01 s.
            let o = try #require(ours[String(t.time.prefix(6))], "no sentence at \(t.time)")
            #expect(o.quality == t.quality && o.satellites == t.satellites, "\(t.time)")
            // 1e-7° is a centimetre.
            #expect(abs(o.latitude - t.latitude) < 1e-7 && abs(o.longitude - t.longitude) < 1e-7, "\(t.time)")
            #expect(abs(o.height - t.height) < 0.02, "\(t.time): \(o.height) against \(t.height)")
        }
    }
}
