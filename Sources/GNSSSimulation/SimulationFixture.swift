import GNSSCore
import GNSSFormats
import GNSSOrbits

/// The small simulated data set bundled in `fixtures/sim`: five minutes at
/// 1 Hz over the ESBC day (2020-06-25 06:00 GPS time) with the GPS and
/// Galileo satellites of that day's broadcast ephemerides and the standard
/// LEO constellation; a reference station on the ESBC monument and a rover
/// driving circles 2 km to its east with a 20 s outage; the satellite
/// segment's downlink (onboard observations every 30 s); the truth. Regenerated from its seed by
/// `gnss-sim fixture`, byte for byte.
public enum SimulationFixture {
    public static let navigation = "ESBC00DNK_R_20201770000_01D_MN.rnx.gz"
    public static let seed: UInt64 = 177
    public static let reference = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)

    /// The GPS and Galileo broadcast ephemerides of the day, from the real navigation file in `directory`.
    public static func ephemerides(directory: String) throws(FormatError) -> EphemerisStore {
        let (_, list, _) = try RINEXNavigationReader.readAll(path: directory + "/" + navigation)
        var store = EphemerisStore()
        for e in list where e.satellite.system == .gps || e.satellite.system == .galileo { _ = store.add(e) }
        return store
    }

    public static func scenario(ephemerides: EphemerisStore) -> SimulationScenario {
        let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 6), scale: .gps)!
        let rover = ENU(east: 2000, north: 0, up: 0).ecef(origin: reference)
        let stations = [
            SimulatedStation(name: "REF0", trajectory: .fixed(reference), stationID: 100),
            SimulatedStation(name: "ROV0", trajectory: .circle(centre: rover, radius: 40, speed: 8, start: start),
                             outages: [Outage(start: start + 150, end: start + 169)], stationID: 101),
        ]
        var scenario = SimulationScenario(start: start, duration: 300, interval: 1, stations: stations,
                                          gnss: BroadcastSky(ephemerides: ephemerides, systems: [.gps, .galileo]), leo: true, seed: seed)
        scenario.onboardInterval = 30
        return scenario
    }

    /// The fixture's files, by name (the LEO ephemerides only inside the satellite segment's stream).
    public static func files(navigationDirectory: String) throws(FormatError) -> [(name: String, bytes: [UInt8])] {
        let store = try ephemerides(directory: navigationDirectory)
        return try SimulationFiles.make(scenario(ephemerides: store), ephemerides: store, rinex: false).filter { !$0.name.hasSuffix(".jsonl") }
    }
}
