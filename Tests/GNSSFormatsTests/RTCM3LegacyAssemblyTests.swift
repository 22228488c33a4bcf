import Testing
import GNSSCore
@testable import GNSSFormats

/// Legacy observation messages in epochs: with MSMs, GLONASS, phase rollovers, loss of lock and bad input.
@Suite struct RTCM3LegacyAssemblyTests {
    static let time = GNSSTime(gpsWeek: 2379, secondOfWeek: 163_891)

    static func gps(_ prn: Int, tow: Double, sync: Bool, phaseMinusRange: Double = 1.25, l2PhaseMinusRange: Double? = nil,
                    lock: Int = 50) -> LegacyObservations {
        var s = LegacyObservations.Satellite(satellite: SatelliteID(.gps, prn), l1Pseudorange: 21_360_867.70,
                                             l1PhaseMinusRange: phaseMinusRange, l1Lock: lock, l1CNR: 47)
        s.l2Code = 0
        s.l2PseudorangeDifference = -6.8
        s.l2PhaseMinusL1Range = l2PhaseMinusRange ?? phaseMinusRange - 2
        s.l2Lock = lock
        return LegacyObservations(messageType: 1004, stationID: 7, epochMilliseconds: Int(tow * 1000), synchronous: sync, satellites: [s])
    }

    /// A 1004 followed by an MSM7 of Galileo at the same time: one epoch, closed by the MSM's clear bit.
    @Test func legacyGPSAndMSMGalileoMakeOneEpoch() throws {
        var assembler = MSMEpochAssembler()
        #expect(assembler.add(Self.gps(1, tow: 163_891, sync: true), reference: Self.time).isEmpty)
        let galileo = SatelliteObservation(satellite: SatelliteID(.galileo, 11),
                                           signals: [SignalObservation(signal: SignalCode("1C")!, pseudorange: 24_562_487.154, cn0: 40)])
        let msm = MSMMessage.make(system: .galileo, msmType: 7, stationID: 7, time: Self.time, multipleMessage: false,
                                  observations: [galileo])
        let epochs = assembler.add(try MSMMessage.decode(try msm.encode()), reference: Self.time)
        try #require(epochs.count == 1)
        #expect(epochs[0].time == Self.time)
        #expect(epochs[0].satellites.map(\.satellite) == [SatelliteID(.gps, 1), SatelliteID(.galileo, 11)])
        let g01 = try #require(epochs[0].satellite(SatelliteID(.gps, 1)))
        #expect(g01.signals.map(\.signal.description) == ["1C", "2X"])
        let l1 = try #require(g01.signal(SignalCode("1C")!))
        #expect(l1.pseudorange == 21_360_867.70 && l1.cn0 == 47 && l1.lockTime == 80)
        let lambda1 = Constants.speedOfLight / CarrierFrequency.gpsL1
        #expect(abs(try #require(l1.carrierPhase) - (21_360_867.70 + 1.25) / lambda1) < 1e-6)
        let l2 = try #require(g01.signal(SignalCode("2X")!))
        let lambda2 = Constants.speedOfLight / CarrierFrequency.gpsL2
        #expect(abs(try #require(l2.pseudorange) - 21_360_860.90) < 1e-6)
        #expect(abs(try #require(l2.carrierPhase) - (21_360_867.70 - 0.75) / lambda2) < 1e-6)
    }

    /// A message of a later time closes the open epoch, as for MSMs; the synchronous flag clear closes its own.
    @Test func synchronousFlagDelimitsEpochs() {
        var assembler = MSMEpochAssembler()
        #expect(assembler.add(Self.gps(1, tow: 163_891, sync: true), reference: Self.time).isEmpty)
        let closed = assembler.add(Self.gps(1, tow: 163_892, sync: false), reference: Self.time)
        #expect(closed.count == 2)
        #expect(closed.map(\.time) == [Self.time, Self.time + 1])
        #expect(assembler.flush() == nil)
        // Without a reference time the epoch cannot be placed: dropped and counted.
        var blind = MSMEpochAssembler()
        #expect(blind.add(Self.gps(1, tow: 163_891, sync: false), reference: nil).isEmpty)
        #expect(blind.droppedWithoutTime == 1)
    }

