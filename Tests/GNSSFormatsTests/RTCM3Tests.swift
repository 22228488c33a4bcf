import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Decodes every frame of a file: (identity counts, messages, errors).
func decodeRTCM3(_ bytes: [UInt8], chunk: Int = 4096) -> (counts: [String: Int], messages: [(RTCM3Frame, RTCM3Message)], errors: [FormatError]) {
    var framer = RTCM3Framer()
    var decoder = RTCM3Decoder()
    var counts: [String: Int] = [:]
    var messages: [(RTCM3Frame, RTCM3Message)] = []
    var errors: [FormatError] = []
    var i = 0
    while i < bytes.count {
        framer.append(bytes[i..<min(bytes.count, i + chunk)])
        i += chunk
        while let item = framer.next() {
            switch item {
            case .frame(let f):
                do {
                    let m = try decoder.decode(f)
                    counts[m.identity, default: 0] += 1
                    messages.append((f, m))
                } catch { errors.append(error) }
            case .error(let e): errors.append(e)
            }
        }
    }
    return (counts, messages, errors)
}

@Suite struct RTCM3FramingTests {
    // CRC-24Q of the ASCII digits "123456789" is 0xCDE703 (the catalogue check value of this polynomial).
    @Test func crc24qCheckValue() {
        #expect(CRC24Q.checksum(Array("123456789".utf8)) == 0xCDE703)
    }

