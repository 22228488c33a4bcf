import Foundation
import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Observation, station and MSM message fields checked against pyrtcm 1.2.1 and the RTCM 10403.3 tables,
/// and MSM4/MSM7 encoding checked by decoding it again.
@Suite struct RTCM3ObservationTests {
    static let lightMs = Constants.speedOfLight / 1000

    // MARK: Lock-time tables (RTCM 10403.3 DF402 and DF407 definitions)

    @Test func lockTimeIndicators() {
        // DF402: indicator 0 → < 32 ms, 1 → 32 ms, i → 2^(i+4) ms, 15 → 524 288 ms.
        #expect(MSMSignals.lockTime4(0) == 0 && MSMSignals.lockTime4(1) == 0.032 && MSMSignals.lockTime4(15) == 524.288)
        // DF407: 0–63 → i ms; 64–95 → 2i − 64; 96–127 → 4i − 256; 672–703 → 2^20·i − 704·2^20 + ... ; 704 → 67 108 864 ms.
        #expect(MSMSignals.lockTime10Raw(63) == 63)
        #expect(MSMSignals.lockTime10Raw(64) == 2 * 64 - 64 && MSMSignals.lockTime10Raw(95) == 2 * 95 - 64)
        #expect(MSMSignals.lockTime10Raw(96) == 4 * 96 - 256 && MSMSignals.lockTime10Raw(127) == 4 * 127 - 256)
        #expect(MSMSignals.lockTime10Raw(128) == 8 * 128 - 768)
        #expect(MSMSignals.lockTime10Raw(704) == 67_108_864)
        for i in [0, 5, 63, 64, 70, 96, 200, 479, 703] {
            #expect(MSMSignals.lockIndicator10(MSMSignals.lockTime10Raw(i)) == i)
        }
        for i in 0...15 {
            #expect(MSMSignals.lockIndicator4(Int((MSMSignals.lockTime4(i) * 1000).rounded())) == i)
        }
    }

    // MARK: Signal tables (RTCM 10403.3 tables 3.5-91, -96, -99, -105)

    @Test func signalTables() {
        let gps = MSMSignals.decodeTables[.gps] ?? [:]
        #expect(gps[2] == SignalCode("1C") && gps[10] == SignalCode("2W") && gps[16] == SignalCode("2L") && gps[24] == SignalCode("5X"))
        let glo = MSMSignals.decodeTables[.glonass] ?? [:]
        #expect(glo[2] == SignalCode("1C") && glo[9] == SignalCode("2P"))
        let gal = MSMSignals.decodeTables[.galileo] ?? [:]
        #expect(gal[2] == SignalCode("1C") && gal[15] == SignalCode("7Q") && gal[23] == SignalCode("5Q"))
        let bds = MSMSignals.decodeTables[.beidou] ?? [:]
        #expect(bds[2] == SignalCode("2I") && bds[8] == SignalCode("6I") && bds[14] == SignalCode("7I"))
    }

    // MARK: Encoding round trips

    /// A four-system epoch with GLONASS channels; pseudoranges 20 000–25 000 km, phases near the ranges.
    static func epoch(time: GNSSTime) -> ObservationEpoch {
        func sat(_ system: GNSSSystem, _ prn: Int, _ range: Double, _ signals: [String], channel: Int? = nil) -> SatelliteObservation {
            var s = SatelliteObservation(satellite: SatelliteID(system, prn), glonassChannel: channel)
            // One range rate per satellite (m/s); the signals' Dopplers differ by a few mm/s, as real ones do.
            let rate = 234.567_8 + Double(prn) * 3.1
            for (i, code) in signals.enumerated() {
                let sig = SignalCode(code) ?? SignalCode(band: 1, attribute: "C")
                let lambda = CarrierFrequency.wavelength(system: system, band: sig.band, glonassChannel: channel) ?? 0.19
                let pr = range + Double(i) * 1.734 + 0.123_456
                s.signals.append(SignalObservation(signal: sig, pseudorange: pr, carrierPhase: (pr + 2.25) / lambda + 0.3,
                                                   doppler: -(rate + Double(i) * 0.003_7) / lambda, cn0: 41.25 + Double(i),
                                                   lockTime: 100 + Double(prn)))
            }
            return s
        }
        return ObservationEpoch(time: time, satellites: [
            sat(.gps, 3, 21_234_567.891, ["1C", "2W", "5Q"]),
            sat(.gps, 17, 24_876_543.21, ["1C", "2L"]),
            sat(.glonass, 5, 19_876_543.219, ["1C", "2C"], channel: -4),
            sat(.glonass, 21, 22_345_678.912, ["1C", "2P"], channel: 3),
            sat(.galileo, 11, 25_123_456.789, ["1C", "5Q", "7Q"]),
            sat(.beidou, 7, 36_123_456.78, ["2I", "7I"]),
            sat(.beidou, 30, 22_987_654.321, ["2I", "6I"]),
        ])
    }

