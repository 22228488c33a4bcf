/// One numbering of one gateway's records: sequence numbers are unique within it.
public struct RecordStream: Sendable, Hashable {
    public var gateway: String
    public var generation: UInt64

    public init(gateway: String, generation: UInt64) {
        self.gateway = gateway
        self.generation = generation
    }

    /// A generation as 16 hex digits, as logs and `dpcd dump` show it.
    public static func hex(_ generation: UInt64) -> String {
        let digits = String(generation, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
