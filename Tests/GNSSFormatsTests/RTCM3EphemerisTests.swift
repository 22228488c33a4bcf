import Foundation
import Testing
import GNSSCore
@testable import GNSSFormats

/// Test-only RTCM 3 frame splitting for the ephemeris and SSR tests: preamble 0xD3, 10-bit length,
/// payload, CRC-24Q checked with a small table-free implementation kept here on purpose.
enum EphemerisTestFrames {
    static let dataDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/data/rtcm3").standardizedFileURL
    static var dataPresent: Bool { FileManager.default.fileExists(atPath: dataDirectory.path) }

    static func crc24q(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0
        for b in bytes {
            crc ^= UInt32(b) << 16
            for _ in 0..<8 {
                crc <<= 1
                if crc & 0x100_0000 != 0 { crc ^= 0x186_4CFB }
            }
        }
        return crc & 0xFF_FFFF
    }

    /// Payloads (message number first) of every frame whose CRC checks.
    static func payloads(_ name: String) throws -> [[UInt8]] {
        let bytes = [UInt8](try Data(contentsOf: dataDirectory.appendingPathComponent(name)))
        var out: [[UInt8]] = []
        var i = 0
        while i + 6 <= bytes.count {
            guard bytes[i] == 0xD3, bytes[i + 1] & 0xFC == 0 else { i += 1; continue }
            let length = Int(bytes[i + 1] & 3) << 8 | Int(bytes[i + 2])
            let end = i + 3 + length
            guard end + 3 <= bytes.count else { i += 1; continue }
            let crc = UInt32(bytes[end]) << 16 | UInt32(bytes[end + 1]) << 8 | UInt32(bytes[end + 2])
            guard crc24q(bytes[i..<end]) == crc else { i += 1; continue }
            out.append(Array(bytes[(i + 3)..<end]))
            i = end + 3
        }
        return out
    }

    static func type(_ p: [UInt8]) -> Int { p.count >= 2 ? Int(p[0]) << 4 | Int(p[1]) >> 4 : -1 }
}

@Suite("RTCM3 ephemeris")
struct RTCM3EphemerisTests {
    static let present = EphemerisTestFrames.dataPresent
    /// 2012-10-14 00:00 GPST, the day of the GMSD7 capture.
    static let reference = GNSSTime(gpsWeek: 1710, secondOfWeek: 0)

    @Test("GMSD7: every 1019/1020 decodes; GPS PRN 28 and GLONASS R01 match pyrtcm 1.2.1",
          .enabled(if: present, "../shared/data/rtcm3 absent"))
    func gmsdEphemerides() throws {
        let payloads = try EphemerisTestFrames.payloads("GMSD7_20121014.rtcm3")
        let eph = payloads.filter { [1019, 1020].contains(EphemerisTestFrames.type($0)) }
        // pyrtcm 1.2.1 counts 15 × 1019 and 16 × 1020 in this file.
        #expect(eph.filter { EphemerisTestFrames.type($0) == 1019 }.count == 15)
        #expect(eph.filter { EphemerisTestFrames.type($0) == 1020 }.count == 16)
        var decoded: [Ephemeris] = []
        for p in eph { decoded.append(try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: Self.reference)) }
        #expect(decoded.count == 31)

        // Physical sanity for all GPS ephemerides.
        for case .kepler(let k) in decoded {
            #expect(abs(k.sqrtA - 5153.6) < 1.0, "\(k.satellite)")
            #expect(k.eccentricity >= 0 && k.eccentricity < 0.03)
            #expect(abs(k.inclination - 55 * .pi / 180) < 0.1)
            // 2012-10-14 is the Sunday starting GPS week 1710; toe values up to 604 784 s belong to week 1709.
            #expect(k.week == 1709 || k.week == 1710)
        }
        // GLONASS: orbit radius ≈ 25 500 km; Earth-fixed speed between ~2.5 and ~4.7 km/s
        // (inertial 3.95 km/s, minus/plus the frame rotation ω·r ≈ 1.86 km/s projected).
        for case .glonass(let g) in decoded {
            let r = (g.position.x * g.position.x + g.position.y * g.position.y + g.position.z * g.position.z).squareRoot()
            let v = (g.velocity.x * g.velocity.x + g.velocity.y * g.velocity.y + g.velocity.z * g.velocity.z).squareRoot()
            #expect(abs(r - 25_510_000) < 100_000, "\(g.satellite)")
            #expect(v > 2_500 && v < 4_700)
        }