    @Test(arguments: [4, 7])
    func msmEncodeDecodeRoundTrip(msmType: Int) throws {
        let time = GNSSTime(gpsWeek: 2300, secondOfWeek: 345_617)
        let epoch = Self.epoch(time: time)
        let frames = try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 2047, msmType: msmType)
        #expect(frames.count == 4)
        var framer = RTCM3Framer()
        framer.append(frames.joined())
        var decoder = RTCM3Decoder()
        var assembler = MSMEpochAssembler()
        // MSM4 carries no GLONASS frequency channel: the caller supplies them (from 1020 or a table).
        assembler.glonassChannels[5] = -4
        assembler.glonassChannels[21] = 3
        var epochs: [ObservationEpoch] = []
        var types: [Int] = []
        while let item = framer.next() {
            guard case .frame(let f) = item else { Issue.record("framing error"); continue }
            guard case .msm(let m) = try decoder.decode(f) else { Issue.record("not an MSM"); continue }
            types.append(m.messageType)
            #expect(m.stationID == 2047)
            #expect(m.time(near: time + 3000) == time)
            epochs += assembler.add(m, reference: time)
        }
        #expect(types == [1070, 1080, 1090, 1120].map { $0 + msmType })
        // The multiple-message bit is clear on the last message only, which closes the epoch.
        let back = try #require(epochs.first)
        #expect(epochs.count == 1 && back.time == time)
        // Resolution: MSM7 pseudorange 2^-29 ms, phase 2^-31 ms, rate 0.0001 m/s, CNR 1/16 dB-Hz;
        // MSM4 pseudorange 2^-24 ms, phase 2^-29 ms, CNR 1 dB-Hz, no rate.
        let prTol = (msmType == 7 ? 0x1p-29 : 0x1p-24) * Self.lightMs
        let phTol = (msmType == 7 ? 0x1p-31 : 0x1p-29) * Self.lightMs
        for s in epoch.satellites {
            let b = try #require(back.satellite(s.satellite), "\(s.satellite)")
            #expect(b.signals.count == s.signals.count)
            if s.satellite.system == .glonass { #expect(b.glonassChannel == s.glonassChannel) }
            for o in s.signals {
                let d = try #require(b.signals.first { $0.signal == o.signal }, "\(s.satellite) \(o.signal)")
                let lambda = try #require(CarrierFrequency.wavelength(system: s.satellite.system, band: o.signal.band,
                                                                      glonassChannel: s.glonassChannel))
                #expect(abs(try #require(d.pseudorange) - (o.pseudorange ?? 0)) <= prTol)
                #expect(abs(try #require(d.carrierPhase) - (o.carrierPhase ?? 0)) * lambda <= phTol)
                if msmType == 7 {
                    #expect(abs(try #require(d.doppler) - (o.doppler ?? 0)) * lambda <= 0.000_05 + 1e-9)
                    #expect(abs(try #require(d.cn0) - (o.cn0 ?? 0)) <= 1.0 / 32)
                } else {
                    #expect(d.doppler == nil)
                    #expect(abs(try #require(d.cn0) - (o.cn0 ?? 0)) <= 0.5)
                }
                // The lock time sent is the largest table value not above the true one.
                let lock = try #require(d.lockTime)
                #expect(lock <= (o.lockTime ?? 0) && lock > 0)
            }
        }
    }

    /// A system whose signals have no MSM signal id sends no message; the last message sent still clears the
    /// multiple-message bit, so the epoch closes.
    @Test func lastMessageClosesEpoch() throws {
        let time = GNSSTime(gpsWeek: 2300, secondOfWeek: 1)
        var epoch = Self.epoch(time: time)
        epoch.satellites.append(SatelliteObservation(satellite: SatelliteID(.navic, 3),
                                                     signals: [SignalObservation(signal: SignalCode(band: 9, attribute: "A"),
                                                                                 pseudorange: 25_000_000)]))
        let frames = try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 1, msmType: 7)
        var decoder = RTCM3Decoder()
        var bits: [Bool] = []
        for f in frames {
            guard case .msm(let m) = try decoder.decode(payload: Array(f[3..<(f.count - 3)])) else { continue }
            bits.append(m.multipleMessage)
        }
        #expect(bits == [true, true, true, false])
    }

    @Test func stationMessagesRoundTrip() throws {
        // Values of the RTCM 10403.3 1005/1006 example: ARP (1114104.5999, −4850729.7108, 3975521.4643) m, height 1.99 m...
        // the decoded values must agree to DF025–DF027's 0.1 mm and DF028's 0.1 mm.
        let s = StationCoordinates(stationID: 2003, position: ECEF(1_114_104.5999, -4_850_729.7108, 3_975_521.4643),
                                   antennaHeight: 1.99)
        var decoder = RTCM3Decoder()
        guard case .stationCoordinates(let b) = try decoder.decode(payload: s.encode()) else { Issue.record("not 1006"); return }
        #expect(b.stationID == 2003 && b.position.distance(to: s.position) < 1e-4 && abs((b.antennaHeight ?? 0) - 1.99) < 1e-9)
        var s5 = s
        s5.antennaHeight = nil
        guard case .stationCoordinates(let b5) = try decoder.decode(payload: s5.encode()) else { Issue.record("not 1005"); return }
        #expect(b5.antennaHeight == nil && RTCM3Frame(payload: s5.encode(), offset: 0).messageType == 1005)

        let d = StationDescriptors(stationID: 611, antennaDescriptor: "TRM59800.00     SCIS", antennaSetupID: 1,
                                   antennaSerial: "5000118", receiverType: "TRIMBLE NETR9", receiverFirmware: "4.60",
                                   receiverSerial: "5036K69999")
        guard case .descriptors(let db) = try decoder.decode(payload: d.encode()) else { Issue.record("not 1033"); return }
        #expect(db == d)
    }

    // MARK: Malformed payloads

    @Test func malformedPayloadsThrow() throws {
        var decoder = RTCM3Decoder()
        let msm = try RTCM3Encoder.msmFrames(epoch: Self.epoch(time: GNSSTime(gpsWeek: 2300, secondOfWeek: 1)), stationID: 1)[0]
        let body = Array(msm[3..<(msm.count - 3)])
        // Every truncation of a real MSM7 body is an error, never a crash.
        for n in 0..<body.count {
            #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(body.prefix(n))) }
        }
        // 1005 and 1033 cut short.
        let station = StationCoordinates(stationID: 1, position: ECEF(1, 2, 3)).encode()
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(station.prefix(10))) }
        let desc = StationDescriptors(stationID: 1, antennaDescriptor: "ABC", receiverType: "XYZ").encode()
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(desc.prefix(6))) }
        // An MSM whose satellite × signal mask exceeds 64 cells.
        var w = BitWriter()
        w.uint(1077, 12); w.uint(0, 12); w.uint(0, 30); w.uint(0, 1); w.uint(0, 3); w.uint(0, 7)
        w.uint(0, 2); w.uint(0, 2); w.uint(0, 1); w.uint(0, 3)
        w.uint(0xFFFF_FFFF, 32); w.uint(0xFFFF_FFFF, 32); w.uint(0xFFFF_FFFF, 32)
        let bad = w.bytes + [UInt8](repeating: 0, count: 64)
        #expect(throws: FormatError.self) { _ = try decoder.decode(payload: bad) }
    }
}

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTCM3ObservationRealDataTests {
    static func file(_ name: String) throws -> [UInt8] { try FileByteSource.readAll(path: SharedData.path("rtcm3/" + name)) }
    static let lightMs = Constants.speedOfLight / 1000

    /// MSM3 cells from pygpsdata-RTCMMSM3.log. pyrtcm 1.2.1 prints for the 1073: DF003 11, DF004 84967000, 8 satellites,
    /// 20 cells, PRN_01 006, DF398_01 0.5908203125, CELLSIG_01..03 1C 2X 5X, DF400_01 −0.00019592046737670898,
    /// DF401_01 −2.4491921067237854e-05, DF402 15; PRN_08 025 DF398_08 0.974609375, cell 20 (G25 5X)
    /// DF400 −0.0004578232765197754, DF401 −0.0003839787095785141.
    /// For the 1083: DF416 1, DF034 9349000, 7 satellites, 14 cells, R02 DF398 0.109375, cell 1 (R02 1C) DF400
    /// 4.8160552978515625e-05, DF401 6.616860628128052e-05, DF402 12.
    @Test func msm3FieldsEqualPyrtcm() throws {
        let (_, messages, errors) = decodeRTCM3(try Self.file("pygpsdata-RTCMMSM3.log"))
        #expect(errors.isEmpty)
        guard case .msm(let g) = try #require(messages.first { $0.1.messageType == 1073 }).1 else { Issue.record("no 1073"); return }
        #expect(g.stationID == 11 && g.epochMilliseconds == 84_967_000 && g.satellites.count == 8 && g.cells.count == 20)
        #expect(g.multipleMessage && g.msmType == 3)
        #expect(g.satellites[0].satellite == SatelliteID(.gps, 6) && g.satellites[7].satellite == SatelliteID(.gps, 25))
        #expect(g.cells[0...2].map(\.signal) == ["1C", "2X", "5X"].compactMap { SignalCode($0) })
        // MSM1–3 carry the range modulo 1 ms only.
        #expect(abs(try #require(g.cells[0].pseudorange) - (0.5908203125 - 0.00019592046737670898) * Self.lightMs) < 1e-6)
        #expect(abs(try #require(g.cells[0].phaseRange) - (0.5908203125 - 2.4491921067237854e-05) * Self.lightMs) < 1e-6)
        #expect(g.cells[0].lockIndicator == 15 && g.cells[0].cnr == nil && g.cells[0].phaseRangeRate == nil)
        #expect(g.cells[19].satellite == SatelliteID(.gps, 25) && g.cells[19].signal == SignalCode("5X"))
        #expect(abs(try #require(g.cells[19].pseudorange) - (0.974609375 - 0.0004578232765197754) * Self.lightMs) < 1e-6)
        #expect(abs(try #require(g.cells[19].phaseRange) - (0.974609375 - 0.0003839787095785141) * Self.lightMs) < 1e-6)

        guard case .msm(let r) = try #require(messages.first { $0.1.messageType == 1083 }).1 else { Issue.record("no 1083"); return }
        #expect(r.glonassDay == 1 && r.epochMilliseconds == 9_349_000 && r.satellites.count == 7 && r.cells.count == 14)
        #expect(r.satellites[0].satellite == SatelliteID(.glonass, 2) && r.cells[1].signal == SignalCode("2C"))
        #expect(abs(try #require(r.cells[0].pseudorange) - (0.109375 + 4.8160552978515625e-05) * Self.lightMs) < 1e-6)
        #expect(abs(try #require(r.cells[0].phaseRange) - (0.109375 + 6.616860628128052e-05) * Self.lightMs) < 1e-6)
        #expect(r.cells[0].lockIndicator == 12)
    }

    /// 1230: pyrtcm 1.2.1 decodes the first frame of pygpsdata-1230.bin as DF003 0, DF421 0, DF422_1..4 = 1,
    /// DF423..DF426 = 0.0; pygpsdata-RTCM3.log's 1230 as DF421 1 and an empty mask.
    /// 1007 in pygpsdata-RTCM3.log: DF003 1234, descriptor "ABC", DF031 234.
    /// GMSD 1007/1008: station 611, empty descriptor and serial, setup 0; 1033 receiver "TRIMBLE NETR9", the rest empty.
    @Test func stationMessagesEqualPyrtcm() throws {
        let (_, biases, _) = decodeRTCM3(try Self.file("pygpsdata-1230.bin"))
        #expect(biases.count == 5)
        guard case .glonassBiases(let b) = try #require(biases.first).1 else { Issue.record("no 1230"); return }
        #expect(b.stationID == 0 && !b.aligned && b.biases == [0.0, 0.0, 0.0, 0.0])

        let (_, rtcm3, _) = decodeRTCM3(try Self.file("pygpsdata-RTCM3.log"))
        guard case .glonassBiases(let b2) = try #require(rtcm3.first { $0.1.messageType == 1230 }).1 else { Issue.record("no 1230"); return }
        #expect(b2.aligned && b2.biases.allSatisfy { $0 == nil })
        guard case .descriptors(let d) = try #require(rtcm3.first { $0.1.messageType == 1007 }).1 else { Issue.record("no 1007"); return }
        #expect(d.stationID == 1234 && d.antennaDescriptor == "ABC" && d.antennaSetupID == 234 && d.antennaSerial == nil)

        let (_, gmsd, _) = decodeRTCM3(try Self.file("GMSD7_20121014.rtcm3"))
        guard case .descriptors(let d8) = try #require(gmsd.first { $0.1.messageType == 1008 }).1 else { Issue.record("no 1008"); return }
        #expect(d8.stationID == 611 && d8.antennaDescriptor == "" && d8.antennaSerial == "" && d8.receiverType == nil)
        guard case .descriptors(let d33) = try #require(gmsd.first { $0.1.messageType == 1033 }).1 else { Issue.record("no 1033"); return }
        #expect(d33.receiverType == "TRIMBLE NETR9" && d33.receiverFirmware == "" && d33.receiverSerial == "")
    }

    /// GMSD MSM7 epochs against RTKLIB's convbin (run here: `convbin -r rtcm3 -tr 2012/10/14 0:00:00 -os`): convbin's
    /// first epoch has C01 C2I 36658401.500 m, L2I 190889944.078 cycles (then LLI 1), S2I 44.313, C7I 36658394.274 m,
    /// L7I 147608203.791 cycles. convbin reads the 1127 time 604784000 ms as BDT and so puts BeiDou 14 s after the
    /// 1077 of the same burst, in an epoch of its own; the multiple-message bits chain the four MSMs of each burst
    /// into one epoch, so here the BeiDou observations join it (the receiver stamped them in GPS time).
    /// pyrtcm 1.2.1: the first 1087's R13 has DF419 5 (channel −2).
    @Test func msm7ToObservations() throws {
        let (_, gmsd, _) = decodeRTCM3(try Self.file("GMSD7_20121014.rtcm3"))
        var assembler = MSMEpochAssembler()
        // The first 1077 is at 604784 s of GPS week 1709.
        let reference = GNSSTime(gpsWeek: 1709, secondOfWeek: 604_784)
        var epochs: [ObservationEpoch] = []
        for (_, m) in gmsd { if case .msm(let msm) = m { epochs += assembler.add(msm, reference: reference) } }
        if let last = assembler.flush() { epochs.append(last) }
        // Each burst is one epoch of GPS, GLONASS, QZSS and BeiDou.
        #expect(epochs.count == 257)
        #expect(assembler.beidouStampedInGPSTime == 257)
        let first = try #require(epochs.first)
        #expect(first.time == reference)
        #expect(Set(first.satellites.map(\.satellite.system)) == [.gps, .glonass, .qzss, .beidou])
        let r13 = try #require(first.satellite(SatelliteID(.glonass, 13)))
        #expect(r13.glonassChannel == -2)
        let l1 = try #require(r13.signals.first { $0.signal == SignalCode("1C") })
        // G1 frequency for channel −2: 1602 MHz − 2 × 0.5625 MHz.
        let lambda = Constants.speedOfLight / (1_602e6 - 2 * 0.5625e6)
        #expect(abs((try #require(l1.carrierPhase)) * lambda - (try #require(l1.pseudorange))) < 300)

        let c01 = try #require(first.satellite(SatelliteID(.beidou, 1)))
        let b1 = try #require(c01.signals.first { $0.signal == SignalCode("2I") })
        #expect(abs(try #require(b1.pseudorange) - 36_658_401.500) < 0.0006)
        #expect(abs(try #require(b1.carrierPhase) - 190_889_944.078) < 0.0006)
        #expect(abs(try #require(b1.cn0) - 44.313) < 0.001)
        let b2 = try #require(c01.signals.first { $0.signal == SignalCode("7I") })
        #expect(abs(try #require(b2.pseudorange) - 36_658_394.274) < 0.0006)
        #expect(abs(try #require(b2.carrierPhase) - 147_608_203.791) < 0.0006)
    }
}

