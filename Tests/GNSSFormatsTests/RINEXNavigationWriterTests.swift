import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats

@Suite(.enabled(if: SharedData.available, "needs ../shared/data"))
struct RINEXNavigationWriterTests {
    /// Real broadcast ephemerides of four systems (a station's mixed RINEX 3 file) written as RINEX 4.02 and read
    /// back give every field again, to the twelve digits the format prints.
    @Test func roundTripThroughRINEX4() throws {
        let (_, all, _) = try RINEXNavigationReader.readAll(path: SharedData.path("ppp-esbc-2020177/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"))
        let kepler = all.compactMap { e -> KeplerEphemeris? in
            if case .kepler(let k) = e, [.gps, .galileo, .beidou, .qzss].contains(k.satellite.system) { return k }
            return nil
        }
        #expect(Set(kepler.map(\.satellite.system)).count == 4)
        let text = RINEXNavigationWriter().file(kepler)
        let path = NSTemporaryDirectory() + "gateway-nav-writer-\(UUID().uuidString.prefix(8)).rnx"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (header, back, errors) = try RINEXNavigationReader.readAll(path: path)
        #expect(errors.isEmpty)
        #expect(header.version == 4.02)
        let written = back.compactMap { e -> KeplerEphemeris? in
            if case .kepler(let k) = e { return k }
            return nil
        }
        #expect(written.count == kepler.count)
        let originals = Dictionary(kepler.map { (Key($0), $0) }, uniquingKeysWith: { a, _ in a })
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-11 * max(abs(a), abs(b)) + 1e-30 }
        for k in written {
            guard let o = originals[Key(k)] else {
                Issue.record("\(k.satellite) \(k.toc) not among the originals")
                continue
            }
            #expect(k.message == o.message && k.toe == o.toe && k.iode == o.iode && k.iodc == o.iodc && k.health == o.health,
                    "\(k.satellite) \(k.toc)")
            #expect(k.week == o.week && k.accuracyIndex == o.accuracyIndex && k.dataSources == o.dataSources, "\(k.satellite) \(k.toc)")
            let a = [k.sqrtA, k.eccentricity, k.inclination, k.rightAscension, k.argumentOfPerigee, k.meanAnomaly, k.meanMotionDifference,
                     k.inclinationRate, k.rightAscensionRate, k.cuc, k.cus, k.crc, k.crs, k.cic, k.cis, k.af0, k.af1, k.af2] + k.groupDelays
            let b = [o.sqrtA, o.eccentricity, o.inclination, o.rightAscension, o.argumentOfPerigee, o.meanAnomaly, o.meanMotionDifference,
                     o.inclinationRate, o.rightAscensionRate, o.cuc, o.cus, o.crc, o.crs, o.cic, o.cis, o.af0, o.af1, o.af2] + o.groupDelays
            #expect(zip(a, b).allSatisfy { close($0, $1) }, "\(k.satellite) \(k.toc)")
            #expect(k.transmissionTime == o.transmissionTime, "\(k.satellite) \(k.toc)")
        }
    }

    struct Key: Hashable {
        var satellite: SatelliteID
        var toc: GNSSTime
        var message: NavigationMessage
        /// Galileo sends the same issue on several signals: the data sources and transmission time tell them apart.
        var sources: Int
        var transmission: GNSSTime?
        init(_ k: KeplerEphemeris) {
            satellite = k.satellite
            toc = k.toc
            message = k.message
            sources = k.dataSources
            transmission = k.transmissionTime
        }
    }
}