        // First 1019, pyrtcm 1.2.1: DF009=28 DF076=685 DF077=0 DF078=1 DF079=2.0872903405688703e-10 DF071=6
        // DF081=604784 DF082=0.0 DF083=3.637978807091713e-12 DF084=0.0001947185955941677 DF085=6 DF086=67.3125
        // DF087=1.3020553524256684e-09 DF088=0.5709883873350918 DF089=3.2633543014526367e-06
        // DF090=0.018162566586397588 DF091=8.869916200637817e-06 DF092=5153.630821228027 DF093=604784
        // DF094=-8.381903171539307e-08 DF095=0.19909140281379223 DF096=-4.973262548446655e-07
        // DF097=0.3121748184785247 DF098=216.78125 DF099=-0.5788875445723534 DF100=-2.4967903300421312e-09
        // DF101=-1.0710209608078003e-08 DF102=0 DF103=0 DF137=0
        let first1019 = try #require(eph.first { EphemerisTestFrames.type($0) == 1019 })
        guard case .kepler(let k) = try RTCM3EphemerisCodec.decode(payload: first1019[...], referenceTime: Self.reference) else {
            Issue.record("1019 is not Keplerian"); return
        }
        let sc = Constants.semicircle
        #expect(k.satellite == SatelliteID(.gps, 28))
        #expect(k.week == 1709)   // DF076 685 + 1024 (the second GPS week roll-over is in 2019)
        #expect(k.accuracyIndex == 0 && k.codesOnL2 == 1 && k.iode == 6 && k.iodc == 6 && k.health == 0)
        #expect(k.toeSeconds == 604_784)
        #expect(k.inclinationRate == 2.0872903405688703e-10 * sc)
        #expect(k.af2 == 0 && k.af1 == 3.637978807091713e-12 && k.af0 == 0.0001947185955941677)
        #expect(k.crs == 67.3125 && k.crc == 216.78125)
        #expect(k.meanMotionDifference == 1.3020553524256684e-09 * sc)
        #expect(k.meanAnomaly == 0.5709883873350918 * sc)
        #expect(k.cuc == 3.2633543014526367e-06 && k.cus == 8.869916200637817e-06)
        #expect(k.eccentricity == 0.018162566586397588)
        #expect(k.sqrtA == 5153.630821228027)
        #expect(k.cic == -8.381903171539307e-08 && k.cis == -4.973262548446655e-07)
        #expect(k.rightAscension == 0.19909140281379223 * sc)
        #expect(k.inclination == 0.3121748184785247 * sc)
        #expect(k.argumentOfPerigee == -0.5788875445723534 * sc)
        #expect(k.rightAscensionRate == -2.4967903300421312e-09 * sc)
        #expect(k.groupDelays == [-1.0710209608078003e-08])
        #expect(k.fitInterval == 4)

