import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
@testable import GNSSPositioning

@Suite struct DemoStreamTests {
    static let fixture = SharedData.fixture("demo.rtcm3")

    /// The committed fixture is exactly what the generator writes (set REGENERATE_FIXTURES=1 to rewrite it).
    @Test func fixtureRegeneratesByteForByte() throws {
        let bytes = try DemoStream.bytes()
        if ProcessInfo.processInfo.environment["REGENERATE_FIXTURES"] == "1" {
            _ = FileManager.default.createFile(atPath: Self.fixture, contents: Data(bytes))
        }
        let committed = try FileByteSource.readAll(path: Self.fixture)
        #expect(committed == bytes)
        #expect(bytes.count < 50_000)
    }

    /// Decoding the stream and positioning from it alone (its own ephemerides) finds the station.
    @Test func singlePointFromTheDemoStream() throws {
        let reader = try RTCM3EpochReader(path: Self.fixture)
        var store = EphemerisStore()
        let spp = SinglePointPositioner(options: SPPOptions(elevationMask: 10 * Constants.degreesToRadians, systems: [.gps, .galileo]))
        var solved = 0
        while let epoch = try reader.next() {
            for e in reader.takeEphemerides() { store.add(e) }
            let s = spp.solve(epoch: epoch, ephemerides: store, klobuchar: .fallback)
            #expect(s.quality == .single, "\(s.note ?? "")")
            #expect(s.position.distance(to: DemoStream.station) < 3, "\(s.position)")
            solved += 1
        }
        #expect(reader.errors.isEmpty)
        #expect(solved == DemoStream.epochs)
        #expect(reader.stationPosition.map { $0.distance(to: DemoStream.station) < 1e-3 } == true)
    }
}