/// `inspect` over real captures: the JSON records and summary counts.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RTCM3InspectorTests {
    static func run(_ name: String) throws -> (sink: InspectSink, lines: [[String: Any]], raw: [String]) {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let sink = InspectSink(writeJSON: true) { lines.all.append($0) }
        try RTCM3Inspector.inspect(path: SharedData.path("rtcm3/" + name), sink: sink)
        let parsed = try lines.all.map { line -> [String: Any] in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        return (sink, parsed, lines.all)
    }

    /// pyrtcm 1.2.1 finds in pygpsdata-MIXED-RTCM3.log (between NMEA and UBX data) 1005 at byte 52 (25 bytes), 4072 at 77,
    /// 1077 at 145, 1087 at 420, 1097 at 621, 1127 at 772, 1230 at 1047; 1005 DF025–DF027 = 4444030.8028, 3085671.2349,
    /// 3366658.256 m. `cmp -l` shows the BADCRC twin differs only at byte 58 (offset 57), inside that 1005 frame.
    @Test func mixedCaptureRecords() throws {
        let (sink, lines, raw) = try Self.run("pygpsdata-MIXED-RTCM3.log")
        #expect(sink.totalErrors == 0)
        #expect(lines.map { $0["offset"] as? Int ?? -1 } == [52, 77, 145, 420, 621, 772, 1047])
        #expect(lines.map { $0["type"] as? Int ?? -1 } == [1005, 4072, 1077, 1087, 1097, 1127, 1230])
        #expect(raw.allSatisfy { $0.hasPrefix("{\"format\":\"rtcm3\",\"type\":") })
        let ecef = try #require(lines[0]["ecef"] as? [Double])
        #expect(ecef == [4_444_030.8028, 3_085_671.2349, 3_366_658.256])
        #expect(sink.counts["rtcm3 1077"] == 1 && sink.counts["rtcm3 4072"] == 1)
        let cells = try #require(lines[2]["cells"] as? [[String: Any]])
        #expect(!cells.isEmpty && cells.allSatisfy { $0["pseudorange"] != nil && $0["cnr"] != nil && $0["lock"] != nil })
        // Each cell gives the DF407 lock-time indicator and the minimum lock time it stands for, in seconds.
        for c in cells {
            let i = try #require(c["lock"] as? Int)
            #expect(abs((c["lock_s"] as? Double ?? -1) - MSMSignals.lockTime10(i)) < 1e-3)
        }

        let (bad, badLines, _) = try Self.run("pygpsdata-MIXED-RTCM3BADCRC.log")
        #expect(bad.errorCounts["crc"] == 1)
        let err = try #require(badLines.first)
        #expect(err["format"] as? String == "rtcm3" && err["offset"] as? Int == 52 && err["error"] != nil)
        #expect(badLines.dropFirst().map { $0["offset"] as? Int ?? -1 } == [77, 145, 420, 621, 772, 1047])
    }

    /// The GMSD capture: summary counts equal pyrtcm 1.2.1's; MSM epochs are printed as broadcast (no calendar time),
    /// the first 1077's DF004 being 604784000 ms.
    @Test func gmsdSummary() throws {
        let (sink, lines, _) = try Self.run("GMSD7_20121014.rtcm3")
        let expected = ["1007": 28, "1008": 28, "1019": 15, "1020": 16, "1033": 28, "1077": 257, "1087": 257, "1117": 257, "1127": 257]
        #expect(sink.counts == Dictionary(uniqueKeysWithValues: expected.map { ("rtcm3 " + $0.key, $0.value) }))
        let msm = try #require(lines.first { $0["type"] as? Int == 1077 })
        #expect(msm["epoch_ms"] as? Int == 604_784_000 && msm["station"] as? Int == 611)
        // The capture ends inside a frame: reported once as truncated.
        #expect(sink.errorCounts.keys.allSatisfy { $0 == "truncated" || $0 == "crc" })
    }

    /// MSM epochs as calendar times. With a reference time, the first 1077 (DF004 604784000) is 2012-10-13 23:59:44 GPS
    /// and the first 1127 (BDT 604784000 ms) 23:59:58, the first epoch RTKLIB's convbin writes for BeiDou. Without
    /// one, records before the first 1019 carry only the broadcast time of week.
    @Test func msmTimes() throws {
        final class Lines: @unchecked Sendable { var all: [String] = [] }
        let lines = Lines()
        let sink = InspectSink(writeJSON: true) { lines.all.append($0) }
        try RTCM3Inspector.inspect(path: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"), sink: sink,
                                   referenceTime: GNSSTime(gpsWeek: 1710, secondOfWeek: 3600))
        let first1077 = try #require(lines.all.first { $0.contains("\"type\":1077,") })
        let first1127 = try #require(lines.all.first { $0.contains("\"type\":1127,") })
        #expect(first1077.contains("\"gps_time\":\"2012-10-13T23:59:44"))
        #expect(first1127.contains("\"gps_time\":\"2012-10-13T23:59:58"))

        let (_, _, raw) = try Self.run("GMSD7_20121014.rtcm3")
        let firstEphemeris = try #require(raw.firstIndex { $0.contains("\"type\":1019,") })
        #expect(raw[..<firstEphemeris].allSatisfy { !$0.contains("gps_time") })
        #expect(raw[firstEphemeris...].contains { $0.contains("\"type\":1077,") && $0.contains("\"gps_time\":\"2012-10-1") })
    }

    /// The file with a damaged header: pyrtcm 1.2.1 finds no RTCM message in it; neither does inspect, and it does not fail.
    @Test func badHeaderFile() throws {
        let (sink, _, _) = try Self.run("pygpsdata-BADHDR.log")
        #expect(sink.counts.isEmpty)
    }
}

