import GNSSCore

/// What `StationQuality` reports of a station's observations: over the last hour of the data's own time, and since
/// the monitor started. Nil where there is nothing to say yet.
public struct StationQualityReport: Sendable, Equatable {
    /// Observations received against expected, as counts.
    public struct Completeness: Sendable, Equatable {
        public var expected: Int
        public var received: Int
        public var ratio: Double? { expected > 0 ? Double(received) / Double(expected) : nil }

        public init(expected: Int, received: Int) {
            self.expected = expected
            self.received = received
        }
    }

    /// A gap in the epoch stream longer than the outage threshold: the last epoch before it and the gap's length.
    public struct Outage: Sendable, Equatable {
        public var after: GNSSTime
        public var seconds: Double
    }

    /// The code multipath RMS of one signal (the code of MP₁ or MP₂) of one system, metres, and the epochs it is over.
    public struct Multipath: Sendable, Equatable {
        public var system: GNSSSystem
        public var signal: SignalCode
        public var hourRMS: Double?
        public var hourCount: Int
        public var totalRMS: Double?
        public var totalCount: Int
    }

    public var epochs = 0
    /// The time of the latest epoch.
    public var time: GNSSTime?
    /// The station's interval: the shortest spacing of its epochs seen.
    public var interval: Double?
    public var completenessHour = Completeness(expected: 0, received: 0)
    public var completenessTotal = Completeness(expected: 0, received: 0)
    /// Phase observations the receiver flagged as lost lock (RINEX LLI bit 0, or a lock time that went back).
    public var receiverSlips = 0
    /// Slips found by the geometry-free or Melbourne–Wübbena jump on a satellite the receiver did not flag.
    public var detectedSlips = 0
    /// Both kinds over the last hour.
    public var slipsHour = 0
    /// By system and signal, in the order of systems and signals.
    public var multipath: [Multipath] = []
    /// By system: the mean C/N0 (dB-Hz) of the system's first band over the last hour in each 10° elevation bin,
    /// 0–10° first; nil where the bin had no observation.
    public var cn0: [GNSSSystem: [Double?]] = [:]
    /// Seconds from an epoch's time to its arrival: the latest, and the mean since start.
    public var latency: Double?
    public var meanLatency: Double?
    public var outages = 0
    public var longestOutage: Outage?
    public var lastOutage: Outage?

    public var slips: Int { receiverSlips + detectedSlips }

    public init() {}
}
