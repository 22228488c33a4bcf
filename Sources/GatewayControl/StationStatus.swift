/// What the control socket reports about one station.
public struct StationStatus: Codable, Sendable {
    public var name: String
    public var listen: String
    public var format: Format
    public var role: Role
    public var processing: Processing
    public var datagrams: Int = 0
    public var bytes: Int = 0
    public var frames: Int = 0
    public var decodeErrors: Int = 0
    public var epochs: Int = 0
    public var quality: Quality = .none
    public var satellites: Int = 0
    /// Latest solved position (ECEF metres) and its geodetic form (degrees, metres).
    public var ecef: [Double]?
    public var llh: [Double]?
    public var sigma: [Double]?
    public var time: String?
    public var note: String?
    public var solutions: [String: Int] = [:]
    public var lastDatagramAgeSeconds: Double?
    public var stationPosition: [Double]?
    public var queueDrops: Int = 0
    /// Epochs refused because the stream's time went back (a capture played again).
    public var epochsRefused: Int = 0
    /// The quality of the station's observations (completeness, slips, multipath, C/N0, latency, outages).
    public var observationQuality = StationQualityStatus()

    enum CodingKeys: String, CodingKey {
        case name, listen, format, role, processing, datagrams, bytes, frames, epochs, quality, satellites, ecef, llh, sigma, time, note, solutions
        case decodeErrors = "decode_errors"
        case lastDatagramAgeSeconds = "last_datagram_age_s"
        case stationPosition = "station_position"
        case queueDrops = "queue_drops"
        case epochsRefused = "epochs_refused"
        case observationQuality = "observation_quality"
    }

    /// Every key is written, `null` where there is no value yet, so readers see the same shape from the first epoch on.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(listen, forKey: .listen)
        try c.encode(format, forKey: .format)
        try c.encode(role, forKey: .role)
        try c.encode(processing, forKey: .processing)
        try c.encode(datagrams, forKey: .datagrams)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(frames, forKey: .frames)
        try c.encode(decodeErrors, forKey: .decodeErrors)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(quality, forKey: .quality)
        try c.encode(satellites, forKey: .satellites)
        try c.encode(ecef, forKey: .ecef)
        try c.encode(llh, forKey: .llh)
        try c.encode(sigma, forKey: .sigma)
        try c.encode(time, forKey: .time)
        try c.encode(note, forKey: .note)
        try c.encode(solutions, forKey: .solutions)
        try c.encode(lastDatagramAgeSeconds, forKey: .lastDatagramAgeSeconds)
        try c.encode(stationPosition, forKey: .stationPosition)
        try c.encode(queueDrops, forKey: .queueDrops)
        try c.encode(epochsRefused, forKey: .epochsRefused)
        try c.encode(observationQuality, forKey: .observationQuality)
    }

    public init(name: String, listen: String, format: Format, role: Role, processing: Processing) {
        self.name = name
        self.listen = listen
        self.format = format
        self.role = role
        self.processing = processing
    }
}
