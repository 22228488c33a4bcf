/// The JetStream message id of one forwarded record, `GATEWAY:GENERATION:SEQUENCE` (the generation as 16 hex
/// digits, the sequence in decimal): what the server drops a resend by inside its duplicate window, and what
/// the DPC files the record under. The gateway id may itself hold colons; the last two fields never do.
public struct RecordMessageID: Sendable, Hashable, CustomStringConvertible {
    public var gateway: String
    public var generation: UInt64
    public var sequence: UInt64

    public init(gateway: String, generation: UInt64, sequence: UInt64) {
        self.gateway = gateway
        self.generation = generation
        self.sequence = sequence
    }

    public var description: String {
        let digits = String(generation, radix: 16)
        return "\(gateway):\(String(repeating: "0", count: 16 - digits.count))\(digits):\(sequence)"
    }

    /// Reads an id; nil when the text is not one (an empty gateway, a generation that is not 16 hex digits,
    /// a sequence that is not a positive decimal number).
    public init?(_ text: String) {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count >= 3 else { return nil }
        let generationText = fields[fields.count - 2]
        let sequenceText = fields[fields.count - 1]
        let gateway = fields[..<(fields.count - 2)].joined(separator: ":")
        guard !gateway.isEmpty, generationText.count == 16, let generation = UInt64(generationText, radix: 16),
              sequenceText.allSatisfy(\.isASCII), let sequence = UInt64(sequenceText), sequence > 0 else { return nil }
        self.init(gateway: gateway, generation: generation, sequence: sequence)
    }
}