/// Legacy observation messages. No capture here carries them, so two frames were written bit by bit from the
/// RTCM 10403.3 field lists (DF009–DF020, DF038–DF050) and decoded by pyrtcm 1.2.1, whose values are checked.
@Suite struct RTCM3LegacyObservationTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.utf8.makeIterator()
        while let a = it.next(), let b = it.next() {
            out.append(UInt8(strtoul(String(decoding: [a, b], as: UTF8.self), nil, 16)))
        }
        return out
    }

    /// pyrtcm 1.2.1: 1004 DF003 1234, DF004 345617000, DF005 0, 2 satellites; G05: DF011 246913.56, DF012 −11.728,
    /// DF013 100, DF014 70, DF015 45.0, DF017 −24.68, DF018 −17.2835, DF019 90, DF020 40.0; G29: DF011 197530.86,
    /// DF012 172.839, DF013 127, DF014 75, DF015 50.0, DF017 −163.84 and DF018 −262.144 (the raw invalid markers
    /// 0x2000 and 0x80000, which this decoder reports as absent), DF020 0 (no C/N0).
    /// 1012: DF034 9349000, DF005 1, 1 satellite; R13: DF040 5 (channel −2), DF041 469135.78, DF042 −6.1725, DF043 50,
    /// DF044 33, DF045 44.0, DF047 86.42, DF048 −11.728, DF049 60, DF050 37.5.
    @Test func legacyFieldsEqualPyrtcm() throws {
        let stream = Self.bytes("d300283ec4d25266c9a0201578c29df48c1911ad2ecbbde3e6d503a96b43f5464efe9791400100000000000b627e")
            + Self.bytes("d300183f44d211d4f11081a2d97b057f3f1d921b050e1fa460792ca42258")
        var framer = RTCM3Framer()
        framer.append(stream)
        var decoder = RTCM3Decoder()
        var messages: [LegacyObservations] = []
        while let item = framer.next() {
            guard case .frame(let f) = item, case .legacyObservations(let l) = try decoder.decode(f) else {
                Issue.record("not a legacy observation frame"); continue
            }
            messages.append(l)
        }
        try #require(messages.count == 2)
        let g = messages[0]
        #expect(g.messageType == 1004 && g.stationID == 1234 && g.epochMilliseconds == 345_617_000 && !g.synchronous)
        try #require(g.satellites.count == 2)
        let g05 = g.satellites[0]
        #expect(g05.satellite == SatelliteID(.gps, 5) && g05.glonassChannel == nil)
        #expect(abs(g05.l1Pseudorange - (246_913.56 + 70 * 299_792.458)) < 1e-6)
        #expect(abs((g05.l1PhaseMinusRange ?? 0) + 11.728) < 1e-9 && g05.l1Lock == 100 && g05.l1CNR == 45.0)
        #expect(abs((g05.l2PseudorangeDifference ?? 0) + 24.68) < 1e-9 && abs((g05.l2PhaseMinusL1Range ?? 0) + 17.2835) < 1e-9)
        #expect(g05.l2Lock == 90 && g05.l2CNR == 40.0)
        let g29 = g.satellites[1]
        #expect(g29.satellite == SatelliteID(.gps, 29) && abs(g29.l1Pseudorange - (197_530.86 + 75 * 299_792.458)) < 1e-6)
        #expect(abs((g29.l1PhaseMinusRange ?? 0) - 172.839) < 1e-9 && g29.l1Lock == 127 && g29.l1CNR == 50.0)
        #expect(g29.l2PseudorangeDifference == nil && g29.l2PhaseMinusL1Range == nil && g29.l2CNR == nil)

        let r = messages[1]
        #expect(r.messageType == 1012 && r.stationID == 1234 && r.epochMilliseconds == 9_349_000 && r.synchronous)
        let r13 = try #require(r.satellites.first)
        #expect(r13.satellite == SatelliteID(.glonass, 13) && r13.glonassChannel == -2)
        #expect(abs(r13.l1Pseudorange - (469_135.78 + 33 * 599_584.916)) < 1e-6)
        #expect(abs((r13.l1PhaseMinusRange ?? 0) + 6.1725) < 1e-9 && r13.l1Lock == 50 && r13.l1CNR == 44.0)
        #expect(abs((r13.l2PseudorangeDifference ?? 0) - 86.42) < 1e-9 && abs((r13.l2PhaseMinusL1Range ?? 0) + 11.728) < 1e-9)
        #expect(r13.l2Lock == 60 && r13.l2CNR == 37.5)

        // Every truncation of these bodies throws instead of trapping.
        for m in [Array(stream[3..<(3 + 40)]), Array(stream[(46 + 3)..<(46 + 3 + 24)])] {
            for n in 0..<m.count { #expect(throws: FormatError.self) { _ = try decoder.decode(payload: Array(m.prefix(n))) } }
        }
    }
}