    @Test func frameBuildAndParse() throws {
        let s = StationCoordinates(stationID: 2003, position: ECEF(4_444_030.8028, 3_085_671.2349, 3_366_658.2560), antennaHeight: 1.2345)
        let frame = RTCM3Framer.frame(s.encode())
        var framer = RTCM3Framer()
        framer.append([0x00, 0xD3, 0xFF] + frame + [0xD3])
        guard case .frame(let f) = framer.next() else { Issue.record("no frame"); return }
        #expect(f.offset == 3 && f.messageType == 1006)
        var decoder = RTCM3Decoder()
        guard case .stationCoordinates(let back) = try decoder.decode(f) else { Issue.record("wrong message"); return }
        #expect(back.position.distance(to: s.position) < 1e-4)
        #expect(abs((back.antennaHeight ?? 0) - 1.2345) < 1e-9)
        #expect(framer.next() == nil)
        #expect(framer.finish() != nil)   // the trailing lone preamble is an unfinished frame
    }
}

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTCM3RealDataTests {
    static func file(_ name: String) throws -> [UInt8] { try FileByteSource.readAll(path: SharedData.path("rtcm3/" + name)) }

    // Message counts pyrtcm 1.2.1 decodes from each file (RTCMReader over the whole file).
    static let pyrtcmCounts: [String: [String: Int]] = [
        "GMSD7_20121014.rtcm3": ["1007": 28, "1008": 28, "1019": 15, "1020": 16, "1033": 28, "1077": 257, "1087": 257, "1117": 257, "1127": 257],
        "pygpsdata-1230.bin": ["1230": 5],
        "pygpsdata-1240-1264.log": ["1240": 1, "1241": 1, "1242": 2, "1243": 2, "1258": 1, "1259": 1, "1260": 2, "1261": 2, "1264": 1],
        "pygpsdata-MIXED-RTCM3.log": ["1005": 1, "1077": 1, "1087": 1, "1097": 1, "1127": 1, "1230": 1, "4072": 1],
        "pygpsdata-MIXED-RTCM3BADCRC.log": ["1077": 1, "1087": 1, "1097": 1, "1127": 1, "1230": 1, "4072": 1],
        "pygpsdata-MT1023.log": ["1023": 1],
        "pygpsdata-NTRIP-4076.log": ["4076_023": 1, "4076_025": 2, "4076_043": 1, "4076_045": 2, "4076_063": 1, "4076_065": 2,
                                     "4076_103": 1, "4076_201": 1],
        "pygpsdata-RTCM3.log": ["1005": 1, "1007": 1, "1059": 1, "1060": 1, "1077": 1, "1087": 1, "1097": 1, "1117": 1, "1127": 1,
                                "1230": 1, "4072": 1],
        "pygpsdata-RTCMMSM3.log": ["1073": 1, "1083": 1, "1093": 1],
        "pygpsdata-BADHDR.log": [:],
    ]

    @Test func countsEqualPyrtcm() throws {
        for (name, expected) in Self.pyrtcmCounts {
            let (counts, _, errors) = decodeRTCM3(try Self.file(name))
            #expect(counts == expected, "\(name)")
            // Decode errors are allowed only where the file is damaged (CRC) or cut (the GMSD capture ends mid-frame).
            #expect(errors.allSatisfy { $0.kind == .crc }, "\(name): \(errors.prefix(2))")
        }
    }

    // Field values from pyrtcm 1.2.1.
    @Test func fieldsEqualPyrtcm() throws {
        let c = Constants.speedOfLight / 1000
        let (_, gmsd, _) = decodeRTCM3(try Self.file("GMSD7_20121014.rtcm3"))
        // First 1019: PRN 28, week 685, IODE 6, sqrtA 5153.630821228027, toe 604784, e 0.018162566586397588, M0 0.5709883873350918 sc.
        let eph = try #require(gmsd.first { $0.1.messageType == 1019 })
        guard case .ephemeris(.kepler(let k), _) = eph.1 else { Issue.record("not an ephemeris"); return }
        #expect(k.satellite == SatelliteID(.gps, 28) && k.iode == 6 && k.week == 1709)
        #expect(k.sqrtA == 5153.630821228027 && k.toeSeconds == 604_784 && k.eccentricity == 0.018162566586397588)
        #expect(abs(k.meanAnomaly / Constants.semicircle - 0.5709883873350918) < 1e-15)
        // First 1077: station 611, epoch 604784000 ms, 12 satellites, 28 cells; G01 DF397 83, DF398 0.1318359375;
        // cell G01 1C: DF405 -0.00023301318287849426 ms, DF406 -0.00025447551161050797 ms, DF408 35.375, DF407 479;
        // G01 2W's fine rate is the invalid marker.
        guard case .msm(let m) = try #require(gmsd.first { $0.1.messageType == 1077 }).1 else { Issue.record("no MSM"); return }
        #expect(m.stationID == 611 && m.epochMilliseconds == 604_784_000 && m.satellites.count == 12 && m.cells.count == 28)
        let g01 = try #require(m.cells.first)
        #expect(g01.signal == SignalCode(band: 1, attribute: "C"))
        #expect(abs(try #require(g01.pseudorange) - (83 + 0.1318359375 - 0.00023301318287849426) * c) < 1e-6)
        #expect(abs(try #require(g01.phaseRange) - (83 + 0.1318359375 - 0.00025447551161050797) * c) < 1e-6)
        #expect(g01.cnr == 35.375 && g01.lockIndicator == 479)
        #expect(abs(try #require(g01.phaseRangeRate) - (-703 + 0.047)) < 1e-9)
        #expect(m.cells[1].signal == SignalCode(band: 2, attribute: "W") && m.cells[1].phaseRangeRate == nil)
        // First 1087: 6 satellites, 18 cells, R13 extended info 5 (channel −2), rough 77 + 0.3759765625 ms, cell DF405 0.00022979266941547394.
        guard case .msm(let r) = try #require(gmsd.first { $0.1.messageType == 1087 }).1 else { Issue.record("no 1087"); return }
        #expect(r.epochMilliseconds == 10_768_000 && r.satellites.count == 6 && r.cells.count == 18)
        #expect(r.satellites[0].satellite == SatelliteID(.glonass, 13) && r.satellites[0].extendedInfo == 5)
        #expect(abs(try #require(r.cells[0].pseudorange) - (77 + 0.3759765625 + 0.00022979266941547394) * c) < 1e-6)
        #expect(r.observations().first?.glonassChannel == -2)
        // 1033: receiver descriptor "TRIMBLE NETR9".
        guard case .descriptors(let d) = try #require(gmsd.first { $0.1.messageType == 1033 }).1 else { Issue.record("no 1033"); return }
        #expect(d.receiverType == "TRIMBLE NETR9" && d.stationID == 611)

        let (_, mixed, _) = decodeRTCM3(try Self.file("pygpsdata-MIXED-RTCM3.log"))
        guard case .stationCoordinates(let s) = try #require(mixed.first { $0.1.messageType == 1005 }).1 else { Issue.record("no 1005"); return }
        #expect(s.position.distance(to: ECEF(4_444_030.8028, 3_085_671.2349, 3_366_658.256)) < 1e-4)

        let (_, rtcm3, _) = decodeRTCM3(try Self.file("pygpsdata-RTCM3.log"))
        // 1060: epoch 466485 s, 30 satellites, G01 IODE 99, radial −1040.3 mm, along 1451.6 mm, C0 157.2 mm.
        guard case .ssr(let combined) = try #require(rtcm3.first { $0.1.messageType == 1060 }).1 else { Issue.record("no 1060"); return }
        #expect(combined.epochSeconds == 466_485 && combined.satellites.count == 30)
        let s1 = combined.satellites[0]
        #expect(s1.satellite == SatelliteID(.gps, 1) && s1.iod == 99)
        #expect(abs((s1.orbit?[0] ?? 0) + 1.0403) < 1e-9 && abs((s1.orbit?[1] ?? 0) - 1.4516) < 1e-9 && abs((s1.clock?[0] ?? 0) - 0.1572) < 1e-9)
        // 1059: G01 has 2 code biases, the first signal 0 with 0.23 m.
        guard case .ssr(let bias) = try #require(rtcm3.first { $0.1.messageType == 1059 }).1 else { Issue.record("no 1059"); return }
        #expect(bias.satellites[0].codeBiases.count == 2 && bias.satellites[0].codeBiases[0] == SSRMessage.CodeBias(signal: 0, bias: 0.23))

        let (_, igs, _) = decodeRTCM3(try Self.file("pygpsdata-NTRIP-4076.log"))
        // 4076_023: epoch 30270, 28 satellites, G02 IOD 68, radial −424.2 mm, C0 −177.5 mm.
        guard case .ssr(let i23) = try #require(igs.first { $0.1.identity == "4076_023" }).1 else { Issue.record("no 4076_023"); return }
        #expect(i23.epochSeconds == 30_270 && i23.satellites.count == 28 && i23.satellites[0].satellite == SatelliteID(.gps, 2))
        #expect(i23.satellites[0].iod == 68 && abs((i23.satellites[0].orbit?[0] ?? 0) + 0.4242) < 1e-9)
        #expect(abs((i23.satellites[0].clock?[0] ?? 0) + 0.1775) < 1e-9)

        let (_, gal, _) = decodeRTCM3(try Self.file("pygpsdata-1240-1264.log"))
        // 1240: epoch 338760, 28 satellites, E02 IODnav 50, radial −667.6 mm.
        guard case .ssr(let g) = try #require(gal.first { $0.1.messageType == 1240 }).1 else { Issue.record("no 1240"); return }
        #expect(g.epochSeconds == 338_760 && g.satellites.count == 28 && g.satellites[0].satellite == SatelliteID(.galileo, 2))
        #expect(g.satellites[0].iod == 50 && abs((g.satellites[0].orbit?[0] ?? 0) + 0.6676) < 1e-9)
    }

    /// Re-encoding the real ephemeris, station and SSR messages gives back the broadcast bits exactly;
    /// for GLONASS 1020, whose auxiliary flags the ephemeris type does not keep, the decoded values agree.
    @Test func reencodingRealMessagesIsBitExact() throws {
        var exact = 0
        for name in ["GMSD7_20121014.rtcm3", "pygpsdata-RTCM3.log", "pygpsdata-MIXED-RTCM3.log", "pygpsdata-NTRIP-4076.log",
                     "pygpsdata-1240-1264.log"] {
            let (_, messages, _) = decodeRTCM3(try Self.file(name))
            for (frame, message) in messages {
                switch message {
                case .ephemeris(let e, 1020):
                    let again = try RTCM3EphemerisCodec.decode(payload: try RTCM3EphemerisCodec.encode(e)[...], referenceTime: e.toe)
                    #expect(again == e, "\(name) 1020 at \(frame.offset)")
                case .ephemeris(let e, _):
                    #expect(try RTCM3EphemerisCodec.encode(e) == frame.payload, "\(name) \(message.identity) at \(frame.offset)")
                    exact += 1
                case .ssr(let s):
                    #expect(try RTCM3SSRCodec.encode(s) == frame.payload, "\(name) \(message.identity) at \(frame.offset)")
                    exact += 1
                case .stationCoordinates(let s):
                    #expect(s.encode() == frame.payload, "\(name) \(message.identity)")
                    exact += 1
                default: break
                }
            }
        }
        #expect(exact == 43)   // 15 × 1019, 2 × 1005, 2 SSR (RTCM3.log), 11 × 4076, 13 Galileo/BeiDou SSR
    }

    /// A real stream fed one byte at a time, in random chunks, or with garbage between frames loses nothing.
    @Test func framingIsIndependentOfChunking() throws {
        let bytes = try Self.file("GMSD7_20121014.rtcm3")
        let whole = decodeRTCM3(bytes, chunk: 1 << 20)
        let single = decodeRTCM3(Array(bytes.prefix(20_000)), chunk: 1)
        let wholePrefix = decodeRTCM3(Array(bytes.prefix(20_000)), chunk: 1 << 20)
        #expect(single.messages.map(\.0) == wholePrefix.messages.map(\.0))
        var rng = SeededGenerator(seed: 7)
        var noisy: [UInt8] = []
        for (f, _) in whole.messages {
            noisy.append(contentsOf: (0..<Int.random(in: 0...40, using: &rng)).map { _ in [0xD3, 0x00, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0...2, using: &rng)] })
            noisy.append(contentsOf: f.bytes)
        }
        let n = decodeRTCM3(noisy, chunk: 1500)
        #expect(n.counts == whole.counts)
        // Flip one bit inside the 100th frame: exactly that frame is lost.
        var damaged = bytes
        damaged[whole.messages[100].0.offset + 20] ^= 0x10
        let d = decodeRTCM3(damaged)
        #expect(d.messages.count == whole.messages.count - 1)
    }
}
