import Foundation
import Testing
import GNSSCore
import TestSupport
@testable import GNSSFormats

/// The project's LEO message 4058 subtype 2: SSR orbit and clock corrections to the LEO broadcast ephemerides.
@Suite struct RTCM3LEOSSRTests {
    static func satellite(_ prn: Int, iod: Int, orbit: [Double], clock: [Double]) -> SSRMessage.Satellite {
        var s = SSRMessage.Satellite(satellite: SatelliteID(.leo, prn))
        s.iod = iod
        s.orbit = orbit
        s.clock = clock
        return s
    }

    /// The worked example of docs/leo-messages.md: 302 460 s of the week, 5 s updates, IOD SSR 3, provider 1234,
    /// solution 1, two satellites.
    static func message(satellites: [SSRMessage.Satellite]? = nil) -> SSRMessage {
        SSRMessage(messageType: 4058, system: .leo, kind: .combined, epochSeconds: 302_460, updateInterval: 2, multipleMessage: false,
                   iodSSR: 3, providerID: 1234, solutionID: 1, satellites: satellites ?? [
                       satellite(205, iod: 17, orbit: [0.0312, -0.0457, 0.0089, 2.1e-5, -3.3e-5, 0.7e-5], clock: [-0.0213, 1.7e-5, 0]),
                       satellite(359, iod: 255, orbit: [-26.2143, 26.2143, -1.5, 0.262_143, -0.262_143, 0.0123],
                                 clock: [209.7151, -1.048_575, -0.010_485_74]),
                   ])
    }