/// Framer edge cases.
@Suite struct RTCM3FramerEdgeTests {
    static func frames(_ stream: [UInt8], chunk: Int) -> (frames: [RTCM3Frame], errors: [FormatError], skipped: Int, tail: FormatError?) {
        var framer = RTCM3Framer()
        var frames: [RTCM3Frame] = [], errors: [FormatError] = []
        var i = 0
        while i < stream.count {
            framer.append(stream[i..<min(stream.count, i + chunk)])
            i += chunk
            while let item = framer.next() {
                switch item {
                case .frame(let f): frames.append(f)
                case .error(let e): errors.append(e)
                }
            }
        }
        let tail = framer.finish()
        return (frames, errors, framer.bytesSkipped, tail)
    }

    /// A frame whose six reserved header bits are not zero is not an RTCM 10403 frame even with a matching CRC:
    /// pyrtcm 1.2.1 reads the stream below (a 1012 re-framed with a reserved bit set, CRC recomputed, then the
    /// original 1012) as one message, the 1012 at byte 30.
    @Test func reservedBitsMeanNoFrame() {
        let flagged = RTCM3LegacyObservationTests.bytes("d304183f44d211d4f11081a2d97b057f3f1d921b050e1fa460792c90bdfb")
        let good = RTCM3LegacyObservationTests.bytes("d300183f44d211d4f11081a2d97b057f3f1d921b050e1fa460792ca42258")
        for chunk in [1, 5, 64] {
            let r = Self.frames(flagged + good, chunk: chunk)
            #expect(r.frames.map(\.offset) == [30] && r.frames.first?.messageType == 1012 && r.errors.isEmpty)
            #expect(r.skipped == 30 && r.tail == nil)
        }
    }

