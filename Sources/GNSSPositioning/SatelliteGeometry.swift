import Foundation
import GNSSCore
import GNSSOrbits

/// Where a satellite was when it sent the signal a receiver measured.
enum SatelliteGeometry {
    /// Satellite state at transmission for a signal received at `time` with the given pseudorange:
    /// transmission time = reception − range/c − satellite clock.
    static func atTransmission(_ eph: Ephemeris, receivedAt time: GNSSTime, pseudorange: Double) -> SatelliteState? {
        let state = eph.state(at: transmissionTime(eph, receivedAt: time, pseudorange: pseudorange))
        guard state.position.norm > 1e6, state.position.x.isFinite, state.clockBias.isFinite else { return nil }
        return state
    }

    /// The transmission time of a signal received at `time` with the given pseudorange, by the broadcast clock.
    static func transmissionTime(_ eph: Ephemeris, receivedAt time: GNSSTime, pseudorange: Double) -> GNSSTime {
        let tx = time - pseudorange / Constants.speedOfLight
        return tx - eph.clockBias(at: tx)
    }
}
