import Testing
import TestSupport
import GNSSCore
@testable import GNSSFormats

func decodeUBX(_ bytes: [UInt8], chunk: Int = 4096) -> (counts: [String: Int], messages: [(UBXFrame, UBXMessage)], errors: [FormatError]) {
    var framer = UBXFramer()
    var counts: [String: Int] = [:]
    var messages: [(UBXFrame, UBXMessage)] = []
    var errors: [FormatError] = []
    var i = 0
    while i < bytes.count {
        framer.append(bytes[i..<min(bytes.count, i + chunk)])
        i += chunk
        while let item = framer.next() {
            switch item {
            case .frame(let f):
                do {
                    messages.append((f, try UBXMessage.decode(f)))
                    counts[f.name, default: 0] += 1
                } catch { errors.append(error) }
            case .error(let e): errors.append(e)
            case .nmea: break
            }
        }
    }
    return (counts, messages, errors)
}

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct UBXTests {
    static func file() throws -> [UInt8] { try FileByteSource.readAll(path: SharedData.path("ubx/F9T-L2-5min.ubx.gz")) }

    // pyubx2 (UBXReader, UBX protocol only) counts in F9T-L2-5min.ubx.gz.
    @Test func countsEqualPyubx2() throws {
        let (counts, _, errors) = decodeUBX(try Self.file())
        #expect(errors.isEmpty, "\(errors.prefix(3))")
        #expect(counts == ["RXM-RAWX": 299, "NAV-PVT": 299, "NAV-POSECEF": 299, "NAV-VELECEF": 299, "MON-RF": 75, "NAV-SAT": 299,
                           "NAV-SIG": 299, "NAV-DOP": 299, "NAV-TIMEGPS": 299, "NAV-CLOCK": 299, "NAV-EOE": 299, "NAV-TIMELS": 1])
    }

    // pyubx2: the first RXM-RAWX has rcvTow 163891.001, week 2379, 46 measurements; measurement 1 is gnssId 1
    // (SBAS) svId 133 sigId 0, prMes 38200448.19171132, cpMes 200744708.67256537, doMes −56.781005859375, cno 44.
    @Test func rawMeasurementsEqualPyubx2() throws {
        let (_, messages, _) = decodeUBX(try Self.file())
        guard case .rawMeasurements(let raw) = try #require(messages.first { $0.0.name == "RXM-RAWX" }).1 else {
            Issue.record("no RAWX"); return
        }
        #expect(raw.receiverTimeOfWeek == 163_891.001 && raw.week == 2379 && raw.measurements.count == 46)
        let m = raw.measurements[0]
        #expect(m.gnssId == 1 && m.svId == 133 && m.sigId == 0 && m.cn0 == 44)
        #expect(m.pseudorange == 38_200_448.19171132 && m.carrierPhase == 200_744_708.67256537 && m.doppler == -56.781005859375)
        let epoch = raw.epoch
        #expect(epoch.time.gpsWeek == 2379 && abs(epoch.time.secondOfWeek - 163_891.001) < 1e-9)
        #expect(epoch.satellite(SatelliteID(.sbas, 33))?.signal(SignalCode("1C")!)?.pseudorange == 38_200_448.19171132)
    }

    /// The receiver's own NAV-PVT solutions agree with each other: a static antenna within metres.
    @Test func navPVTIsConsistent() throws {
        let (_, messages, _) = decodeUBX(try Self.file())
        let pvts = messages.compactMap { if case .navPVT(let p) = $0.1 { return p } else { return nil } }
        #expect(pvts.count == 299)
        let first = try #require(pvts.first).ecef
        #expect(pvts.allSatisfy { $0.ecef.distance(to: first) < 10 })
        #expect(pvts.first?.date.year == 2025)
    }

    @Test func garbageAndDamageLoseOnlyTheDamagedFrame() throws {
        let bytes = Array(try Self.file().prefix(200_000))
        let clean = decodeUBX(bytes)
        var rng = SeededGenerator(seed: 3)
        var noisy: [UInt8] = []
        for (f, _) in clean.messages {
            noisy += (0..<Int.random(in: 0...30, using: &rng)).map { _ in [0xB5, 0x62, 0x24, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0...3, using: &rng)] }
            noisy += f.bytes
        }
        let n = decodeUBX(noisy, chunk: 997)
        #expect(n.counts == clean.counts)
        var damaged = bytes
        damaged[clean.messages[10].0.offset + 30] ^= 0x01
        #expect(decodeUBX(damaged).messages.count == clean.messages.count - 1)
    }
}