    /// Empty frames `D3 00 00 47 EA 4B` (CRC-24Q of D3 00 00 is 0x47EA4B) between messages: pyrtcm 1.2.1 reads the
    /// stream below as the one 1012; the framer returns the 1012 at byte 12 and counts two empty frames.
    @Test func emptyFramesAreKeepAlives() {
        let empty: [UInt8] = [0xD3, 0x00, 0x00, 0x47, 0xEA, 0x4B]
        let good = RTCM3LegacyObservationTests.bytes("d300183f44d211d4f11081a2d97b057f3f1d921b050e1fa460792ca42258")
        var framer = RTCM3Framer()
        framer.append(empty + empty + good)
        var offsets: [Int] = []
        while let item = framer.next() {
            if case .frame(let f) = item { offsets.append(f.offset) } else { Issue.record("unexpected error") }
        }
        #expect(offsets == [12] && framer.emptyFrames == 2 && framer.bytesSkipped == 0 && framer.finish() == nil)
    }

    /// The largest frame (1023-byte body) in 7-byte pieces between garbage, and a frame cut at the end of the stream.
    @Test func maximumLengthAndTruncation() throws {
        var w = BitWriter()
        w.uint(4095, 12)   // a proprietary message number, then filler up to 1023 bytes
        while w.bytes.count < 1023 { w.uint(0xA5, 8) }
        let body = Array(w.bytes.prefix(1023))
        let big = RTCM3Framer.frame(body)
        #expect(big.count == 1029)
        let station = RTCM3Framer.frame(StationCoordinates(stationID: 7, position: ECEF(1, 2, 3)).encode())
        let stream: [UInt8] = [0xD3, 0x00] + big + [0x11, 0xD3] + station + Array(station.prefix(10))
        let r = Self.frames(stream, chunk: 7)
        #expect(r.frames.map(\.offset) == [2, 1033])
        #expect(r.frames.first?.payload == body && r.frames.last?.messageType == 1005)
        let tail = try #require(r.tail)
        #expect(tail.kind == .truncated)
        if case .byteOffset(let o) = tail.location { #expect(o == 1033 + station.count) } else { Issue.record("no offset") }
    }
}

extension RTCM3LegacyObservationTests {
    /// 1013 written bit by bit from the field list DF051–DF057; pyrtcm 1.2.1 decodes it as DF003 611, DF051 56214,
    /// DF052 86399, DF053 3, DF054 18, (DF055, DF056, DF057) = (1005, 0, 10.0), (1077, 1, 1.0), (1019, 0, 300.0).
    @Test func systemParametersEqualPyrtcm() throws {
        var framer = RTCM3Framer()
        framer.append(Self.bytes("d300143f5263db96a8bf8c48fb400c886b000a3fb05dc019f41e"))
        guard case .frame(let f) = framer.next() else { Issue.record("no frame"); return }
        var decoder = RTCM3Decoder()
        guard case .systemParameters(let s) = try decoder.decode(f) else { Issue.record("not 1013"); return }
        #expect(s.stationID == 611 && s.mjd == 56_214 && s.secondsOfDay == 86_399 && s.leapSeconds == 18)
        #expect(s.messages.map(\.type) == [1005, 1077, 1019])
        #expect(s.messages.map(\.synchronous) == [false, true, false])
        #expect(s.messages.map(\.interval) == [10.0, 1.0, 300.0])
    }
}

/// pyrtcm (the independent Python decoder), run live, reads what this project's encoder writes: MSM4 and MSM7 of four
/// systems, 1006 and 1033. Skips where pyrtcm is not installed.
@Suite(.enabled(if: pyrtcmAvailable, "needs pyrtcm (pip install pyrtcm)"))
struct RTCM3EncoderPyrtcmTests {
    static let script = """
        import sys, json
        from pyrtcm import RTCMReader, parse_msm
        C = 299792458.0 / 1000
        out = []
        with open(sys.argv[1], 'rb') as s:
            for raw, p in RTCMReader(s, quitonerror=2):
                if p.identity in ('1005', '1006'):
                    out.append({'type': p.identity, 'ecef': [p.DF025, p.DF026, p.DF027], 'h': getattr(p, 'DF028', None)})
                elif p.identity == '1033':
                    rx = ''.join(getattr(p, 'DF228_%02d' % (i + 1)) for i in range(p.DF227))
                    out.append({'type': p.identity, 'receiver': rx})
                else:
                    meta, sats, cells = parse_msm(p)
                    rough = {x['PRN']: x['DF397'] + x['DF398'] for x in sats}
                    rate = {x['PRN']: x.get('DF399') for x in sats}
                    rows = []
                    for c in cells:
                        k = c['CELLPRN']
                        fpr = c.get('DF405', c.get('DF400')); fph = c.get('DF406', c.get('DF401'))
                        cnr = c.get('DF408', c.get('DF403')); fr = c.get('DF404')
                        rows.append([k, c['CELLSIG'], (rough[k] + fpr) * C, (rough[k] + fph) * C, cnr,
                                     None if fr is None or rate[k] is None else rate[k] + fr])
                    out.append({'type': p.identity, 'station': meta['station'], 'cells': rows})
        print(json.dumps(out))
        """