    @Test func roundTrip() throws {
        let m = Self.message()
        let payload = try RTCM3LEO.encode(ssr: m)
        // 71 header bits and 194 per satellite, padded to a whole byte.
        #expect(payload.count == (71 + 2 * 194 + 7) / 8)
        #expect(Array(payload.prefix(9)) == [0xFD, 0xA2, 0x49, 0xD7, 0xC2, 0x18, 0x26, 0x90, 0x84])
        #expect(RTCM3LEO.subtype(ofPayload: payload[...]) == 2)
        // Through a frame, the framer and the stream decoder, as every SSR message.
        var framer = RTCM3Framer()
        framer.append(RTCM3Encoder.frame(payload))
        guard case .frame(let f)? = framer.next() else { Issue.record("no frame"); return }
        var decoder = RTCM3Decoder()
        let decoded = try decoder.decode(f)
        #expect(decoded.messageType == 4058 && decoded.identity == "4058_2")
        guard case .ssr(let d) = decoded else { Issue.record("not SSR: \(decoded)"); return }
        #expect(d.system == .leo && d.kind == .combined && d.epochSeconds == 302_460 && d.updateInterval == 2)
        #expect(!d.multipleMessage && d.iodSSR == 3 && d.providerID == 1234 && d.solutionID == 1 && d.referenceDatum == nil)
        #expect(d.satellites.count == 2)
        let resolution = [1e-4, 1e-4, 1e-4, 1e-6, 1e-6, 1e-6]
        for (a, b) in zip(d.satellites, m.satellites) {
            #expect(a.satellite == b.satellite && a.iod == b.iod)
            for k in 0..<6 { #expect(abs(a.orbit![k] - b.orbit![k]) <= resolution[k] / 2 + 1e-12, "orbit \(k)") }
            for (k, r) in [1e-4, 1e-6, 2e-8].enumerated() { #expect(abs(a.clock![k] - b.clock![k]) <= r / 2 + 1e-12, "clock \(k)") }
        }
        // Decoded values are on the grid: encoding them again gives the same bits, through either codec entry.
        #expect(try RTCM3LEO.encode(ssr: d) == payload)
        #expect(try RTCM3SSRCodec.encode(d) == payload)
        #expect(try RTCM3SSRCodec.decode(payload: payload[...]) == d)
        // gatewayd inspect --json shows it as SSR of system L, subtype 2.
        let json = decoded.json(offset: 0, payload: payload).serialized()
        #expect(json.contains("\"subtype\":2,\"system\":\"\(GNSSSystem.leo)\",\"kind\":\"combined\""), "\(json)")
        #expect(json.contains("\"sat\":\"\(SatelliteID(.leo, 205))\",\"iod\":17"), "\(json)")
    }

    @Test func fullMessageFitsOneFrame() throws {
        #expect(RTCM3LEO.ssrMaximumSatellites == 41)
        let satellites = (1...41).map { Self.satellite($0 * 8, iod: $0, orbit: [0.1, 0.2, 0.3, 0, 0, 0], clock: [0.4]) }
        let payload = try RTCM3LEO.encode(ssr: Self.message(satellites: satellites))
        #expect(payload.count <= 1023)
        var decoder = RTCM3Decoder()
        guard case .ssr(let d) = try decoder.decode(payload: payload) else { Issue.record("not SSR"); return }
        #expect(d.satellites.map(\.satellite.prn) == (1...41).map { $0 * 8 })
        #expect(d.satellites.allSatisfy { $0.clock == [0.4, 0, 0] })
        let tooMany = (1...42).map { Self.satellite($0, iod: 0, orbit: [0, 0, 0, 0, 0, 0], clock: [0]) }
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.encode(ssr: Self.message(satellites: tooMany)) }
    }

    /// Values beyond a field's range are encoding errors, never wrapped.
    @Test func outOfRangeValuesAreRefused() throws {
        func refused(_ change: (inout SSRMessage.Satellite) -> Void) -> Bool {
            var s = Self.satellite(1, iod: 1, orbit: [0, 0, 0, 0, 0, 0], clock: [0, 0, 0])
            change(&s)
            #expect(RTCM3LEO.ssrFits(s) == false)
            return (try? RTCM3LEO.encode(ssr: Self.message(satellites: [s]))) == nil
        }
        #expect(refused { $0.orbit![0] = 26.22 })          // radial beyond ±26.2143 m
        #expect(refused { $0.orbit![2] = -26.22 })
        #expect(refused { $0.orbit![4] = 0.2622 })         // along-track rate beyond ±0.262 m/s
        #expect(refused { $0.clock![0] = -209.72 })        // C0 beyond ±209.7 m
        #expect(refused { $0.clock![1] = 1.0486 })
        #expect(refused { $0.clock![2] = 0.0105 })
        #expect(refused { $0.orbit![1] = .nan })
        #expect(refused { $0.iod = 256 })
        #expect(refused { $0.iod = nil })
        #expect(refused { $0.orbit = nil })
        #expect(refused { $0.satellite = SatelliteID(.leo, 0) })
        #expect(refused { $0.satellite = SatelliteID(.gps, 5) })
        var wrongSystem = Self.message()
        wrongSystem.system = .gps
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.encode(ssr: wrongSystem) }
        var orbitOnly = Self.message()
        orbitOnly.kind = .orbit
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.encode(ssr: orbitOnly) }
        var pastWeek = Self.message()
        pastWeek.epochSeconds = 604_800
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.encode(ssr: pastWeek) }
    }

    /// Truncated, padded and damaged payloads are errors, never a crash; random bodies behind the header likewise.
    @Test func badPayloadsThrow() throws {
        let payload = try RTCM3LEO.encode(ssr: Self.message())
        var decoder = RTCM3Decoder()
        for n in 2..<payload.count {
            #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(payload.prefix(n))) }
        }
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: payload + [0]) }
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.decodeSSR(payload: payload.prefix(1)) }
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.decodeSSR(payload: [0xFD, 0xA1, 0, 0][...]) }
        var noSatellite = payload
        for i in 71..<80 { setBit(&noSatellite, i, false) }   // PRN 0
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: noSatellite) }
        var manySatellites = payload
        for i in 65..<71 { setBit(&manySatellites, i, true) }  // 63 satellites: more than a frame holds
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: manySatellites) }
        var pastWeek = payload
        for i in 16..<36 { setBit(&pastWeek, i, true) }        // 1 048 575 s
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: pastWeek) }
        var rng = SeededGenerator(seed: 4058)
        var decoded = 0
        for _ in 0..<5000 {
            var bytes = (0..<Int.random(in: 2...600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] = 0xFD
            bytes[1] = 0xA2
            if (try? decoder.decode(payload: bytes)) != nil { decoded += 1 }
        }
        // Single bit flips of a valid message: decoded or refused, never a crash.
        for bit in 0..<(payload.count * 8) {
            var damaged = payload
            damaged[bit >> 3] ^= UInt8(0x80) >> UInt8(bit & 7)
            if (try? decoder.decode(payload: damaged)) != nil { decoded += 1 }
        }
        #expect(decoded > 0)
    }

    func setBit(_ bytes: inout [UInt8], _ bit: Int, _ value: Bool) {
        let mask = UInt8(0x80) >> UInt8(bit & 7)
        if value { bytes[bit >> 3] |= mask } else { bytes[bit >> 3] &= ~mask }
    }
}
