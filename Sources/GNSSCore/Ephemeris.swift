/// Which navigation message an ephemeris came from, where a system has several.
public enum NavigationMessage: String, Sendable, Hashable {
    case lnav = "LNAV"        // GPS/QZSS legacy
    case cnav = "CNAV"        // GPS/QZSS civil
    case inav = "INAV"        // Galileo I/NAV (E1-B, E5b-I)
    case fnav = "FNAV"        // Galileo F/NAV (E5a-I)
    case d1 = "D1"            // BeiDou D1 (MEO/IGSO)
    case d2 = "D2"            // BeiDou D2 (GEO)
    case cnav1 = "CNV1"       // BeiDou B-CNAV1
    case fdma = "FDMA"        // GLONASS
    case sbas = "SBAS"
    case lnavNavIC = "LNAV-I" // NavIC
    case leo = "LEO"          // the LEO augmentation satellites' broadcast
}

/// Broadcast Keplerian ephemeris and clock of a GPS, Galileo, BeiDou, QZSS,
/// NavIC or LEO satellite. Angles in radians, rates in rad/s, distances in
/// metres, times as `GNSSTime` (GPS scale) plus the raw week and seconds as
/// broadcast (in the system's own scale).
public struct KeplerEphemeris: Sendable, Hashable {
    public var satellite: SatelliteID
    public var message: NavigationMessage
    /// Time of ephemeris and time of clock.
    public var toe: GNSSTime
    public var toc: GNSSTime
    /// Week and toe second of week as broadcast, in the system's own time scale.
    public var week: Int
    public var toeSeconds: Double
    public var sqrtA: Double
    public var eccentricity: Double
    public var inclination: Double
    public var rightAscension: Double          // Ω0
    public var argumentOfPerigee: Double        // ω
    public var meanAnomaly: Double              // M0
    public var meanMotionDifference: Double     // Δn
    public var inclinationRate: Double          // IDOT
    public var rightAscensionRate: Double       // Ω̇
    public var cuc: Double, cus: Double
    public var crc: Double, crs: Double
    public var cic: Double, cis: Double
    /// Clock polynomial: bias (s), drift (s/s), drift rate (s/s²).
    public var af0: Double, af1: Double, af2: Double
    /// Issue of data: IODE (GPS/QZSS), IODnav (Galileo), AODE (BeiDou), IODEC (NavIC).
    public var iode: Int
    /// IODC (GPS/QZSS) or AODC (BeiDou).
    public var iodc: Int
    /// Group delays, seconds: GPS/QZSS/NavIC TGD in [0]; Galileo BGD E1/E5a in [0], E1/E5b in [1]; BeiDou TGD1 in [0], TGD2 in [1].
    public var groupDelays: [Double]
    /// Health bits as broadcast (0 = healthy for every system).
    public var health: Int
    /// Accuracy: URA/SISA index as broadcast.
    public var accuracyIndex: Int
    /// Curve-fit interval, hours (GPS/QZSS); 0 where not broadcast.
    public var fitInterval: Double
    /// Transmission time of the message, where known.
    public var transmissionTime: GNSSTime?
    /// Galileo data-source bits (RINEX nav "data sources"), 0 elsewhere.
    public var dataSources: Int
    /// Code on L2 and L2 P data flag for GPS, 0 elsewhere.
    public var codesOnL2: Int
    public var l2PDataFlag: Int

