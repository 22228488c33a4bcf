import Foundation
import GNSSCore
import GNSSPositioning

/// A double difference of ionosphere-free ambiguities, between two stations and two satellites of one system, fixed to
/// its integer value and held in the network filter.
struct FixedDoubleDifference: Sendable {
    /// Stations a, b and satellites s, r: the difference is (a, s) − (a, r) − (b, s) + (b, r).
    var stations: (Int, Int)
    var satellites: (SatelliteID, SatelliteID)
    /// Its integers: the first frequency's cycles N₁ and the wide lane N₁ − N₂.
    var narrowLane: Int
    var wideLane: Int
    /// The value it is held at, m: λ_NL (N₁ + f₂/(f₁ − f₂) (N₁ − N₂)).
    var value: Double

    /// The ambiguity states with their signs.
    var terms: [(key: NetworkFilter.Key, sign: Double)] {
        [(.ambiguity(.station(stations.0), satellites.0), 1), (.ambiguity(.station(stations.0), satellites.1), -1),
         (.ambiguity(.station(stations.1), satellites.0), -1), (.ambiguity(.station(stations.1), satellites.1), 1)]
    }
}

/// Integer ambiguity resolution in the network: between neighbouring stations, the double differences of the float
/// ionosphere-free ambiguities are integers once split into wide and narrow lane (the satellites' and receivers' phase
/// biases cancel). The wide lane comes from the Melbourne–Wübbena means the slip monitor keeps, the narrow lane from the
/// filter's float ambiguities less the wide lane's share; a double difference both of whose parts are close to integers
/// and precise enough is held at that value by a tight constraint, which stays in the covariance until one of its
/// ambiguities restarts. Fixed double differences tie the stations' phase together, which sharpens the orbits and clocks
/// the float ambiguities blur.
extension NetworkFilter {
    /// The variance the constraint of a fixed double difference holds it with, m² (a millimetre).
    static let fixedVariance = 1e-6
    /// A double difference whose variance is below this (m²) is already determined by those held.
    static let determinedVariance = 9e-6

    /// Fixes what can be fixed among the tracks `observed` this epoch; returns how many double differences it fixed.
    mutating func resolveAmbiguities(observed: Set<TrackKey>) -> Int {
        // Those held whose ambiguities restarted or left are no longer held.
        fixed = fixed.filter { (variance(of: $0.terms) ?? .infinity) <= Self.determinedVariance }
        var eligible: [Int: [GNSSSystem: [SatelliteID: Track]]] = [:]
        for key in observed {
            guard case .station(let i) = key.receiver, let track = tracks[key], track.count >= options.ambiguityMinimumEpochs,
                  index[.ambiguity(key.receiver, key.satellite)] != nil else { continue }
            eligible[i, default: [:]][key.satellite.system, default: [:]][key.satellite] = track
        }
        var constraints = Kalman.SparseRows()
        var innovations: [Double] = []
        var pending: [FixedDoubleDifference] = []
        var count = 0
        func apply() {
            guard !innovations.isEmpty else { return }
            if Kalman.update(x: &x, p: &p, h: constraints, innovation: innovations,
                             r: Matrix.diagonal([Double](repeating: Self.fixedVariance, count: innovations.count))) {
                fixed += pending
                count += pending.count
            }
            constraints = Kalman.SparseRows()
            innovations = []
            pending = []
        }
        for (a, b) in neighbourPairs(Array(eligible.keys)) {
            for system in GNSSSystem.allCases {
                guard let first = eligible[a]?[system], let second = eligible[b]?[system] else { continue }
                let common = first.keys.filter { second[$0] != nil }.sorted()
                guard common.count >= 2 else { continue }
                // The reference satellite: the one whose two ambiguities are the best known.
                func spread(_ sat: SatelliteID) -> Double {
                    [a, b].reduce(0) { sum, i in sum + (index[.ambiguity(.station(i), sat)].map { p[$0, $0] } ?? .infinity) }
                }
                guard let reference = common.min(by: { spread($0) < spread($1) }) else { continue }
                for sat in common where sat != reference {
                    let involved = [(first[sat]!, 1.0), (first[reference]!, -1.0), (second[sat]!, -1.0), (second[reference]!, 1.0)]
                    guard let candidate = fixable(stations: (a, b), satellites: (sat, reference), tracks: involved) else { continue }
                    let terms = candidate.terms
                    for term in terms { constraints.append(column: index[term.key]!, value: term.sign) }
                    constraints.endRow()
                    innovations.append(candidate.value - value(of: terms))
                    pending.append(candidate)
                    if innovations.count >= Self.blockRows { apply() }
                }
            }
        }
        apply()
        return count
    }

