import GNSSCore

extension EphemerisStore {
    /// The elevation (radians) of every satellite with an ephemeris at `time`, healthy or not, seen from `position`:
    /// what a station is expected to observe above a cutoff.
    public func elevations(from position: ECEF, at time: GNSSTime) -> [SatelliteID: Double] {
        let frame = LocalFrame(origin: position)
        var elevations: [SatelliteID: Double] = [:]
        for satellite in satellites {
            guard let ephemeris = select(satellite, at: time, requireHealthy: false) else { continue }
            let elevation = frame.enu(ephemeris.state(at: time).position).azimuthElevation.elevation
            if elevation.isFinite { elevations[satellite] = elevation }
        }
        return elevations
    }
}
