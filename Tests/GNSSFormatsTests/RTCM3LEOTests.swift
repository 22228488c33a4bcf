import Foundation
import Testing
import GNSSCore
@testable import GNSSFormats

/// The project's LEO message 4058: subtype 1 (broadcast ephemeris) and subtype 7 (LEO MSM7).
@Suite struct RTCM3LEOTests {
    static let lightMs = Constants.speedOfLight / 1000

    /// An ephemeris with the coefficient magnitudes of a real one: the Taylor series in τ of a circular
    /// orbit of radius 7378 km (1000 km altitude, 7.35 km/s) over a ±60 s window, with a plausible clock.
    static func ephemeris(prn: Int = 205, reference: GNSSTime = GNSSTime(gpsWeek: 2345, secondOfWeek: 302_460),
                          halfWidth: Double = 60, issue: Int = 17, healthy: Bool = true) -> LEOEphemeris {
        let r = 7_378_137.0, omega = 7_350 / 7_378_137.0
        let inclination = 1.52, phase = 0.8
        let wh = omega * halfWidth
        var factorial = 1.0
        var cosTerms: [Double] = [], sinTerms: [Double] = []
        for k in 0...8 {
            if k > 0 { factorial *= Double(k) }
            // k-th derivative of cos and sin at `phase`, times (ωh)^k / k!.
            let d = Double(k) * Double.pi / 2
            cosTerms.append(r * cos(phase + d) * pow(wh, Double(k)) / factorial)
            sinTerms.append(r * sin(phase + d) * pow(wh, Double(k)) / factorial)
        }
        return LEOEphemeris(satellite: SatelliteID(.leo, prn), reference: reference, halfWidth: halfWidth,
                            x: cosTerms, y: sinTerms.map { $0 * cos(inclination) }, z: sinTerms.map { $0 * sin(inclination) },
                            clock: [-3.141_592_653e-4, 2.718e-11, -1.234e-17], issue: issue, healthy: healthy)
    }

    /// Encode, frame, re-frame with `RTCM3Framer` and decode with `RTCM3Decoder`.
    static func roundTrip(_ e: LEOEphemeris, decoder: inout RTCM3Decoder) throws -> RTCM3Message {
        let frame = RTCM3Encoder.frame(try RTCM3LEO.encode(e))
        var framer = RTCM3Framer()
        framer.append(frame)
        let item = framer.next()
        guard case .frame(let f)? = item else { throw FormatError(.internal, "no frame") }
        #expect(framer.next() == nil)
        #expect(f.messageType == 4058)
        return try decoder.decode(f)
    }

    // MARK: Subtype 1: ephemeris

