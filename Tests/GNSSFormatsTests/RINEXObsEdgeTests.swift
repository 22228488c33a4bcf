import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

/// Specific behaviour of each small or broken observation file in `rinex-edge/`, and header fields,
/// checked against the text printed in the files themselves.
@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXObsEdgeTests {
    static func read(_ name: String) throws -> (RINEXObservationReader, [ObservationEpoch]) {
        let reader = try RINEXObservationReader(path: SharedData.path("rinex-edge/" + name))
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        return (reader, epochs)
    }

    static func line(_ e: FormatError) -> Int? {
        if case .line(let n) = e.location { return n }
        return nil
    }

    // demo.10o header text: ANTENNA: DELTA H/E/N 0.9030 0.0000 0.0000, INTERVAL 30.000,
    // TIME OF FIRST OBS 2010 3 5 0 0 0.0000000 GPS, LEAP SECONDS 15.
    @Test func rinex2HeaderFields() throws {
        let (reader, _) = try Self.read("demo.10o")
        let h = reader.header
        #expect(h.version == 2.11 || h.version == 2.10)
        #expect(h.antennaDelta.up == 0.9030)
        #expect(h.interval == 30)
        #expect(h.leapSeconds == 15)
        #expect(h.firstObservation?.iso8601() == "2010-03-05T00:00:00.000")
        #expect(h.timeScale == .gps)
    }

    // demo3.10o (RINEX 3.01) labels its phase shifts "SYS / PHASE SHIFTS": G L1C 0.00000, R L1C 0.00000.
    @Test func rinex3PhaseShiftsAndLeapSeconds() throws {
        let (reader, _) = try Self.read("demo3.10o")
        #expect(reader.header.phaseShifts[.gps]?[ObservationCode("L1C")!] == 0)
        #expect(reader.header.phaseShifts[.glonass]?[ObservationCode("L1C")!] == 0)
        #expect(reader.header.leapSeconds == 15)
        #expect(reader.header.antennaDelta.up == 0.9030)
    }

    // badtime.10o line 3 (TIME OF FIRST OBS "0 .0000000") and line 5 (epoch " 10  3  5  0  0 0 .0000000  0  8G13...")
    // have a broken seconds field; the second epoch on line 22, " 10  3  5  0  0 60.0000000  0  1G13", reads.
    @Test func badTime() throws {
        let (reader, epochs) = try Self.read("badtime.10o")
        #expect(reader.errors.map(Self.line) == [3, 5])
        #expect(reader.errors.allSatisfy { $0.file == SharedData.path("rinex-edge/badtime.10o") })
        #expect(epochs.count == 1)
        #expect(epochs.first?.time.iso8601() == "2010-03-05T00:01:00.000")
        #expect(epochs.first?.satellites.map(\.satellite.description) == ["G13"])
    }

    // junk_time_obs3.10o line 10 is "> 23 29": a garbage epoch line between two good epochs
    // (00:00:30 with 2 satellites, 00:01:30 with G32 ...).
    @Test func junkEpochLineIsSkipped() throws {
        let (reader, epochs) = try Self.read("junk_time_obs3.10o")
        #expect(reader.errors.map(Self.line) == [10])
        #expect(epochs.map { $0.time.iso8601() } == ["2010-03-05T00:00:30.000", "2010-03-05T00:01:30.000"])
        #expect(epochs.first?.satellites.count == 2)
        // Line 12: G32 ... L1C 133135049.387, LLI 0, SSI 8.
        let g32 = try #require(epochs.last?.satellite(SatelliteID(rinex: "G32")!))
        #expect(g32.signal(SignalCode(band: 1, attribute: "C"))?.carrierPhase == 133_135_049.387)
    }

    // wrong_obs2_count.10o line 2 announces 6 types but lists 7 (L1 L2 P1 P2 C1 S1 S2).
    @Test func wrongObservationCount() throws {
        let (reader, epochs) = try Self.read("wrong_obs2_count.10o")
        #expect(Self.line(try #require(reader.errors.first)) == 2)
        #expect(reader.header.rinex2Types == ["L1", "L2", "P1", "P2", "C1", "S1", "S2"])
        #expect(epochs.count == 1)
        // Line 6: G13 P1 24799319.672 → C1W, C1 24799318.768 → C1C; line 7 S1 62.000.
        let g13 = try #require(epochs.first?.satellite(SatelliteID(rinex: "G13")!))
        #expect(g13.signal(SignalCode(band: 1, attribute: "W"))?.pseudorange == 24_799_319.672)
        #expect(g13.signal(SignalCode(band: 1, attribute: "C"))?.pseudorange == 24_799_318.768)
        #expect(g13.signal(SignalCode(band: 1, attribute: "C"))?.cn0 == 62.0)
    }

    // rinex2onesat.10o: two epochs of G13 alone, each with receiver clock offset -0.12345 (lines 26, 29).
    @Test func receiverClockOffset() throws {
        let (reader, epochs) = try Self.read("rinex2onesat.10o")
        #expect(reader.errors.isEmpty)
        #expect(epochs.count == 2)
        #expect(epochs.allSatisfy { $0.receiverClockOffset == -0.12345 && $0.satellites.count == 1 })
        // Line 30: L1 130321269.801 with LLI 0, signal strength 8.
        #expect(epochs.last?.satellites.first?.signal(SignalCode(band: 1, attribute: "C"))?.carrierPhase == 130_321_269.801)
    }

    // default_time_system2.10o ("R (GLONASS)") and default_time_system3.10o ("E (Galileo)") leave the
    // TIME OF FIRST OBS time system blank. RINEX 3.05 table A2: the default is GLO for pure GLONASS files
    // and GAL for pure Galileo files. The first epoch line reads 2010 03 05 00 00 30.0 in that scale:
    // GLONASS time is UTC + 3 h, and GPS - UTC was 15 s in 2010, so it is 2010-03-04 21:00:45 GPS;
    // Galileo system time runs with GPS time. Line 5 / 7 lists 8 satellites.
    @Test(arguments: [("default_time_system2.10o", TimeScale.glonass, "2010-03-04T21:00:45.000"),
                      ("default_time_system3.10o", TimeScale.galileo, "2010-03-05T00:00:30.000")])
    func defaultTimeSystem(file: String, scale: TimeScale, firstEpoch: String) throws {
        let (reader, epochs) = try Self.read(file)
        #expect(reader.header.timeScale == scale)
        #expect(epochs.first?.time.iso8601() == firstEpoch)
        #expect(epochs.first?.satellites.count == 8)
    }

    // blank.10o / blank3.10o: a header and nothing else; blank1st.10o starts with an empty line.
    @Test(arguments: ["blank.10o", "blank3.10o", "blank1st.10o"])
    func blankFiles(file: String) throws {
        let path = SharedData.path("rinex-edge/" + file)
        do {
            let (reader, epochs) = try Self.read(file)
            #expect(epochs.isEmpty)
            #expect(reader.errors.isEmpty)
        } catch let error as FormatError {
            #expect(error.file == path)
        }
    }
}

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXObsHeaderTests {
    // P43300USA_R_20190012056_17M_15S_MO.crx header text: ANTENNA: DELTA H/E/N 0.0083, INTERVAL 15.000,
    // TIME OF FIRST OBS 2019 1 1 20 56 45.0 GPS, TIME OF LAST OBS 2019 1 1 21 14 0.0 GPS,
    // GLONASS COD/PHS/BIS C1C 0.000 C2C 0.000, GLONASS SLOT / FRQ # R02 -4, R10 -7, R17 4,
    // and the lines "# OF SATELLITES" (37) and "SIGNAL STRENGTH UNIT" (DBHZ) that are kept as text.
    @Test func rinex3HeaderFields() throws {
        let reader = try RINEXObservationReader(path: SharedData.path("rinex-edge/P43300USA_R_20190012056_17M_15S_MO.crx"))
        let h = reader.header
        #expect(h.version == 3.03 || (h.version >= 3 && h.version < 4))
        #expect(h.antennaDelta.up == 0.0083)
        #expect(h.interval == 15)
        #expect(h.firstObservation?.iso8601() == "2019-01-01T20:56:45.000")
        #expect(h.lastObservation?.iso8601() == "2019-01-01T21:14:00.000")
        #expect(h.glonassCodePhaseBias[ObservationCode("C1C")!] == 0)
        #expect(h.glonassCodePhaseBias[ObservationCode("C2C")!] == 0)
        #expect(h.glonassChannels[2] == -4 && h.glonassChannels[10] == -7 && h.glonassChannels[17] == 4)
        #expect(h.lines.contains { $0.label == "# OF SATELLITES" && $0.text.hasPrefix("    37") })
        #expect(h.lines.contains { $0.label == "SIGNAL STRENGTH UNIT" && $0.text.hasPrefix("DBHZ") })
        // ESBC header: C L2I C L6I C L7I C / G L1C G L2W G L5Q ... (BeiDou 2I listed on line 22 of the .crx).
        #expect(h.observationTypes[.beidou]?.contains(ObservationCode("C2I")!) == true)
    }
}