    public init(satellite: SatelliteID, message: NavigationMessage, toe: GNSSTime, toc: GNSSTime, week: Int,
                toeSeconds: Double, sqrtA: Double, eccentricity: Double, inclination: Double,
                rightAscension: Double, argumentOfPerigee: Double, meanAnomaly: Double,
                meanMotionDifference: Double, inclinationRate: Double, rightAscensionRate: Double,
                cuc: Double, cus: Double, crc: Double, crs: Double, cic: Double, cis: Double,
                af0: Double, af1: Double, af2: Double, iode: Int, iodc: Int = 0, groupDelays: [Double] = [],
                health: Int = 0, accuracyIndex: Int = 0, fitInterval: Double = 0,
                transmissionTime: GNSSTime? = nil, dataSources: Int = 0, codesOnL2: Int = 0, l2PDataFlag: Int = 0) {
        self.satellite = satellite
        self.message = message
        self.toe = toe
        self.toc = toc
        self.week = week
        self.toeSeconds = toeSeconds
        self.sqrtA = sqrtA
        self.eccentricity = eccentricity
        self.inclination = inclination
        self.rightAscension = rightAscension
        self.argumentOfPerigee = argumentOfPerigee
        self.meanAnomaly = meanAnomaly
        self.meanMotionDifference = meanMotionDifference
        self.inclinationRate = inclinationRate
        self.rightAscensionRate = rightAscensionRate
        self.cuc = cuc
        self.cus = cus
        self.crc = crc
        self.crs = crs
        self.cic = cic
        self.cis = cis
        self.af0 = af0
        self.af1 = af1
        self.af2 = af2
        self.iode = iode
        self.iodc = iodc
        self.groupDelays = groupDelays
        self.health = health
        self.accuracyIndex = accuracyIndex
        self.fitInterval = fitInterval
        self.transmissionTime = transmissionTime
        self.dataSources = dataSources
        self.codesOnL2 = codesOnL2
        self.l2PDataFlag = l2PDataFlag
    }
}

/// GLONASS broadcast ephemeris: PZ-90 state at `toe` plus lunisolar
/// acceleration, and the clock terms. Metres, m/s, m/s².
public struct GlonassEphemeris: Sendable, Hashable {
    public var satellite: SatelliteID
    public var frequencyChannel: Int
    /// Reference time tb, converted to GPS time.
    public var toe: GNSSTime
    /// Frame time tk, where known.
    public var frameTime: GNSSTime?
    public var position: ECEF
    public var velocity: ECEF
    public var acceleration: ECEF
    /// −τn (clock bias, s) as RINEX writes it is `clockBias`; +γn relative frequency bias.
    public var clockBias: Double
    public var relativeFrequencyBias: Double
    /// Δτn, time difference L1/L2 (s).
    public var groupDelay: Double
    public var health: Int
    /// Age of operation information En, days.
    public var age: Int
    /// tb index (15-minute intervals) as broadcast, for IOD purposes.
    public var tb: Int
    /// The navigation message's other words, as broadcast, when the source carried them (RTCM 1020).
    public var words: GlonassBroadcastWords?

    public init(satellite: SatelliteID, frequencyChannel: Int, toe: GNSSTime, frameTime: GNSSTime? = nil,
                position: ECEF, velocity: ECEF, acceleration: ECEF, clockBias: Double,
                relativeFrequencyBias: Double, groupDelay: Double = 0, health: Int = 0, age: Int = 0, tb: Int = 0) {
        self.satellite = satellite
        self.frequencyChannel = frequencyChannel
        self.toe = toe
        self.frameTime = frameTime
        self.position = position
        self.velocity = velocity
        self.acceleration = acceleration
        self.clockBias = clockBias
        self.relativeFrequencyBias = relativeFrequencyBias
        self.groupDelay = groupDelay
        self.health = health
        self.age = age
        self.tb = tb
    }
}

/// GLONASS navigation words beside the orbit and clock (GLONASS ICD §4.4, RTCM 1020): flags, almanac
/// and time-system terms a receiver passes on. Raw broadcast integers, τc and τGPS in seconds.
public struct GlonassBroadcastWords: Sendable, Hashable {
    /// Almanac health Cn and its validity, P, P1–P4, ln of strings 3 and 5, the additional-data flag.
    public var almanacHealth = 0, almanacHealthValid = 0
    public var p = 0, p1 = 0, p2 = 0, p3 = 0, p4 = 0
    public var ln3 = 0, ln5 = 0, additional = 0
    /// Accuracy index FT, day in the four-year interval NT, satellite type M, almanac day NA, four-year interval N4.
    public var ft = 0, nt = 0, m = 0, na = 0, n4 = 0
    /// GLONASS − UTC(SU) correction τc and GPS − GLONASS fractional offset τGPS, seconds.
    public var tauC = 0.0, tauGPS = 0.0

