import DPCLink
import Foundation
import GNSSCore
import GNSSNetwork
import GNSSProducts

/// What `GET /status` on dpcd's metrics endpoint answers, and `dpcd status` shows: the store, and the network
/// processing's latest epoch with each satellite's corrections. Every key is written, `null` where there is no value.
public struct DPCStatus: Codable, Sendable {
    public struct Gateway: Codable, Sendable {
        public var id: String
        /// Its spool's generations the store holds, and the last sequence stored in the newest.
        public var generations: Int
        public var lastSequence: UInt64

        enum CodingKeys: String, CodingKey {
            case id, generations
            case lastSequence = "last_sequence"
        }
    }

    /// One satellite's latest estimate: the corrections against its broadcast ephemeris (SSR's signs: orbit is
    /// broadcast minus true), their formal range sigma (the URA sent), and when a station last observed it.
    public struct Satellite: Codable, Sendable {
        public var satellite: String
        public var iod: Int?
        public var clock: Double
        public var radial: Double
        public var along: Double
        public var cross: Double
        public var sigma: Double
        public var seen: String
    }

    public struct Network: Codable, Sendable {
        public var interval: Double
        public var stations: [String]
        public var epochs: Int
        public var late: Int
        /// The latest epoch processed: its time, stations and satellites in it, post-fit RMS (m), measurements
        /// rejected as outliers, and seconds from the epoch's time to its processing.
        public var lastEpoch: String?
        public var stationsInSolution: Int?
        public var satellitesInSolution: Int?
        public var phaseRMS: Double?
        public var codeRMS: Double?
        public var rejected: Int?
        /// Double-differenced ambiguities held at integers (nil when the network keeps them float).
        public var fixedAmbiguities: Int?
        public var latency: Double?
        public var satellites: [Satellite]

        enum CodingKeys: String, CodingKey {
            case interval, stations, epochs, late, latency, satellites, rejected
            case lastEpoch = "last_epoch"
            case stationsInSolution = "stations_in_solution"
            case satellitesInSolution = "satellites_in_solution"
            case phaseRMS = "phase_rms"
            case codeRMS = "code_rms"
            case fixedAmbiguities = "fixed_ambiguities"
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(interval, forKey: .interval)
            try c.encode(stations, forKey: .stations)
            try c.encode(epochs, forKey: .epochs)
            try c.encode(late, forKey: .late)
            try c.encode(lastEpoch, forKey: .lastEpoch)
            try c.encode(stationsInSolution, forKey: .stationsInSolution)
            try c.encode(satellitesInSolution, forKey: .satellitesInSolution)
            try c.encode(phaseRMS, forKey: .phaseRMS)
            try c.encode(codeRMS, forKey: .codeRMS)
            try c.encode(rejected, forKey: .rejected)
            try c.encodeIfPresent(fixedAmbiguities, forKey: .fixedAmbiguities)
            try c.encode(latency, forKey: .latency)
            try c.encode(satellites, forKey: .satellites)
        }
    }

    public var version: String
    public var storeBytes: Int
    public var gateways: [Gateway]
    public var network: Network?

    enum CodingKeys: String, CodingKey {
        case version, gateways, network
        case storeBytes = "store_bytes"
    }

    public init(version: String, storeBytes: Int, gateways: [Gateway], network: Network?) {
        self.version = version
        self.storeBytes = storeBytes
        self.gateways = gateways
        self.network = network
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(storeBytes, forKey: .storeBytes)
        try c.encode(gateways, forKey: .gateways)
        try c.encode(network, forKey: .network)
    }

    /// The store's part.
    public static func gateways(of store: DPCStore) -> [Gateway] {
        store.gateways.sorted().map { id in
            let generations = store.generations(gateway: id)
            let newest = generations.last.map { store.lastSequence(RecordStream(gateway: id, generation: $0)) } ?? 0
            return Gateway(id: id, generations: generations.count, lastSequence: newest)
        }
    }

    /// The JSON bytes of the status, keys sorted so that it reads the same each time.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8)) + [0x0A]
    }
}
