import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits

/// The range errors users inside a network's area see, where the signal-in-space range error averages over all the
/// Earth a satellite sees. A regional network corrects what its region's lines of sight see (its clocks take the part
/// of the orbit error along them) and cannot observe the rest, which a global average counts in full. At sites on a
/// grid over the network's area (between its stations, none at one), each satellite above 10°: the position error
/// along the line of sight less the clock error, each site's common part per system removed (its receiver clock takes
/// it), as an RMS per system.
public struct ServiceAreaRangeError: Sendable {
    public let sites: [ECEF]
    private var sums: [GNSSSystem: (squares: Double, count: Int)] = [:]

    public init(sites: [ECEF]) {
        self.sites = sites
    }

    /// Sites at the centres of an `n` × `n` division of the stations' latitude and longitude span; for a network
    /// spanning more than half the longitudes, `n`² sites spread evenly over the globe (offset from a station lattice).
    public static func grid(over stations: [NetworkStation], n: Int = 5) -> [ECEF] {
        let geodetic = stations.map { LocalFrame(origin: $0.position).geodetic }
        let latitudes = geodetic.map(\.latitude), longitudes = geodetic.map(\.longitude)
        guard let south = latitudes.min(), let north = latitudes.max(), let west = longitudes.min(), let east = longitudes.max() else { return [] }
        if east - west > Double.pi {
            let count = n * n, golden = (1 + 5.0.squareRoot()) / 2
            return (0..<count).map { k in
                let latitude = asin(2 * (Double(k) + 0.5) / Double(count) - 1)
                let longitude = ((Double(k) + 0.5) * 2 * Double.pi / golden).truncatingRemainder(dividingBy: 2 * Double.pi) - Double.pi
                return Geodetic(latitude: latitude, longitude: longitude, height: 100).ecef()
            }
        }
        var out: [ECEF] = []
        for i in 0..<n {
            for j in 0..<n {
                let latitude = south + (north - south) * (Double(i) + 0.5) / Double(n)
                let longitude = west + (east - west) * (Double(j) + 0.5) / Double(n)
                out.append(Geodetic(latitude: latitude, longitude: longitude, height: 100).ecef())
            }
        }
        return out
    }

    /// Adds one epoch: per satellite, computed minus true position (ECEF, m) and clock (m), with the true state.
    public mutating func add(epoch errors: [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)]) {
        add(epoch: errors, from: sites)
    }

    /// Adds one epoch seen from `sites` this epoch: points on the ground (satellites above 10°), or in orbit (`orbit`:
    /// satellites above 10° below the site's own horizon, as a LEO satellite's onboard receiver sees them).
    public mutating func add(epoch errors: [(satellite: SatelliteID, position: ECEF, clock: Double, truth: SatelliteState)], from sites: [ECEF],
                             orbit: Bool = false) {
        for site in sites {
            // A ground site's elevation is the local frame's; a site in orbit has no use for one.
            let frame = orbit ? nil : LocalFrame(origin: site)
            func visible(_ satellite: ECEF) -> Bool {
                guard let frame else { return site.elevationAboveHorizon(of: satellite) >= -10 * Constants.degreesToRadians }
                return frame.enu(satellite).azimuthElevation.elevation >= 10 * Constants.degreesToRadians
            }
            var bySystem: [GNSSSystem: [Double]] = [:]
            for e in errors where visible(e.truth.position) {
                let line = e.truth.position - site
                bySystem[e.satellite.system, default: []].append((1 / line.norm) * line.dot(e.position) - e.clock)
            }
            for (system, list) in bySystem where list.count >= 2 {
                let mean = list.reduce(0, +) / Double(list.count)
                var sum = sums[system] ?? (0, 0)
                for v in list { sum.squares += (v - mean) * (v - mean) }
                sum.count += list.count
                sums[system] = sum
            }
        }
    }

    /// The RMS per system, m.
    public var rms: [GNSSSystem: Double] { sums.mapValues { ($0.squares / Double(max($0.count, 1))).squareRoot() } }
}
