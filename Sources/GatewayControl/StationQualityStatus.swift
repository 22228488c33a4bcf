/// What the control socket reports of a station's observation quality: over the last hour of the stream's own time
/// and since the station started. Every key is written, `null` where nothing is known yet.
public struct StationQualityStatus: Codable, Sendable, Equatable {
    /// Observations received against expected (satellites with an ephemeris above the cutoff elevation times the
    /// signals the station tracks for their system), over the last hour and since start.
    public var completeness: Double?
    public var completenessTotal: Double?
    public var observationsExpected = 0
    public var observationsReceived = 0
    /// Cycle slips since start, the receiver's (loss-of-lock flags) and those found in the phases, and over the last hour.
    public var cycleSlipsReceiver = 0
    public var cycleSlipsDetected = 0
    public var cycleSlipsLastHour = 0
    /// Code multipath RMS over the last hour, metres, by system letter and signal (`G` → `1C`, `2W`).
    public var multipath: [String: [String: Double?]] = [:]
    /// Mean C/N0 of the system's first band over the last hour, dB-Hz, by system letter, in 10° elevation bins from 0–10°.
    public var cn0ByElevation: [String: [Double?]] = [:]
    /// Seconds from an epoch's time to its arrival: the latest epoch's and the mean since start.
    public var latency: Double?
    public var latencyMean: Double?
    /// The station's interval (its shortest epoch spacing), seconds.
    public var interval: Double?
    /// Gaps in the epoch stream longer than three intervals: how many, the longest and the last (seconds between
    /// the epochs on either side) and the last one's start (the epoch before it).
    public var outages = 0
    public var outageLongest: Double?
    public var outageLast: Double?
    public var outageLastAfter: String?

    public var cycleSlips: Int { cycleSlipsReceiver + cycleSlipsDetected }

    public init() {}

    enum CodingKeys: String, CodingKey {
        case completeness, multipath, latency, interval, outages
        case completenessTotal = "completeness_total"
        case observationsExpected = "observations_expected"
        case observationsReceived = "observations_received"
        case cycleSlipsReceiver = "cycle_slips_receiver"
        case cycleSlipsDetected = "cycle_slips_detected"
        case cycleSlipsLastHour = "cycle_slips_last_hour"
        case cn0ByElevation = "cn0_by_elevation"
        case latencyMean = "latency_mean"
        case outageLongest = "outage_longest"
        case outageLast = "outage_last"
        case outageLastAfter = "outage_last_after"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(completeness, forKey: .completeness)
        try c.encode(completenessTotal, forKey: .completenessTotal)
        try c.encode(observationsExpected, forKey: .observationsExpected)
        try c.encode(observationsReceived, forKey: .observationsReceived)
        try c.encode(cycleSlipsReceiver, forKey: .cycleSlipsReceiver)
        try c.encode(cycleSlipsDetected, forKey: .cycleSlipsDetected)
        try c.encode(cycleSlipsLastHour, forKey: .cycleSlipsLastHour)
        try c.encode(multipath, forKey: .multipath)
        try c.encode(cn0ByElevation, forKey: .cn0ByElevation)
        try c.encode(latency, forKey: .latency)
        try c.encode(latencyMean, forKey: .latencyMean)
        try c.encode(interval, forKey: .interval)
        try c.encode(outages, forKey: .outages)
        try c.encode(outageLongest, forKey: .outageLongest)
        try c.encode(outageLast, forKey: .outageLast)
        try c.encode(outageLastAfter, forKey: .outageLastAfter)
    }
}