    /// The sender rolls phaserange minus pseudorange back by 1500 cycles when it leaves its ±262 m range: the
    /// phase stays continuous. A lock-time indicator that decreases is a loss of lock.
    @Test func phaseRolloverAndLossOfLock() throws {
        var assembler = MSMEpochAssembler()
        let lambda1 = Constants.speedOfLight / CarrierFrequency.gpsL1
        let a = try #require(assembler.add(Self.gps(1, tow: 163_891, sync: false, phaseMinusRange: 262.0, lock: 60),
                                           reference: Self.time).first?.satellites.first?.signals.first)
        #expect(a.lli == 0)
        let lambda2 = Constants.speedOfLight / CarrierFrequency.gpsL2
        let rolled = 262.1 - 1500 * lambda1, rolled2 = 260.1 - 1500 * lambda2
        let b = try #require(assembler.add(Self.gps(1, tow: 163_892, sync: false, phaseMinusRange: rolled, l2PhaseMinusRange: rolled2,
                                                    lock: 61),
                                           reference: Self.time).first?.satellites.first?.signals.first)
        #expect(abs((try #require(b.carrierPhase)) - (try #require(a.carrierPhase)) - 0.1 / lambda1) < 1e-6)
        #expect(assembler.legacyTracker.phaseRollovers == 2)   // L1 and L2, each by its own 1500 cycles
        #expect(b.lli == 0)
        let c = try #require(assembler.add(Self.gps(1, tow: 163_893, sync: false, phaseMinusRange: 1, lock: 3),
                                           reference: Self.time).first?.satellites.first?.signals.first)
        #expect(c.lli == 1)
    }

    /// 1012 written bit by bit and decoded by pyrtcm 1.2.1 (see `RTCM3LegacyObservationTests`): R13 on channel −2,
    /// its synchronous flag set; the epoch is closed by the end of the stream. The channel is learned for MSMs too.
    @Test func glonassFromTheStream() throws {
        let frame = RTCM3LegacyObservationTests.bytes("d300183f44d211d4f11081a2d97b057f3f1d921b050e1fa460792ca42258")
        var stream = RTCM3StreamDecoder()
        var events: [RTCM3StreamEvent] = []
        stream.ingest(frame, reference: { Self.time }, events: &events)
        #expect(!events.contains { if case .epoch = $0 { true } else { false } })
        #expect(stream.epochOpen)
        let flushed = stream.flush()
        let epoch = try #require(flushed)
        let r13 = try #require(epoch.satellite(SatelliteID(.glonass, 13)))
        #expect(r13.glonassChannel == -2)
        let l1 = try #require(r13.signals.first { $0.signal.band == 1 })
        let pr = 469_135.78 + 33 * 599_584.916
        #expect(abs(try #require(l1.pseudorange) - pr) < 1e-6)
        let lambda = Constants.speedOfLight / (1_602e6 - 2 * 0.5625e6)
        #expect(abs(try #require(l1.carrierPhase) - (pr - 6.1725) / lambda) < 1e-6)
        let l2 = try #require(r13.signals.first { $0.signal.band == 2 })
        #expect(abs(try #require(l2.pseudorange) - (pr + 86.42)) < 1e-6)
        // Moscow time of day 9349 s: 2:35:49 MSK is 23:35:49 UTC.
        let utc = epoch.time - Double(LeapSeconds.gpsMinusUTC(at: epoch.time))
        #expect((utc.seconds + 3 * 3600) % 86_400 == 9349)
    }

    /// A satellite id no legacy message may carry and truncated frames are reported, never trapped on.
    @Test func badInputIsReported() {
        var w = BitWriter()
        w.uint(1004, 12); w.uint(7, 12); w.uint(163_891_000, 30); w.bool(false); w.uint(1, 5); w.uint(0, 4)
        w.uint(0, 6)                      // satellite id 0
        w.uint(0, 1); w.uint(1000, 24); w.int(0, 20); w.uint(0, 7); w.uint(70, 8); w.uint(180, 8)
        w.uint(0, 2); w.int(0, 14); w.int(0, 20); w.uint(0, 7); w.uint(160, 8)
        w.alignToByte()
        var stream = RTCM3StreamDecoder()
        var events: [RTCM3StreamEvent] = []
        stream.ingest(RTCM3Framer.frame(w.bytes), reference: { Self.time }, events: &events)
        let problems = events.compactMap { if case .problem(let p) = $0 { p } else { nil } }
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("satellite id 0") == true)
        // The same frame cut short of its satellite: the CRC over the shorter body is right, the body is not.
        var short = BitWriter()
        short.uint(1004, 12); short.uint(7, 12); short.uint(163_891_000, 30); short.bool(false); short.uint(2, 5); short.uint(0, 4)
        short.uint(5, 6)
        short.alignToByte()
        events.removeAll()
        stream.ingest(RTCM3Framer.frame(short.bytes), reference: { Self.time }, events: &events)
        #expect(events.contains { if case .problem(let p) = $0 { p.kind == .truncated } else { false } })
        #expect(!events.contains { if case .epoch = $0 { true } else { false } })
    }
}