    @Test(arguments: [4, 7])
    func pyrtcmReadsOurMessages(msmType: Int) throws {
        let time = GNSSTime(gpsWeek: 2300, secondOfWeek: 345_617)
        let epoch = RTCM3ObservationTests.epoch(time: time)
        let station = StationCoordinates(stationID: 2047, position: ECEF(-3_607_665.5445, 4_147_867.8813, 3_223_716.9188),
                                         antennaHeight: 0.0715)
        let descriptors = StationDescriptors(stationID: 2047, antennaDescriptor: "TRM59800.00     NONE", receiverType: "SEPT POLARX5")
        var stream = RTCM3Encoder.frame(station.encode()) + RTCM3Encoder.frame(descriptors.encode())
        for f in try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 2047, msmType: msmType) { stream += f }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rtcm3-encoder-\(msmType)-\(getpid()).rtcm3").path
        try Data(stream).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try PyrtcmConformanceTests.run(["python3", "-c", Self.script, path])
        let records = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        #expect(records.map { $0["type"] as? String ?? "" } == ["1006", "1033"] + [1070, 1080, 1090, 1120].map { String($0 + msmType) })
        let ecef = try #require(records[0]["ecef"] as? [Double])
        #expect(abs(ecef[0] - station.position.x) < 5e-5 && abs(ecef[1] - station.position.y) < 5e-5 && abs(ecef[2] - station.position.z) < 5e-5)
        #expect(abs((records[0]["h"] as? Double ?? 0) - 0.0715) < 5e-5)
        #expect(records[1]["receiver"] as? String == "SEPT POLARX5")