    public init() {}
}

/// SBAS GEO broadcast state (WGS-84) and clock.
public struct SBASEphemeris: Sendable, Hashable {
    public var satellite: SatelliteID
    public var toe: GNSSTime
    public var position: ECEF
    public var velocity: ECEF
    public var acceleration: ECEF
    public var af0: Double
    public var af1: Double
    public var health: Int
    public var accuracy: Double
    public var iodn: Int

    public init(satellite: SatelliteID, toe: GNSSTime, position: ECEF, velocity: ECEF, acceleration: ECEF,
                af0: Double, af1: Double, health: Int = 0, accuracy: Double = 0, iodn: Int = 0) {
        self.satellite = satellite
        self.toe = toe
        self.position = position
        self.velocity = velocity
        self.acceleration = acceleration
        self.af0 = af0
        self.af1 = af1
        self.health = health
        self.accuracy = accuracy
        self.iodn = iodn
    }
}

/// Any broadcast ephemeris, whatever the source (RINEX nav, RTCM, UBX).
public enum Ephemeris: Sendable, Hashable {
    case kepler(KeplerEphemeris)
    case glonass(GlonassEphemeris)
    case sbas(SBASEphemeris)

    public var satellite: SatelliteID {
        switch self {
        case .kepler(let e): e.satellite
        case .glonass(let e): e.satellite
        case .sbas(let e): e.satellite
        }
    }

    public var toe: GNSSTime {
        switch self {
        case .kepler(let e): e.toe
        case .glonass(let e): e.toe
        case .sbas(let e): e.toe
        }
    }
}

/// Klobuchar ionosphere coefficients (GPS, QZSS, BeiDou): α0…α3, β0…β3.
public struct KlobucharCoefficients: Sendable, Hashable {
    public var alpha: [Double]
    public var beta: [Double]
    public init(alpha: [Double], beta: [Double]) {
        self.alpha = alpha
        self.beta = beta
    }
}

/// Galileo NeQuick-G effective ionisation coefficients ai0, ai1, ai2.
public struct NeQuickCoefficients: Sendable, Hashable {
    public var ai: [Double]
    public init(ai: [Double]) { self.ai = ai }
}

/// Galileo signal-in-space accuracy: the broadcast index and metres (Galileo OS SIS ICD §5.1.12):
/// 1 cm steps to 0.49 m, 2 cm to 0.98 m, 4 cm to 1.96 m, 16 cm to 6 m; 255 for no accuracy prediction.
public enum GalileoSISA {
    public static func index(metres m: Double) -> Int {
        guard m.isFinite, m >= 0 else { return 255 }
        if m < 0.495 { return Int((m * 100).rounded()) }
        if m < 0.99 { return 50 + Int(((m - 0.5) / 0.02).rounded()) }
        if m < 1.98 { return 75 + Int(((m - 1) / 0.04).rounded()) }
        if m <= 6.0 { return 100 + Int(((m - 2) / 0.16).rounded()) }
        return 255
    }

    /// Metres for an index; -1 for 255 (no prediction) and the spare indices.
    public static func metres(index i: Int) -> Double {
        switch i {
        case 0..<50: Double(i) / 100
        case 50..<75: 0.5 + Double(i - 50) * 0.02
        case 75..<100: 1 + Double(i - 75) * 0.04
        case 100...125: 2 + Double(i - 100) * 0.16
        default: -1
        }
    }
}