    @Test func ephemerisRoundTrip() throws {
        let e = Self.ephemeris()
        let payload = try RTCM3LEO.encode(e)
        #expect(payload.count == 128)
        #expect(RTCM3Encoder.frame(payload).count == 134)
        #expect(RTCM3LEO.subtype(ofPayload: payload[...]) == 1)
        var decoder = RTCM3Decoder()
        let message = try Self.roundTrip(e, decoder: &decoder)
        #expect(message.messageType == 4058 && message.identity == "4058_1")
        guard case .leoEphemeris(let d) = message else { Issue.record("not a LEO ephemeris: \(message)"); return }
        #expect(d.satellite == e.satellite && d.reference == e.reference && d.halfWidth == e.halfWidth)
        #expect(d.issue == 17 && d.healthy)
        // The full week makes the ephemeris a time reference for the rest of the stream.
        #expect(decoder.referenceTime == e.reference)
        for (a, b) in [(d.x, e.x), (d.y, e.y), (d.z, e.z)] {
            #expect(a.count == 9)
            for k in 0..<9 { #expect(abs(a[k] - b[k]) <= 0x1p-15, "coefficient \(k): \(a[k]) vs \(b[k])") }
        }
        #expect(abs(d.clock[0] - e.clock[0]) <= 0x1p-41)
        #expect(abs(d.clock[1] - e.clock[1]) <= 0x1p-55)
        #expect(abs(d.clock[2] - e.clock[2]) <= 0x1p-68)
        // Decoded values are on the grid: encoding them again gives the same bits.
        #expect(try RTCM3LEO.encode(d) == payload)
    }

    /// Reference times on whole milliseconds come back exactly, including the ends of the week;
    /// every satellite number and issue, the health flag and the half width likewise.
    @Test(arguments: [(0, 1), (1, 2), (500, 100), (999, 359), (604_799_999, 511), (604_799_000, 64), (345_600_125, 65)])
    func exactHeaderFields(millisecondOfWeek ms: Int, prn: Int) throws {
        let reference = GNSSTime(seconds: 2400 * 604_800 + Int64(ms / 1000), fraction: Double(ms % 1000) / 1000)
        let e = Self.ephemeris(prn: prn, reference: reference, halfWidth: 90.5, issue: prn % 256, healthy: prn % 2 == 0)
        var decoder = RTCM3Decoder()
        guard case .leoEphemeris(let d) = try Self.roundTrip(e, decoder: &decoder) else { Issue.record("not a LEO ephemeris"); return }
        #expect(d.reference == reference, "\(d.reference) vs \(reference)")
        #expect(d.reference.gpsWeek == 2400)
        #expect(d.satellite == SatelliteID(.leo, prn) && d.issue == prn % 256 && d.healthy == (prn % 2 == 0) && d.halfWidth == 90.5)
    }

    @Test func lowerDegreeIsPaddedWithZeros() throws {
        var e = Self.ephemeris()
        e.x = Array(e.x.prefix(4))
        e.clock = [1e-6]
        guard case .leoEphemeris(let d) = try RTCM3Decoder().decodeCopy(payload: try RTCM3LEO.encode(e)) else {
            Issue.record("not a LEO ephemeris"); return
        }
        #expect(d.x.count == 9 && d.x[4...].allSatisfy { $0 == 0 } && abs(d.x[3] - e.x[3]) <= 0x1p-15)
        #expect(d.clock.count == 3 && d.clock[1] == 0 && d.clock[2] == 0)
    }

    @Test func ephemerisJSON() throws {
        let e = Self.ephemeris()
        let payload = try RTCM3LEO.encode(e)
        let message = try RTCM3Decoder().decodeCopy(payload: payload)
        let json = message.json(offset: 0, payload: payload)
        #expect(json["type"] == 4058 && json["subtype"] == 1 && json["satellite"] == "LK5")
        #expect(json["reference"] == .string(e.reference.iso8601(fractionDigits: 3)))
        #expect(json["week"] == 2345 && json["tow_ms"] == 302_460_000 && json["half_width"] == 60)
        #expect(json["issue"] == 17 && json["healthy"] == true)
        guard case .array(let x)? = json["x"], case .array(let clock)? = json["clock"] else { Issue.record("no coefficients"); return }
        #expect(x.count == 9 && clock.count == 3)
    }

    @Test func encoderRejectsWhatTheMessageCannotCarry() {
        func rejects(_ change: (inout LEOEphemeris) -> Void) -> Bool {
            var e = Self.ephemeris()
            change(&e)
            do { _ = try RTCM3LEO.encode(e); return false } catch { return error.kind == .encode }
        }
        #expect(rejects { $0.satellite = SatelliteID(.gps, 5) })
        #expect(rejects { $0.satellite = SatelliteID(.leo, 0) })
        #expect(rejects { $0.satellite = SatelliteID(.leo, 512) })
        #expect(rejects { $0.issue = 256 })
        #expect(rejects { $0.halfWidth = 0 })
        #expect(rejects { $0.halfWidth = 1048.576 })
        #expect(rejects { $0.halfWidth = .nan })
        #expect(rejects { $0.x[0] = 8_388_608 })           // c0 beyond ±2^23 m
        #expect(rejects { $0.y[1] = -4_194_304 })          // c1 beyond ±2^22 m
        #expect(rejects { $0.z[8] = .infinity })
        #expect(rejects { $0.x.append(0) })                // degree 9
        #expect(rejects { $0.clock[0] = 2e-3 })            // a0 beyond ±2^-9 s
        #expect(rejects { $0.clock.append(0) })
        #expect(rejects { $0.reference = GNSSTime(seconds: -1) })
        #expect(!rejects { $0.x[0] = 8_388_607 })
    }

    @Test func badEphemerisPayloadsThrow() throws {
        let payload = try RTCM3LEO.encode(Self.ephemeris())
        var decoder = RTCM3Decoder()
        // Every truncation is an error, never a crash; so is a damaged field.
        for n in 2..<payload.count {
            #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(payload.prefix(n))) }
        }
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.decode(payload: payload.prefix(1)) }
        var noSatellite = payload
        noSatellite[2] = 0
        noSatellite[3] &= 0x7F                                 // PRN 0
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: noSatellite) }
        var pastWeek = payload
        var w = BitWriter()
        w.uint(604_800_000, 30)                                // time of week at bit 50
        var bits = BitReader(w.bytes)
        for i in 0..<30 { setBit(&pastWeek, 50 + i, try bits.bool()) }
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: pastWeek) }
        var zeroWidth = payload
        for i in 80..<100 { setBit(&zeroWidth, i, false) }
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: zeroWidth) }
        // The codec itself refuses other messages.
        #expect(throws: FormatError.self) { _ = try RTCM3LEO.decode(payload: [0x3F, 0xB0, 0, 0][...]) }
        // Random bytes behind a 4058/1 header: errors or ephemerides, never a crash.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = (0..<Int.random(in: 2...140, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] = 0xFD
            bytes[1] = 0xA1
            _ = try? decoder.decode(payload: bytes)
        }
    }

    /// Subtypes other than 1, 2 and 7 are well-formed frames of a message this project does not decode.
    @Test func otherSubtypesAreUnsupported() throws {
        var decoder = RTCM3Decoder()
        for subtype in [0, 3, 6, 8, 15] {
            let payload: [UInt8] = [0xFD, 0xA0 | UInt8(subtype), 0x12, 0x34]
            let m = try decoder.decode(payload: payload)
            guard case .unsupported(let type) = m else { Issue.record("subtype \(subtype) decoded: \(m)"); continue }
            #expect(type == 4058 && m.identity == "4058")
        }
        // Only the subtype, no body: unsupported for a reserved subtype, truncated for 1, 2 and 7.
        guard case .unsupported(4058) = try decoder.decode(payload: [0xFD, 0xA0]) else { Issue.record("2-byte 4058/0"); return }
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: [0xFD, 0xA1]) }
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: [0xFD, 0xA2]) }
    }

    // MARK: Subtype 7: LEO MSM7

    /// A LEO satellite seen from the ground: 1 000–3 000 km away, range rates of kilometres per second.
    static func leo(_ prn: Int, range: Double, rate: Double, signals: [String] = ["1C", "5Q"]) -> SatelliteObservation {
        var s = SatelliteObservation(satellite: SatelliteID(.leo, prn))
        for (i, code) in signals.enumerated() {
            let sig = SignalCode(code) ?? SignalCode(band: 1, attribute: "C")
            let lambda = CarrierFrequency.wavelength(system: .leo, band: sig.band) ?? 0.2
            let pr = range + Double(i) * 2.468 + 0.135_79
            s.signals.append(SignalObservation(signal: sig, pseudorange: pr, carrierPhase: (pr - 3.75) / lambda + 0.41,
                                               doppler: -(rate + Double(i) * 0.004_2) / lambda, cn0: 38.4375 + Double(i) * 2,
                                               lockTime: 30 + Double(prn) / 10, halfCycleAmbiguity: i == 1))
        }
        return s
    }

    static let leoTime = GNSSTime(gpsWeek: 2345, secondOfWeek: 302_461)

    static let leoObservations = [
        leo(5, range: 1_234_567.891, rate: -5_432.109),
        leo(70, range: 2_345_678.912, rate: 3_210.987),
        leo(200, range: 2_987_654.321, rate: 6_789.012),
        leo(359, range: 1_876_543.21, rate: -123.456, signals: ["5Q"]),
    ]

    @Test func leoMSMRoundTrip() throws {
        let messages = MSMMessage.makeLEO(stationID: 3001, time: Self.leoTime, multipleMessage: false, observations: Self.leoObservations)
        // PRN blocks 0 (L005), 1 (L070), 3 (L200) and 5 (L359): one message each, chained by the multiple-message bit.
        #expect(messages.count == 4)
        #expect(messages.map(\.multipleMessage) == [true, true, true, false])
        #expect(messages.map { $0.satellites.map(\.satellite.prn) } == [[5], [70], [200], [359]])
        #expect(messages.allSatisfy { $0.messageType == 4058 && $0.msmType == 7 && $0.system == .leo })
        var stream: [UInt8] = []
        for m in messages { stream += RTCM3Encoder.frame(try m.encode()) }
        var framer = RTCM3Framer()
        framer.append(stream)
        var decoder = RTCM3Decoder()
        var assembler = MSMEpochAssembler()
        var epochs: [ObservationEpoch] = []
        var decoded: [MSMMessage] = []
        while let item = framer.next() {
            guard case .frame(let f) = item else { Issue.record("framing error"); continue }
            #expect(f.messageType == 4058 && RTCM3LEO.subtype(ofPayload: f.payload[...]) == 7)
            let message = try decoder.decode(f)
            #expect(message.identity == "4058_7")
            guard case .msm(let m) = message else { Issue.record("not an MSM: \(message)"); continue }
            decoded.append(m)
            epochs += assembler.add(m, reference: Self.leoTime + 5000)
        }
        #expect(decoded.map { $0.cells.map(\.satellite) } == messages.map { $0.cells.map(\.satellite) })
        #expect(decoded.map { $0.cells.map(\.signalID) } == [[2, 23], [2, 23], [2, 23], [23]])
        #expect(decoded.allSatisfy { $0.system == .leo && $0.messageType == 4058 && $0.msmType == 7 && $0.stationID == 3001 })
        #expect(decoded.allSatisfy { $0.time(near: Self.leoTime - 3000) == Self.leoTime })
        #expect(decoded.map(\.multipleMessage) == [true, true, true, false])
        // The last message, its multiple-message bit clear, closes the epoch.
        #expect(epochs.count == 1)
        let back = try #require(epochs.first)
        #expect(back.time == Self.leoTime)
        Self.expectSameObservations(back.satellites, Self.leoObservations)
        // observations() of one message gives LEO observations directly.
        let direct = decoded[2].observations()
        #expect(direct.map(\.satellite) == [SatelliteID(.leo, 200)])
        #expect(direct.first?.signals.map(\.signal) == [SignalCode("1C"), SignalCode("5Q")].compactMap { $0 })
    }

    /// Pseudorange to 2^-29 ms, phase to 2^-31 ms (in cycles of the LEO wavelengths), Doppler to the
    /// 0.0001 m/s of the fine rate, C/N0 to 1/16 dB-Hz, lock time to the table value not above it.
    static func expectSameObservations(_ back: [SatelliteObservation], _ sent: [SatelliteObservation]) {
        #expect(back.map(\.satellite).sorted() == sent.map(\.satellite).sorted())
        for s in sent {
            guard let b = back.first(where: { $0.satellite == s.satellite }) else { Issue.record("\(s.satellite) missing"); continue }
            #expect(b.signals.count == s.signals.count)
            for o in s.signals {
                guard let d = b.signals.first(where: { $0.signal == o.signal }),
                      let lambda = CarrierFrequency.wavelength(system: .leo, band: o.signal.band),
                      let pr = d.pseudorange, let phase = d.carrierPhase, let doppler = d.doppler, let cn0 = d.cn0, let lock = d.lockTime else {
                    Issue.record("\(s.satellite) \(o.signal) incomplete"); continue
                }
                #expect(abs(pr - (o.pseudorange ?? 0)) <= 0x1p-30 * lightMs + 1e-9, "\(s.satellite) \(o.signal) pseudorange")
                #expect(abs(phase - (o.carrierPhase ?? 0)) * lambda <= 0x1p-32 * lightMs + 1e-9, "\(s.satellite) \(o.signal) phase")
                #expect(abs(doppler - (o.doppler ?? 0)) * lambda <= 0.000_05 + 1e-9, "\(s.satellite) \(o.signal) Doppler")
                #expect(abs(cn0 - (o.cn0 ?? 0)) <= 1.0 / 32)
                #expect(lock <= (o.lockTime ?? 0) && lock > (o.lockTime ?? 0) / 2)
                #expect(d.halfCycleAmbiguity == o.halfCycleAmbiguity)
            }
        }
    }

    /// `multipleMessage: true` keeps the bit on the last LEO message too, for a station that sends more of
    /// the epoch after it; and `msmFrames(includeLEO:)` chains LEO after the GNSS MSMs of the same epoch.
    @Test func leoMessagesChainWithGNSS() throws {
        let open = MSMMessage.makeLEO(stationID: 7, time: Self.leoTime, multipleMessage: true, observations: Self.leoObservations)
        #expect(open.map(\.multipleMessage) == [true, true, true, true])
        #expect(MSMMessage.makeLEO(stationID: 7, time: Self.leoTime, multipleMessage: false, observations: []).isEmpty)

        var gps = SatelliteObservation(satellite: SatelliteID(.gps, 12))
        gps.signals = [SignalObservation(signal: SignalCode("1C") ?? SignalCode(band: 1, attribute: "C"), pseudorange: 21_000_123.456,
                                         carrierPhase: 21_000_123.456 / (CarrierFrequency.wavelength(system: .gps, band: 1) ?? 1) + 0.25,
                                         doppler: -1234.5, cn0: 44, lockTime: 200)]
        let epoch = ObservationEpoch(time: Self.leoTime, satellites: [gps] + Self.leoObservations)
        // With includeLEO false the LEO satellites are left out.
        #expect(try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 7, includeLEO: false).count == 1)
        let frames = try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 7)
        #expect(frames.count == 5)
        var framer = RTCM3Framer()
        framer.append(frames.joined())
        var decoder = RTCM3Decoder()
        var assembler = MSMEpochAssembler()
        var epochs: [ObservationEpoch] = []
        var summary: [String] = []
        while let item = framer.next() {
            guard case .frame(let f) = item, case .msm(let m) = try decoder.decode(f) else { Issue.record("not an MSM"); continue }
            summary.append("\(m.messageType)\(m.multipleMessage ? "+" : "")")
            epochs += assembler.add(m, reference: Self.leoTime)
        }
        #expect(summary == ["1077+", "4058+", "4058+", "4058+", "4058"])
        #expect(epochs.count == 1)
        let back = try #require(epochs.first)
        #expect(back.satellites.count == 5 && back.satellite(SatelliteID(.gps, 12)) != nil)
        Self.expectSameObservations(back.satellites.filter { $0.satellite.system == .leo }, Self.leoObservations)
    }

    /// A block with more satellites than 64 cells hold is split; each message still decodes.
    @Test func crowdedBlockIsSplit() throws {
        let many = (65...104).map { Self.leo($0, range: 1_500_000 + Double($0) * 1000, rate: Double($0) * 10) }
        let messages = MSMMessage.makeLEO(stationID: 1, time: Self.leoTime, multipleMessage: false, observations: many)
        #expect(messages.map(\.satellites.count) == [32, 8])
        #expect(messages.map(\.multipleMessage) == [true, false])
        var all: [SatelliteObservation] = []
        var decoder = RTCM3Decoder()
        for m in messages {
            let payload = try m.encode()
            guard case .msm(let back) = try decoder.decode(payload: payload) else { Issue.record("not an MSM"); continue }
            #expect(back.satellites.map(\.satellite) == m.satellites.map(\.satellite) && back.cells.count == m.cells.count)
            all += back.observations()
        }
        Self.expectSameObservations(all, many)
    }

    @Test func leoMSMEncoderRefusesWhatTheMessageCannotCarry() {
        // One message cannot mix PRN blocks; LEO has no MSM4; no satellite beyond 512.
        let mixed = MSMMessage.make(system: .leo, msmType: 7, stationID: 1, time: Self.leoTime, multipleMessage: false,
                                    observations: Self.leoObservations)
        #expect(mixed.messageType == 4058)
        #expect(throws: FormatError.self) { _ = try mixed.encode() }
        let msm4 = MSMMessage.make(system: .leo, msmType: 4, stationID: 1, time: Self.leoTime, multipleMessage: false,
                                   observations: [Self.leoObservations[0]])
        #expect(throws: FormatError.self) { _ = try msm4.encode() }
        let far = MSMMessage.makeLEO(stationID: 1, time: Self.leoTime, multipleMessage: false,
                                     observations: [Self.leo(513, range: 2e6, rate: 0), Self.leo(600, range: 2e6, rate: 0)])
        #expect(far.isEmpty)
    }

    @Test func leoMSMJSON() throws {
        let m = MSMMessage.makeLEO(stationID: 3001, time: Self.leoTime, multipleMessage: false, observations: Self.leoObservations)[1]
        let payload = try m.encode()
        var decoder = RTCM3Decoder()
        let json = try decoder.decode(payload: payload).json(offset: 12, payload: payload, reference: Self.leoTime)
        #expect(json["type"] == 4058 && json["subtype"] == 7 && json["msm"] == 7 && json["system"] == "LEO")
        #expect(json["prn_block"] == 1 && json["station"] == 3001 && json["multiple"] == true)
        #expect(json["gps_time"] == .string(Self.leoTime.iso8601(fractionDigits: 3)))
        guard case .array(let sats)? = json["satellites"], case .array(let cells)? = json["cells"] else { Issue.record("no satellites"); return }
        #expect(sats.count == 1 && sats.first?["sat"] == "L70")
        #expect(cells.map { $0["signal"] } == ["1C", "5Q"])
        let first = try decoder.decode(payload: try MSMMessage.makeLEO(stationID: 1, time: Self.leoTime, multipleMessage: false,
                                                                           observations: [Self.leoObservations[0]])[0].encode())
        guard case .array(let s0)? = first.json(offset: 0, payload: [])["satellites"] else { Issue.record("no satellites"); return }
        #expect(s0.first?["sat"] == "L05")
    }

    @Test func badLEOMSMPayloadsThrow() throws {
        let payload = try MSMMessage.makeLEO(stationID: 1, time: Self.leoTime, multipleMessage: false,
                                             observations: [Self.leoObservations[2]])[0].encode()
        var decoder = RTCM3Decoder()
        for n in 2..<payload.count {
            #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(payload.prefix(n))) }
        }
        // MSMMessage.decode itself refuses the ephemeris subtype.
        #expect(throws: FormatError.self) { _ = try MSMMessage.decode(try RTCM3LEO.encode(Self.ephemeris())) }
        // Random bytes behind a 4058/7 header: errors or messages, never a crash.
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = (0..<Int.random(in: 2...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            bytes[0] = 0xFD
            bytes[1] = 0xA7
            if case .msm(let m)? = try? decoder.decode(payload: bytes) {
                #expect(m.system == .leo && m.satellites.allSatisfy { (1...512).contains($0.satellite.prn) })
                _ = m.observations()
            }
        }
    }

    // MARK: inspect

    /// What `gatewayd inspect --json` prints for a LEO downlink-style stream: the ephemeris (which also gives
    /// the week, so the MSMs after it get a calendar time) and the LEO MSM7s, with summary keys 4058_1 and 4058_7.
    @Test func inspectPrintsLEOMessages() throws {
        var stream = RTCM3Encoder.frame(try RTCM3LEO.encode(Self.ephemeris()))
        for m in MSMMessage.makeLEO(stationID: 3001, time: Self.leoTime, multipleMessage: false, observations: Self.leoObservations) {
            stream += RTCM3Encoder.frame(try m.encode())
        }
        stream += RTCM3Encoder.frame([0xFD, 0xA3, 0x00])   // a reserved subtype
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leo-\(UUID().uuidString).rtcm3").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(stream)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let sink = InspectSink(writeJSON: true) { lines.all.append($0) }
        #expect(try Inspection.inspect(path: path, sink: sink) == .rtcm3)
        #expect(sink.counts == ["rtcm3 4058_1": 1, "rtcm3 4058_7": 4, "rtcm3 4058": 1] && sink.totalErrors == 0)
        let records = try lines.all.map { line -> [String: Any] in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(records.count == 6)
        let eph = try #require(records.first)
        #expect(eph["type"] as? Int == 4058 && eph["subtype"] as? Int == 1 && eph["satellite"] as? String == "LK5")
        #expect((eph["x"] as? [Double])?.count == 9 && (eph["clock"] as? [Double])?.count == 3)
        let msm = records[1]
        #expect(msm["type"] as? Int == 4058 && msm["subtype"] as? Int == 7 && msm["system"] as? String == "LEO")
        #expect(msm["gps_time"] as? String == Self.leoTime.iso8601(fractionDigits: 3))
        let sats = try #require(msm["satellites"] as? [[String: Any]])
        #expect(sats.map { $0["sat"] as? String } == ["L05"])
        #expect(records.dropFirst().prefix(4).compactMap { $0["prn_block"] as? Int } == [0, 1, 3, 5])
        #expect(records[5]["decoded"] as? Bool == false && records[5]["type"] as? Int == 4058)
    }

    func setBit(_ bytes: inout [UInt8], _ bit: Int, _ value: Bool) {
        let mask = UInt8(0x80) >> UInt8(bit & 7)
        if value { bytes[bit >> 3] |= mask } else { bytes[bit >> 3] &= ~mask }
    }
}

extension RTCM3Decoder {
    /// Decodes with a fresh copy, for tests that need no state.
    func decodeCopy(payload: [UInt8]) throws(FormatError) -> RTCM3Message {
        var d = self
        return try d.decode(payload: payload)
    }
}
