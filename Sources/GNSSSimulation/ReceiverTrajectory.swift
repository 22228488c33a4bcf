import Foundation
import GNSSCore

/// Where a simulated receiver's antenna reference point is over time.
public enum ReceiverTrajectory: Sendable {
    /// A monument: the marker stays put (the solid Earth tide still moves the antenna).
    case fixed(ECEF)
    /// A vehicle driving round a horizontal circle of `radius` metres about `centre` at `speed` m/s,
    /// anticlockwise seen from above, due north of the centre at `start`.
    case circle(centre: ECEF, radius: Double, speed: Double, start: GNSSTime)
    /// A receiver on board a satellite of `sky` (a LEO satellite's own GNSS receiver).
    case onboard(sky: any SatelliteSky, satellite: SatelliteID)

    /// The marker at `time`; nil where the trajectory is undefined (a satellite outside its sky's span).
    public func position(at time: GNSSTime) -> ECEF? {
        switch self {
        case .fixed(let p):
            return p
        case .circle(let centre, let radius, let speed, let start):
            let angle = speed * (time - start) / radius
            let north = radius * cos(angle), east = -radius * sin(angle)
            return ENU(east: east, north: north, up: 0).ecef(origin: centre)
        case .onboard(let sky, let satellite):
            return sky.state(satellite, at: time)?.position
        }
    }

    /// Whether the receiver is on the ground: under the troposphere and moved by the solid Earth tide.
    public var onGround: Bool {
        if case .onboard = self { return false }
        return true
    }
}
