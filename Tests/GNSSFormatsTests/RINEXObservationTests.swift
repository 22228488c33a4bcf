import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXObservationTests {
    static func readAll(_ relative: String) throws -> (RINEXObservationReader, [ObservationEpoch]) {
        let reader = try RINEXObservationReader(path: SharedData.path(relative))
        var epochs: [ObservationEpoch] = []
        while let e = try reader.next() { epochs.append(e) }
        return (reader, epochs)
    }

    // RTKLIB 2.4.3 `convbin -r rinex -v 3.04` of 07590920.05o: 120 epochs, P2 → C2W, L2 → L2W,
    // first epoch 8 satellites with G03 C1C 24767686.375, L1C 55923622.160, C2W 24767684.822, L2W 43647388.242.
    @Test func rinex2MatchesConvbin() throws {
        let (reader, all) = try Self.readAll("rtk-0759-3040/07590920.05o")
        #expect(reader.errors.isEmpty)
        // Three event records (flag 4, file splice comments) come back as epochs of their own.
        #expect(all.filter { $0.flag == .headerFollows }.count == 3)
        let epochs = all.filter { $0.flag == .ok }
        #expect(epochs.count == 120)
        let first = try #require(epochs.first)
        #expect(first.time.gpsWeek == 1316 && first.time.secondOfWeek == 518_400)
        #expect(first.satellites.count == 8)
        #expect(first.value("G03", "C1C") == 24_767_686.375)
        #expect(first.value("G03", "L1C") == 55_923_622.160)
        #expect(first.value("G03", "C2W") == 24_767_684.822)
        #expect(first.value("G03", "L2W") == 43_647_388.242)
        #expect(first.value("G07", "L1C") == -691_177.898)
        // The receiver's 00:30:00 epoch carries a 2 ms clock offset in its time tag.
        let e30 = try #require(epochs.first { abs($0.time.secondOfWeek - 520_200.002) < 1e-6 })
        #expect(e30.value("G01", "C1C") == 25_666_732.384)
        #expect(e30.value("G07", "L2W") == -1_066_970.006)
        #expect(reader.header.approximatePosition != nil)
    }

    // RNXCMP crx2rnx (PyPI `hatanaka` 2.8.1) decompresses the 24 h ESBC file to 2880 epochs; at
    // 2020-06-25 12:00:00 it has 48 satellites, E05 C1C 27425391.076, C5Q 27425391.591,
    // C7Q 27425392.709, L1C 144121423.535, L5Q 107623144.465, S1C 39.000, and R02 L1C 119692433.564.
    @Test func hatanakaGzipMatchesCrx2rnx() throws {
        let (reader, epochs) = try Self.readAll("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_30S_MO.crx.gz")
        #expect(reader.isCompact)
        #expect(reader.errors.isEmpty, "\(reader.errors.prefix(3))")
        #expect(epochs.count == 2880)
        #expect(epochs.first?.satellites.count == 43)
        #expect(epochs.last?.time.iso8601() == "2020-06-25T23:59:30.000")
        let noon = try #require(epochs.first { $0.time.iso8601() == "2020-06-25T12:00:00.000" })
        #expect(noon.satellites.count == 48)
        #expect(noon.value("E05", "C1C") == 27_425_391.076)
        #expect(noon.value("E05", "C5Q") == 27_425_391.591)
        #expect(noon.value("E05", "C7Q") == 27_425_392.709)
        #expect(noon.value("E05", "L1C") == 144_121_423.535)
        // crx2rnx writes "144121423.53506": LLI blank, signal strength 6.
        #expect(noon.satellite(SatelliteID(.galileo, 5))?.signal(SignalCode("1C")!)?.signalStrengthIndicator == 6)
        #expect(noon.value("E05", "L5Q") == 107_623_144.465)
        #expect(noon.value("E05", "S1C") == 39.0)
        #expect(noon.value("E05", "C6C") == nil)
        #expect(noon.value("R02", "L1C") == 119_692_433.564)
        #expect(reader.header.glonassChannels[2] == -4)
        #expect(reader.header.markerName == "ESBC00DNK")
    }

    // crx2rnx of P43300USA_R_20190012056_17M_15S_MO.crx: 70 epochs, the first at 2019-01-01 20:56:45
    // with 27 satellites (C08 C2I 39967809.791, L2I 208122873.819).
    @Test func hatanakaPlainMatchesCrx2rnx() throws {
        let (reader, epochs) = try Self.readAll("rinex-edge/P43300USA_R_20190012056_17M_15S_MO.crx")
        #expect(reader.errors.isEmpty, "\(reader.errors.prefix(3))")
        #expect(epochs.count == 70)
        let first = try #require(epochs.first)
        #expect(first.time.iso8601() == "2019-01-01T20:56:45.000")
        #expect(first.satellites.count == 27)
        #expect(first.value("C08", "C2I") == 39_967_809.791)
        #expect(first.value("C08", "L2I") == 208_122_873.819)
        #expect(epochs.last?.time.iso8601() == "2019-01-01T21:14:00.000")
    }

    /// Every edge-case observation file either reads or reports a problem naming file and line.
    @Test func edgeFilesFailCleanly() throws {
        let files = ["badtime.10o", "blank.10o", "blank1st.10o", "blank3.10o", "default_time_system2.10o",
                     "default_time_system3.10o", "demo.10o", "demo3.10o", "junk_time_obs3.10o", "minimal2.10o",
                     "minimal3.10o", "rinex2onesat.10o", "wrong_obs2_count.10o"]
        for f in files {
            let path = SharedData.path("rinex-edge/" + f)
            do {
                let reader = try RINEXObservationReader(path: path)
                while try reader.next() != nil {}
                for e in reader.errors {
                    #expect(e.file == path)
                    if case .unknown = e.location { Issue.record("error without a location in \(f): \(e)") }
                }
            } catch {
                #expect(error.file == path, "\(f): \(error)")
            }
        }
    }

    @Test func badTimeIsReportedWithItsLine() throws {
        let (reader, epochs) = try Self.readAll("rinex-edge/badtime.10o")
        // The first epoch's seconds field " 0 .0000000" is broken; the next epoch (00:01:00) still reads.
        #expect(reader.errors.contains { if case .line = $0.location { return true } else { return false } })
        #expect(epochs.contains { $0.time.secondOfWeek.truncatingRemainder(dividingBy: 86_400) == 60 })
    }

    @Test func wrongObservationCountIsReported() throws {
        let (reader, epochs) = try Self.readAll("rinex-edge/wrong_obs2_count.10o")
        #expect(reader.errors.contains { $0.message.contains("TYPES OF OBSERV") })
        #expect(!epochs.isEmpty)
    }
}
