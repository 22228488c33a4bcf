import Foundation
import Testing
import GNSSCore
@testable import GNSSFormats

@Suite("RTCM3 SSR")
struct RTCM3SSRTests {
    static let present = EphemerisTestFrames.dataPresent

    static func ssr(_ file: String) throws -> [(payload: [UInt8], message: SSRMessage)] {
        var out: [(payload: [UInt8], message: SSRMessage)] = []
        for p in try EphemerisTestFrames.payloads(file) {
            let t = EphemerisTestFrames.type(p)
            guard RTCM3SSRCodec.handles(messageType: t, payload: p[...]) else { continue }
            out.append((p, try RTCM3SSRCodec.decode(payload: p[...])))
        }
        return out
    }

    static func counts(_ list: [(payload: [UInt8], message: SSRMessage)]) -> [String: Int] {
        var c: [String: Int] = [:]
        for (_, m) in list {
            let key = m.igsSubtype.map { "4076_" + String($0) } ?? String(m.messageType)
            c[key, default: 0] += 1
        }
        return c
    }

    static func near(_ a: Double?, _ b: Double, _ tol: Double = 1e-9) -> Bool { a.map { abs($0 - b) <= tol } ?? false }

    @Test("pygpsdata-RTCM3.log: 1059 code biases and 1060 combined orbit/clock match pyrtcm 1.2.1",
          .enabled(if: present, "../shared/data/rtcm3 absent"))
    func rtcm3Log() throws {
        let list = try Self.ssr("pygpsdata-RTCM3.log")
        // pyrtcm 1.2.1 counts one 1059 and one 1060 in this file.
        #expect(Self.counts(list) == ["1059": 1, "1060": 1])
        let bias = try #require(list.first { $0.message.messageType == 1059 }).message
        // pyrtcm: DF385=466480 DF391=2 DF388=0 DF413=1 DF414=3 DF415=1 DF387=30; G01: DF380 0 → 0.23 m, 10 → 0.62 m;
        // G02: 0 → 2.71, 10 → 2.27.
        #expect(bias.system == .gps && bias.kind == .codeBias)
        #expect(bias.epochSeconds == 466_480 && bias.updateInterval == 2 && !bias.multipleMessage)
        #expect(bias.iodSSR == 1 && bias.providerID == 3 && bias.solutionID == 1 && bias.satellites.count == 30)
        let g1 = bias.satellites[0], g2 = bias.satellites[1]
        #expect(g1.satellite == SatelliteID(.gps, 1) && g2.satellite == SatelliteID(.gps, 2))
        #expect(g1.codeBiases.map(\.signal) == [0, 10] && Self.near(g1.codeBiases[0].bias, 0.23) && Self.near(g1.codeBiases[1].bias, 0.62))
        #expect(Self.near(g2.codeBiases[0].bias, 2.71) && Self.near(g2.codeBiases[1].bias, 2.27))

        let comb = try #require(list.first { $0.message.messageType == 1060 }).message
        // pyrtcm: DF385=466485 DF375=0 DF387=30; G01: DF071=99 DF365=-1040.3 DF366=1451.6 DF367=541.2 (mm)
        // DF368=-0.251 DF369=-0.188 DF370=0.076 (mm/s) DF376=157.2 DF377=0 DF378=0 (mm, mm/s, mm/s²);
        // G02: DF071=60 DF365=-120.9 DF376=-4896.7.
        #expect(comb.kind == .combined && comb.epochSeconds == 466_485 && comb.referenceDatum == 0 && comb.satellites.count == 30)
        let c1 = comb.satellites[0]
        #expect(c1.satellite == SatelliteID(.gps, 1) && c1.iod == 99)
        let o = try #require(c1.orbit), k = try #require(c1.clock)
        #expect(Self.near(o[0], -1.0403) && Self.near(o[1], 1.4516) && Self.near(o[2], 0.5412))
        #expect(Self.near(o[3], -0.000251) && Self.near(o[4], -0.000188) && Self.near(o[5], 0.000076))
        #expect(Self.near(k[0], 0.1572) && k[1] == 0 && k[2] == 0)
        #expect(comb.satellites[1].iod == 60 && Self.near(comb.satellites[1].orbit?[0], -0.1209)
                && Self.near(comb.satellites[1].clock?[0], -4.8967))
    }

    @Test("pygpsdata-1240-1264.log: Galileo and BeiDou SSR match pyrtcm 1.2.1", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func galileoBeiDou() throws {
        let list = try Self.ssr("pygpsdata-1240-1264.log")
        // pyrtcm 1.2.1: {'1259': 1, '1240': 1, '1258': 1, '1241': 1, '1242': 2, '1260': 2, '1243': 2, '1261': 2, '1264': 1}
        #expect(Self.counts(list) == ["1259": 1, "1240": 1, "1258": 1, "1241": 1, "1242": 2, "1260": 2, "1243": 2, "1261": 2, "1264": 1])
        func first(_ t: Int) throws -> SSRMessage { try #require(list.first { $0.message.messageType == t }).message }

        // 1240: DF458=338760 DF391=2 DF387=28; E02: DF459=50 DF365=-667.6 DF366=435.6 DF367=44.4 DF368=-0.057 (mm, mm/s).
        let m1240 = try first(1240)
        #expect(m1240.system == .galileo && m1240.kind == .orbit && m1240.epochSeconds == 338_760 && m1240.satellites.count == 28)
        #expect(m1240.satellites[0].satellite == SatelliteID(.galileo, 2) && m1240.satellites[0].iod == 50)
        #expect(Self.near(m1240.satellites[0].orbit?[0], -0.6676) && Self.near(m1240.satellites[0].orbit?[1], 0.4356)
                && Self.near(m1240.satellites[0].orbit?[2], 0.0444) && Self.near(m1240.satellites[0].orbit?[3], -0.000057))
        // 1241: E02 DF376=-1460.3 mm.
        #expect(Self.near(try first(1241).satellites[0].clock?[0], -1.4603))
        // 1242: DF458=338875 DF413=1 DF414=3 DF415=1 DF387=25; E02 one bias, DF382=2 → 0.0.
        let m1242 = try first(1242)
        #expect(m1242.epochSeconds == 338_875 && m1242.iodSSR == 1 && m1242.providerID == 3 && m1242.satellites.count == 25)
        #expect(m1242.satellites[0].codeBiases == [SSRMessage.CodeBias(signal: 2, bias: 0)])
        // 1243: E02 DF459=55 DF365=-712.6 DF376=-817.0.
        let m1243 = try first(1243)
        #expect(m1243.satellites[0].iod == 55 && Self.near(m1243.satellites[0].orbit?[0], -0.7126)
                && Self.near(m1243.satellites[0].clock?[0], -0.817))
        // 1258: DF465=338746 DF387=43; C01: DF471 (IOD)=230 DF365=-1244.4 DF366=810.0 DF367=11552.4 mm.
        let m1258 = try first(1258)
        #expect(m1258.system == .beidou && m1258.epochSeconds == 338_746 && m1258.satellites.count == 43)
        #expect(m1258.satellites[0].satellite == SatelliteID(.beidou, 1) && m1258.satellites[0].iod == 230)
        #expect(Self.near(m1258.satellites[0].orbit?[0], -1.2444) && Self.near(m1258.satellites[0].orbit?[2], 11.5524))
        // 1259: DF465=338741; C01 DF376=-1242.2, C02 -5083.1 mm.
        let m1259 = try first(1259)
        #expect(m1259.epochSeconds == 338_741 && Self.near(m1259.satellites[0].clock?[0], -1.2422)
                && Self.near(m1259.satellites[1].clock?[0], -5.0831))
        // 1260: DF465=338861 DF387=33, C07 with no biases.
        let m1260 = try first(1260)
        #expect(m1260.satellites.count == 33 && m1260.satellites[0].satellite == SatelliteID(.beidou, 7)
                && m1260.satellites[0].codeBiases.isEmpty)
        // 1261: C07 DF471=230 DF365=-922.5 DF376=-14734.8.
        let m1261 = try first(1261)
        #expect(m1261.satellites[0].iod == 230 && Self.near(m1261.satellites[0].orbit?[0], -0.9225)
                && Self.near(m1261.satellites[0].clock?[0], -14.7348))
    }

    @Test("pygpsdata-NTRIP-4076.log: IGS SSR matches pyrtcm 1.2.1", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func igs() throws {
        let list = try Self.ssr("pygpsdata-NTRIP-4076.log")
        // pyrtcm 1.2.1: {'4076_023': 1, '4076_043': 1, '4076_063': 1, '4076_103': 1, '4076_201': 1, '4076_065': 2, '4076_025': 2, '4076_045': 2}
        #expect(Self.counts(list) == ["4076_23": 1, "4076_43": 1, "4076_63": 1, "4076_103": 1, "4076_201": 1,
                                      "4076_65": 2, "4076_25": 2, "4076_45": 2])
        func first(_ s: Int) throws -> SSRMessage { try #require(list.first { $0.message.igsSubtype == s }).message }
        // 23 (GPS combined): IDF001=3 IDF003=30270 IDF004=2 IDF005=1 IDF007=0 IDF008=0 IDF009=0 IDF006=0 IDF010=28;
        // G02: IDF012=68 IDF013=-424.2 IDF014=926.4 IDF015=-61.6 (mm) IDF019=-177.5 (mm).
        let g = try first(23)
        #expect(g.system == .gps && g.kind == .combined && g.igsVersion == 3 && g.epochSeconds == 30_270)
        #expect(g.updateInterval == 2 && g.multipleMessage && g.iodSSR == 0 && g.referenceDatum == 0 && g.satellites.count == 28)
        #expect(g.satellites[0].satellite == SatelliteID(.gps, 2) && g.satellites[0].iod == 68)
        #expect(Self.near(g.satellites[0].orbit?[0], -0.4242) && Self.near(g.satellites[0].orbit?[1], 0.9264)
                && Self.near(g.satellites[0].orbit?[2], -0.0616) && Self.near(g.satellites[0].clock?[0], -0.1775))
        // 43 (GLONASS combined): IDF010=15; R01 IDF012=45 IDF013=183.0 IDF019=-270.8.
        let r = try first(43)
        #expect(r.system == .glonass && r.satellites.count == 15 && r.satellites[0].satellite == SatelliteID(.glonass, 1))
        #expect(r.satellites[0].iod == 45 && Self.near(r.satellites[0].orbit?[0], 0.183) && Self.near(r.satellites[0].clock?[0], -0.2708))
        // 63 (Galileo combined): E02 IDF012=49 IDF013=29.8 IDF019=169.5.
        let e = try first(63)
        #expect(e.system == .galileo && e.satellites[0].iod == 49 && Self.near(e.satellites[0].orbit?[0], 0.0298)
                && Self.near(e.satellites[0].clock?[0], 0.1695))
        // 103 (BeiDou combined): IDF010=28; C06 IDF012=160 IDF013=2358.4 IDF019=-13392.5.
        let c = try first(103)
        #expect(c.system == .beidou && c.satellites.count == 28 && c.satellites[0].satellite == SatelliteID(.beidou, 6))
        #expect(c.satellites[0].iod == 160 && Self.near(c.satellites[0].orbit?[0], 2.3584) && Self.near(c.satellites[0].clock?[0], -13.3925))
        // 201 (VTEC): IDF003=30300 IDF004=6 IDF041=0.0 IDF035=0 (one layer) IDF036=450 km IDF037=11 IDF038=11,
        // first coefficients IDF039 = 35.36, 2.34, -12.18 TECU.
        let v = try first(201)
        #expect(v.kind == .vtec && v.epochSeconds == 30_300 && v.updateInterval == 6 && v.vtecQuality == 0 && v.layers.count == 1)
        let layer = try #require(v.layers.first)
        // IDF037/IDF038 carry degree − 1 and order − 1: pyrtcm prints the raw 11, i.e. degree = order = 12.
        // The frame length confirms it: 351 payload bytes = 99 header bits + 169 × 16 coefficient bits (+ 5 pad),
        // and 169 = 91 cosine + 78 sine terms for degree = order = 12 (pyrtcm itself lists only the first 91).
        #expect(layer.count == 3 + 169 && layer[0] == 450_000 && layer[1] == 12 && layer[2] == 12)
        #expect(Self.near(layer[3], 35.36) && Self.near(layer[4], 2.34) && Self.near(layer[5], -12.18))
        // 65 (Galileo code bias): IDF003=311120 IDF004=3 IDF007=1 IDF009=2 IDF010=23; E02 four biases
        // 2 → -0.25, 6 → -0.44, 16 → 0.59, 9 → -0.62 m.
        let eb = try first(65)
        #expect(eb.kind == .codeBias && eb.epochSeconds == 311_120 && eb.updateInterval == 3 && eb.iodSSR == 1 && eb.solutionID == 2)
        #expect(eb.satellites.count == 23 && eb.satellites[0].codeBiases.map(\.signal) == [2, 6, 16, 9])
        #expect(zip(eb.satellites[0].codeBiases.map(\.bias), [-0.25, -0.44, 0.59, -0.62]).allSatisfy { Self.near($0, $1) })
        // 25 (GPS code bias): G02 0 → -3.32, 2 → -3.87, 11 → -6.37 m.
        let gb = try first(25)
        #expect(gb.satellites[0].codeBiases.map(\.signal) == [0, 2, 11])
        #expect(zip(gb.satellites[0].codeBiases.map(\.bias), [-3.32, -3.87, -6.37]).allSatisfy { Self.near($0, $1) })
        // 45 (GLONASS code bias): IDF010=21; R01 0 → 2.54, 1 → 2.36, 2 → 3.42, 3 → 3.91 m.
        let rb = try first(45)
        #expect(rb.satellites.count == 21 && rb.satellites[0].satellite == SatelliteID(.glonass, 1))
        #expect(zip(rb.satellites[0].codeBiases.map(\.bias), [2.54, 2.36, 3.42, 3.91]).allSatisfy { Self.near($0, $1) })
    }

    @Test("Every real SSR frame re-encodes to the broadcast payload bit for bit", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func reencode() throws {
        var checked = 0
        for file in ["pygpsdata-RTCM3.log", "pygpsdata-1240-1264.log", "pygpsdata-NTRIP-4076.log"] {
            for (payload, message) in try Self.ssr(file) {
                let again = try RTCM3SSRCodec.encode(message)
                #expect(again == payload, "\(file) \(message.messageType) \(message.igsSubtype ?? 0)")
                #expect(try RTCM3SSRCodec.decode(payload: again[...]) == message)
                checked += 1
            }
        }
        #expect(checked == 26)   // 2 + 13 + 11 SSR frames (pyrtcm counts above)
    }

    @Test("Round trip of every SSR kind for every system, built from values at the field resolution")
    func synthetic() throws {
        let types = Array(1057...1068) + Array(1240...1263)
        var count = 0
        for type in types {
            guard let base = RTCM3SSRCodec.rtcmBases.last(where: { type >= $0.base }), type - base.base < 6 else { continue }
            let m = Self.sample(type: type, subtype: nil, system: base.system, kind: RTCM3SSRCodec.kinds[type - base.base])
            let bytes = try RTCM3SSRCodec.encode(m)
            #expect(try RTCM3SSRCodec.decode(payload: bytes[...]) == m, "\(type)")
            count += 1
        }
        for (first, system) in RTCM3SSRCodec.igsSystems {
            for (i, kind) in RTCM3SSRCodec.igsKinds.enumerated() {
                let m = Self.sample(type: 4076, subtype: first + i, system: system, kind: kind)
                let bytes = try RTCM3SSRCodec.encode(m)
                #expect(RTCM3SSRCodec.handles(messageType: 4076, payload: bytes[...]))
                #expect(try RTCM3SSRCodec.decode(payload: bytes[...]) == m, "4076/\(first + i)")
                count += 1
            }
        }
        #expect(count == 36 + 42)
        let json = Self.sample(type: 1060, subtype: nil, system: .gps, kind: .combined).json
        #expect(json["format"] == .string("rtcm3") && json["type"] == .int(1060))
    }

    /// A message with two satellites whose values are exact multiples of each field's resolution
    /// (RTCM 10403.3 DF365–DF370 0.1/0.4 mm, 0.001/0.004 mm/s; DF376–DF378 0.1 mm, 0.001 mm/s, 0.00002 mm/s²;
    /// DF383 0.01 m; DF390 0.1 mm; IGS phase bias 0.1 mm).
    static func sample(type: Int, subtype: Int?, system: GNSSSystem, kind: SSRMessage.Kind) -> SSRMessage {
        let igs = subtype != nil
        let glonassRTCM = system == .glonass && !igs
        var m = SSRMessage(messageType: type, igsSubtype: subtype, igsVersion: igs ? 1 : 0, system: system, kind: kind,
                           epochSeconds: glonassRTCM ? 86_399 : 345_600, updateInterval: 5, multipleMessage: true,
                           referenceDatum: (kind == .orbit || kind == .combined) ? 1 : nil, iodSSR: 7, providerID: 3001, solutionID: 9,
                           satellites: [], layers: [])
        if kind == .phaseBias { m.dispersiveConsistent = true; m.mwConsistent = false }
        let prns: [Int] = switch system {
        case .qzss: [1, 3]
        case .sbas: [20, 38]
        case .glonass: [1, 24]
        default: [5, 30]
        }
        for (i, prn) in prns.enumerated() {
            var s = SSRMessage.Satellite(satellite: SatelliteID(system, prn))
            let sign = i == 0 ? 1.0 : -1.0
            if kind == .orbit || kind == .combined {
                if !igs && system == .sbas { s.toeModulo = 17; s.iodCRC = 0xABCDE }
                else if !igs && system == .beidou { s.toeModulo = 300; s.iod = 200 }
                else { s.iod = system == .galileo && !igs ? 1000 : 99 }
                s.orbit = [sign * 12_345 * 1e-4, sign * 1_234 * 4e-4, -sign * 2_000 * 4e-4, sign * 999 * 1e-6, 123 * 4e-6, -77 * 4e-6]
            }
            if kind == .clock || kind == .combined { s.clock = [sign * 54_321 * 1e-4, -sign * 4321 * 1e-6, 17 * 2e-8] }
            switch kind {
            case .highRateClock: s.highRateClock = sign * 8_765 * 1e-4
            case .ura: s.ura = 33 + i
            case .codeBias: s.codeBiases = [SSRMessage.CodeBias(signal: 0, bias: sign * 123 * 0.01), SSRMessage.CodeBias(signal: 11, bias: -0.05)]
            case .phaseBias:
                s.yaw = [Double(300) / 256, Double(-5) / 8192]
                s.phaseBiases = [SSRMessage.PhaseBias(signal: 2, bias: sign * 4_321 * 1e-4, integer: true, wideLaneInteger: 2, discontinuityCounter: 9)]
            default: break
            }
            m.satellites.append(s)
        }
        return m
    }

    @Test("Bad input: truncated and random SSR payloads throw, never crash", .enabled(if: present, "../shared/data/rtcm3 absent"))
    func badInput() throws {
        var rng = SystemRandomNumberGenerator()
        // Every real SSR payload cut short at every length must throw (or decode a shorter, still valid message).
        for file in ["pygpsdata-RTCM3.log", "pygpsdata-1240-1264.log", "pygpsdata-NTRIP-4076.log"] {
            for (payload, _) in try Self.ssr(file) {
                for cut in stride(from: 0, to: payload.count - 1, by: max(1, payload.count / 40)) {
                    _ = try? RTCM3SSRCodec.decode(payload: payload[0..<cut])
                }
                #expect(throws: FormatError.self) { try RTCM3SSRCodec.decode(payload: payload[0..<min(payload.count, 4)]) }
            }
        }
        let types = Array(1057...1068) + Array(1240...1264) + [4076]
        for i in 0..<3000 {
            let t = types[i % types.count]
            var bytes = (0..<Int.random(in: 0...120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 2 { bytes[0] = UInt8(t >> 4); bytes[1] = UInt8(t & 0xF) << 4 | bytes[1] & 0xF }
            if let m = try? RTCM3SSRCodec.decode(payload: bytes[...]) { _ = m.json }
        }
    }

    @Test("Throughput figure (printed, debug build): decode and encode of the real SSR frames",
          .enabled(if: present, "../shared/data/rtcm3 absent"))
    func throughput() throws {
        var payloads: [[UInt8]] = []
        for file in ["pygpsdata-RTCM3.log", "pygpsdata-1240-1264.log", "pygpsdata-NTRIP-4076.log"] {
            payloads += try Self.ssr(file).map(\.payload)
        }
        let bytes = payloads.reduce(0) { $0 + $1.count }
        let clock = ContinuousClock()
        var satellites = 0
        let elapsed = try clock.measure {
            for _ in 0..<100 {
                for p in payloads { satellites += try RTCM3SSRCodec.decode(payload: p[...]).satellites.count }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("RTCM3 SSR decode: \(100 * payloads.count) messages, \(100 * bytes) bytes, \(satellites) satellite records in \(seconds) s"
              + " = \(Int(Double(100 * payloads.count) / seconds)) messages per second")
        #expect(payloads.count == 26)
    }
}
