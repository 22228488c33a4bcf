import GNSSCore

/// How a position was obtained, with RTKLIB's solution-quality numbers.
public enum SolutionQuality: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
    case fixed = 1
    case float = 2
    case sbas = 3
    case dgps = 4
    case single = 5
    case ppp = 6
    case none = 0

    public var description: String {
        switch self {
        case .fixed: "fixed"
        case .float: "float"
        case .sbas: "sbas"
        case .dgps: "dgps"
        case .single: "single"
        case .ppp: "ppp"
        case .none: "none"
        }
    }

    /// Better solutions compare smaller (fixed < float < … < single < none).
    public static func < (a: SolutionQuality, b: SolutionQuality) -> Bool {
        let rank: (SolutionQuality) -> Int = { q in
            switch q {
            case .fixed: 0
            case .float: 1
            case .ppp: 2
            case .dgps: 3
            case .sbas: 4
            case .single: 5
            case .none: 6
            }
        }
        return rank(a) < rank(b)
    }
}

/// Dilutions of precision.
public struct DilutionOfPrecision: Sendable, Hashable {
    public var geometric: Double
    public var position: Double
    public var horizontal: Double
    public var vertical: Double

    public init(geometric: Double, position: Double, horizontal: Double, vertical: Double) {
        self.geometric = geometric
        self.position = position
        self.horizontal = horizontal
        self.vertical = vertical
    }
}

/// A receiver position at one epoch and how good it is.
public struct Solution: Sendable, Hashable {
    public var time: GNSSTime
    public var position: ECEF
    /// Position covariance, m²: xx, yy, zz, xy, yz, zx.
    public var covariance: [Double]
    public var velocity: ECEF?
    public var quality: SolutionQuality
    public var satellites: Int
    /// Receiver clock offsets by system, seconds (the GPS clock, then the others' own).
    public var clockBiases: [GNSSSystem: Double]
    public var dop: DilutionOfPrecision?
    /// Age of differential corrections, s (RTK), and ambiguity ratio test value.
    public var age: Double
    public var ratio: Double
    /// Satellites excluded by the integrity check, with the reason.
    public var excluded: [SatelliteID]
    /// Why there is no (or a degraded) solution, for operators.
    public var note: String?
    /// Each satellite of the epoch as the engine used it, in the epoch's order: used with its post-fit residuals, or
    /// why not (see `SatelliteUse`). Empty where the engine never reached the satellites (RTK without a base epoch).
    public var satelliteReport: [SatelliteUse] = []

    public init(time: GNSSTime, position: ECEF, covariance: [Double] = [0, 0, 0, 0, 0, 0], velocity: ECEF? = nil,
                quality: SolutionQuality, satellites: Int, clockBiases: [GNSSSystem: Double] = [:],
                dop: DilutionOfPrecision? = nil, age: Double = 0, ratio: Double = 0, excluded: [SatelliteID] = [],
                note: String? = nil) {
        self.time = time
        self.position = position
        self.covariance = covariance
        self.velocity = velocity
        self.quality = quality
        self.satellites = satellites
        self.clockBiases = clockBiases
        self.dop = dop
        self.age = age
        self.ratio = ratio
        self.excluded = excluded
        self.note = note
    }

    /// Standard deviations sx, sy, sz, m.
    public var sigma: (x: Double, y: Double, z: Double) {
        (covariance[0].squareRoot(), covariance[1].squareRoot(), covariance[2].squareRoot())
    }
}
