import GNSSCore
import GNSSPositioning
import GatewayControl

/// A station's status as its configuration and its solutions make it.
extension StationStatus {
    public init(configuration c: StationConfiguration) {
        self.init(name: c.name, listen: c.listen?.description ?? c.source.description, format: Format(c.format), role: Role(c.role),
                  processing: Processing(c.processing))
        stationPosition = c.position.map { [$0.x, $0.y, $0.z] }
    }

    mutating func record(_ s: Solution) {
        epochs += 1
        solutions[s.quality.description, default: 0] += 1
        time = s.time.iso8601(fractionDigits: 1)
        note = s.note
        quality = Quality(s.quality)
        satellites = s.satellites
        guard s.quality != .none else { return }
        ecef = [s.position.x, s.position.y, s.position.z]
        let g = s.position.geodetic()
        llh = [g.latitude * Constants.radiansToDegrees, g.longitude * Constants.radiansToDegrees, g.height]
        if s.covariance.count >= 3 { sigma = s.covariance[0..<3].map { max($0, 0).squareRoot() } }
    }
}