    /// The double difference of `stations` and `satellites` fixed, if it is not determined yet and both its lanes are
    /// close to integers; `involved` are its four tracks with their signs.
    private func fixable(stations: (Int, Int), satellites: (SatelliteID, SatelliteID), tracks involved: [(Track, Double)])
        -> FixedDoubleDifference? {
        let frequencies = involved[0].0.frequencies
        guard involved.allSatisfy({ $0.0.frequencies == frequencies }) else { return nil }
        var candidate = FixedDoubleDifference(stations: stations, satellites: satellites, narrowLane: 0, wideLane: 0, value: 0)
        let terms = candidate.terms
        guard let variance = variance(of: terms), variance > Self.determinedVariance else { return nil }
        let wideLane = involved.reduce(0) { $0 + $1.1 * $1.0.wideLane }
        let wideLaneVariance = involved.reduce(0) { $0 + $1.0.wideLaneSpread / $1.0.count }
        let wideLaneInteger = wideLane.rounded()
        guard abs(wideLane - wideLaneInteger) <= options.wideLaneFraction,
              wideLaneVariance.squareRoot() <= options.wideLaneFraction / 2 else { return nil }
        let (f1, f2) = frequencies
        let narrowWavelength = Constants.speedOfLight / (f1 + f2)
        let share = f2 / (f1 - f2)
        let narrowLane = value(of: terms) / narrowWavelength - share * wideLaneInteger
        let narrowInteger = narrowLane.rounded()
        guard abs(narrowLane - narrowInteger) <= options.narrowLaneFraction,
              variance.squareRoot() / narrowWavelength <= options.narrowLaneSigma else { return nil }
        candidate.narrowLane = Int(narrowInteger)
        candidate.wideLane = Int(wideLaneInteger)
        candidate.value = narrowWavelength * (narrowInteger + share * wideLaneInteger)
        return candidate
    }

    /// The filter's value of a combination of states, m.
    private func value(of terms: [(key: Key, sign: Double)]) -> Double {
        terms.reduce(0) { $0 + $1.sign * (index[$1.key].map { x[$0] } ?? 0) }
    }

    /// The filter's variance of a combination of states; nil when one of them is not held.
    private func variance(of terms: [(key: Key, sign: Double)]) -> Double? {
        var indices: [(Int, Double)] = []
        for term in terms {
            guard let i = index[term.key] else { return nil }
            indices.append((i, term.sign))
        }
        var sum = 0.0
        for (i, si) in indices { for (j, sj) in indices { sum += si * sj * p[i, j] } }
        return sum
    }

    /// Each station with its `ambiguityNeighbours` nearest, as pairs (smaller index first), in a fixed order.
    private func neighbourPairs(_ candidates: [Int]) -> [(Int, Int)] {
        var pairs = Set<[Int]>()
        for a in candidates {
            let nearest = candidates.filter { $0 != a }
                .sorted { (stations[$0].position - stations[a].position).norm < (stations[$1].position - stations[a].position).norm }
            for b in nearest.prefix(options.ambiguityNeighbours) { pairs.insert([min(a, b), max(a, b)]) }
        }
        return pairs.sorted { $0[0] != $1[0] ? $0[0] < $1[0] : $0[1] < $1[1] }.map { ($0[0], $0[1]) }
    }
}

