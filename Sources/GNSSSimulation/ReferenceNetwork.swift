import Foundation
import GNSSCore
import GNSSNetwork

/// Simulated reference-station networks: where the stations stand.
public enum ReferenceNetwork: String, Sendable, CaseIterable {
    /// 20 stations on a 5 × 4 grid over northern and central Europe (47–63° N, 8° W–25° E; about 2800 km corner to
    /// corner), around the ESBC monument.
    case regional
    /// 24 stations spread evenly over the globe (a Fibonacci lattice).
    case global

    public var stations: [NetworkStation] { stations(count: nil) }

    /// The layout's stations; a global network of `count` stations where given.
    public func stations(count: Int?) -> [NetworkStation] {
        switch self {
        case .regional:
            var list: [NetworkStation] = []
            for (i, lat) in [47.0, 51, 55, 59, 63].enumerated() {
                for (j, lon) in [-8.0, 3, 14, 25].enumerated() {
                    list.append(Self.station("R\(i)\(j)", lat, lon))
                }
            }
            return list
        case .global:
            let n = count ?? 24, golden = (1 + 5.0.squareRoot()) / 2
            return (0..<n).map { k in
                let lat = asin(2 * (Double(k) + 0.5) / Double(n) - 1) / Constants.degreesToRadians
                let lon = (Double(k) * 360 / golden).truncatingRemainder(dividingBy: 360) - 180
                return Self.station(String(format: "G%02d", k), lat, lon)
            }
        }
    }

    private static func station(_ name: String, _ lat: Double, _ lon: Double) -> NetworkStation {
        NetworkStation(name: name, position: Geodetic(latitudeDegrees: lat, longitudeDegrees: lon, height: 100).ecef())
    }
}