        // First 1020, pyrtcm 1.2.1: DF038=1 DF040=8 DF107=322 (tk 10:01:00) DF110=11 DF111=-0.22656726837158203
        // DF112=-19015.64453125 DF113=-1.862645149230957e-09 DF114=-0.008787155151367188 DF115=-16941.5625
        // DF116=3.725290298461914e-09 DF117=3.560131072998047 DF118=-1245.326171875 DF119=0.0 (km, km/s, km/s²)
        let first1020 = try #require(eph.first { EphemerisTestFrames.type($0) == 1020 })
        guard case .glonass(let g) = try RTCM3EphemerisCodec.decode(payload: first1020[...], referenceTime: Self.reference) else {
            Issue.record("1020 is not GLONASS"); return
        }
        #expect(g.satellite == SatelliteID(.glonass, 1))
        #expect(g.frequencyChannel == 1)
        #expect(g.tb == 11)
        #expect(g.velocity == ECEF(-0.22656726837158203 * 1000, -0.008787155151367188 * 1000, 3.560131072998047 * 1000))
        #expect(g.position == ECEF(-19015.64453125 * 1000, -16941.5625 * 1000, -1245.326171875 * 1000))
        #expect(g.acceleration == ECEF(-1.862645149230957e-09 * 1000, 3.725290298461914e-09 * 1000, 0))
        // tb 11 = 02:45 Moscow time = 23:45 UTC of the day before = 2012-10-13 23:45:16 GPST.
        #expect(g.toe.iso8601(fractionDigits: 0) == "2012-10-13T23:45:16")
    }

    @Test("GMSD7: decode → encode gives the broadcast 1019 and 1020 payloads bit for bit", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func gmsdReencode() throws {
        let payloads = try EphemerisTestFrames.payloads("GMSD7_20121014.rtcm3")
        var checked = 0
        for p in payloads where [1019, 1020].contains(EphemerisTestFrames.type(p)) {
            let e = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: Self.reference)
            #expect(try RTCM3EphemerisCodec.encode(e) == p, "\(e.satellite)")
            checked += 1
        }
        #expect(checked == 31)
    }

    @Test("Without a reference time the fixed week rule gives the same GPS ephemerides", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func noReference() throws {
        let payloads = try EphemerisTestFrames.payloads("GMSD7_20121014.rtcm3")
        for p in payloads where EphemerisTestFrames.type(p) == 1019 {
            let a = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: nil)
            let b = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: Self.reference)
            #expect(a == b)
        }
        // A reference one 1024-week cycle later moves the week by 1024 (1709 → 2733).
        let p = try #require(payloads.first { EphemerisTestFrames.type($0) == 1019 })
        let later = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: GNSSTime(gpsWeek: 1710 + 1024, secondOfWeek: 0))
        guard case .kepler(let k) = later else { Issue.record("not Keplerian"); return }
        #expect(k.week == 2733)
    }

    /// Built from the GMSD7 GPS PRN 28 ephemeris (pyrtcm values above), moved to each system.
    static func sample(_ system: GNSSSystem, _ message: NavigationMessage) throws -> KeplerEphemeris {
        let payloads = try EphemerisTestFrames.payloads("GMSD7_20121014.rtcm3")
        let p = try #require(payloads.first { EphemerisTestFrames.type($0) == 1019 })
        guard case .kepler(var k) = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: reference) else {
            throw FormatError(.internal, "not Keplerian")
        }
        k.satellite = SatelliteID(system, system == .qzss ? 3 : 11)
        k.message = message
        // A toe valid for every message (a multiple of 60 s and 16 s), 08:00 on the Saturday of week 1709.
        k.toeSeconds = 576_000
        k.toe = GNSSTime(gpsWeek: 1709, secondOfWeek: 576_000)
        k.toc = k.toe
        return k
    }

    @Test("Round trip 1042/1044/1045/1046/1041 to the field resolution", .enabled(if: present, "../shared/data/rtcm3 absent"),
          arguments: [(GNSSSystem.beidou, 1042), (.qzss, 1044), (.galileo, 1045), (.galileo, 1046), (.navic, 1041)])
    func roundTrip(system: GNSSSystem, type: Int) throws {
        let message: NavigationMessage = switch type {
        case 1042: .d1
        case 1045: .fnav
        case 1046: .inav
        case 1041: .lnavNavIC
        default: .lnav
        }
        let k = try Self.sample(system, message)
        let first = try RTCM3EphemerisCodec.encode(.kepler(k))
        #expect(EphemerisTestFrames.type(first) == type)
        let again = try RTCM3EphemerisCodec.decode(payload: first[...], referenceTime: Self.reference)
        #expect(try RTCM3EphemerisCodec.encode(again) == first)
        guard case .kepler(let d) = again else { Issue.record("not Keplerian"); return }
        #expect(d.satellite == k.satellite)
        #expect(abs(d.sqrtA - k.sqrtA) <= 0x1p-19)
        #expect(abs(d.eccentricity - k.eccentricity) <= 0x1p-33)
        #expect(abs(d.meanAnomaly - k.meanAnomaly) <= 0x1p-31 * Constants.semicircle)
        #expect(abs(d.af0 - k.af0) <= 0x1p-31)
        #expect(abs(d.toeSeconds - k.toeSeconds) <= 60)
        let json = RTCM3EphemerisCodec.json(again, messageType: type)
        #expect(json["format"] == .string("rtcm3") && json["type"] == .int(type))
        // As inspect --json writes it: the resolved `toe` and the broadcast `toe_seconds`, no key twice.
        let inspected = RTCM3Message.ephemeris(again, messageType: type).json(offset: 0, payload: first)
        #expect(JSONDuplicateKeys.find(in: inspected.serialized()).isEmpty, "\(inspected.serialized())")
        #expect(JSONDuplicateKeys.find(in: json.serialized()).isEmpty, "\(json.serialized())")
        #expect(inspected["toe"] == .string(again.toe.iso8601(fractionDigits: 0)) && inspected["toe_seconds"] == .double(576_000))
    }

    @Test("JSON of the first GMSD7 1019 shows broadcast values", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func jsonFields() throws {
        let payloads = try EphemerisTestFrames.payloads("GMSD7_20121014.rtcm3")
        let p = try #require(payloads.first { EphemerisTestFrames.type($0) == 1019 })
        let e = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: Self.reference)
        let json = RTCM3EphemerisCodec.json(e, messageType: 1019)
        // pyrtcm 1.2.1: DF092 = 5153.630821228027, DF093 = 604784, DF071 = 6, DF076 = 685.
        #expect(json["sqrtA"] == .double(5153.630821228027))
        #expect(json["toe_seconds"] == .double(604_784))
        #expect(json["toe"] == .string(e.toe.iso8601(fractionDigits: 0)))
        #expect(json["iode"] == .double(6))
        #expect(json["week"] == .double(685))
        #expect(json["satellite"] == .string("G28"))
    }

    @Test("Bad input: truncated, empty and random payloads throw, never crash")
    func badInput() throws {
        // A valid 1019 header (type 1019 = 0x3FB) followed by too few bits.
        #expect(throws: FormatError.self) { try RTCM3EphemerisCodec.decode(payload: [0x3F, 0xB0, 0x00][...], referenceTime: nil) }
        #expect(throws: FormatError.self) { try RTCM3EphemerisCodec.decode(payload: [][...], referenceTime: nil) }
        #expect(throws: FormatError.self) { try RTCM3EphemerisCodec.decode(payload: [0x3F, 0xC0, 0, 0][...], referenceTime: nil) }
        var rng = SystemRandomNumberGenerator()
        let types = [1019, 1020, 1041, 1042, 1044, 1045, 1046]
        var thrown = 0
        for i in 0..<3000 {
            let t = types[i % types.count]
            var bytes = (0..<Int.random(in: 0...70, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 2 { bytes[0] = UInt8(t >> 4); bytes[1] = UInt8(t & 0xF) << 4 | bytes[1] & 0xF }
            do { _ = try RTCM3EphemerisCodec.decode(payload: bytes[...], referenceTime: i % 2 == 0 ? nil : Self.reference) } catch { thrown += 1 }
        }
        #expect(thrown > 0)
    }

    @Test("Throughput figure (printed, debug build): decode and encode of the GMSD7 ephemerides",
          .enabled(if: present, "../shared/data/rtcm3 absent"))
    func throughput() throws {
        let payloads = try EphemerisTestFrames.payloads("GMSD7_20121014.rtcm3").filter { [1019, 1020].contains(EphemerisTestFrames.type($0)) }
        let clock = ContinuousClock()
        var n = 0
        let elapsed = try clock.measure {
            for _ in 0..<200 {
                for p in payloads { _ = try RTCM3EphemerisCodec.encode(try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: Self.reference)); n += 1 }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("RTCM3 ephemeris decode+encode: \(n) messages in \(seconds) s = \(Int(Double(n) / seconds)) per second")
        #expect(n == 200 * 31)
    }
}