        let prTol = (msmType == 7 ? 0x1p-29 : 0x1p-24) * RTCM3ObservationTests.lightMs
        let phTol = (msmType == 7 ? 0x1p-31 : 0x1p-29) * RTCM3ObservationTests.lightMs
        var checked = 0
        for (record, system) in zip(records.dropFirst(2), [GNSSSystem.gps, .glonass, .galileo, .beidou]) {
            #expect(record["station"] as? Int == 2047)
            for row in try #require(record["cells"] as? [[Any]]) {
                let prn = try #require(Int(row[0] as? String ?? ""))
                let signal = try #require(SignalCode(row[1] as? String ?? ""))
                let sat = try #require(epoch.satellite(SatelliteID(system, prn)))
                let o = try #require(sat.signals.first { $0.signal == signal })
                let lambda = try #require(CarrierFrequency.wavelength(system: system, band: signal.band, glonassChannel: sat.glonassChannel))
                #expect(abs(try #require(row[2] as? Double) - (o.pseudorange ?? 0)) <= prTol * 1.01, "\(system) \(prn) \(signal)")
                #expect(abs(try #require(row[3] as? Double) - (o.carrierPhase ?? 0) * lambda) <= phTol * 1.01, "\(system) \(prn) \(signal)")
                #expect(abs(try #require(row[4] as? Double) - (o.cn0 ?? 0)) <= (msmType == 7 ? 1.0 / 32 : 0.5))
                if msmType == 7 {
                    #expect(abs(try #require(row[5] as? Double) + (o.doppler ?? 0) * lambda) <= 0.000_051)
                }
                checked += 1
            }
        }
        #expect(checked == epoch.satellites.reduce(0) { $0 + $1.signals.count })
    }

    /// GMSD stamps its BeiDou MSMs (1127, the last of each epoch) in GPS time, 14 s behind BDT: each second must still be
    /// one epoch with GPS, GLONASS, QZSS and BeiDou together (pyrtcm counts 257 MSM7 frames of each system).
    @Test(.enabled(if: SharedData.available, "needs ../shared/data"))
    func beidouStampedInGPSTimeStaysInItsEpoch() throws {
        let reader = try RTCM3EpochReader(path: SharedData.path("rtcm3/GMSD7_20121014.rtcm3"))
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        #expect(epochs.count >= 256 && epochs.count <= 257, "\(epochs.count) epochs")
        let complete = epochs.filter { e in Set(e.satellites.map(\.satellite.system)).isSuperset(of: [.gps, .glonass, .qzss, .beidou]) }
        #expect(complete.count >= epochs.count - 2)
        #expect(zip(epochs, epochs.dropFirst()).allSatisfy { abs($1.time - $0.time - 1) < 1e-6 })
    }

    @Test func beidouInBDTIsUnchanged() throws {
        // The standard case: a BeiDou MSM stamped in BDT (GPS time − 14 s) joins the GPS epoch of the same instant.
        let t = GNSSTime(gpsWeek: 2111, secondOfWeek: 345_600)
        var gps = SatelliteObservation(satellite: SatelliteID(.gps, 3))
        gps.signals = [SignalObservation(signal: SignalCode("1C")!, pseudorange: 21_000_000, carrierPhase: nil, doppler: nil, cn0: 40)]
        var bds = SatelliteObservation(satellite: SatelliteID(.beidou, 7))
        bds.signals = [SignalObservation(signal: SignalCode("2I")!, pseudorange: 37_000_000, carrierPhase: nil, doppler: nil, cn0: 40)]
        let epoch = ObservationEpoch(time: t, satellites: [gps, bds])
        var assembler = MSMEpochAssembler()
        var out: [ObservationEpoch] = []
        for frame in try RTCM3Encoder.msmFrames(epoch: epoch, stationID: 1) {
            out += assembler.add(try MSMMessage.decode(Array(frame.dropFirst(3).dropLast(3))), reference: t)
        }
        #expect(out.count == 1 && out.first?.time == t && out.first?.satellites.count == 2)
        #expect(assembler.beidouStampedInGPSTime == 0)
    }
}
