/// A status field whose words come from a fixed set (a station's stream format, role, processing, solution quality).
/// It is written as its word; a word this version does not know (a daemon of another version) reads back as
/// `unknown` with the word kept, so a status is never refused for it and is written again unchanged.
public protocol StatusWord: RawRepresentable, Codable, Sendable, Hashable, CustomStringConvertible where RawValue == String {
    /// Every word this version knows.
    static var known: [Self] { get }
    /// A word this version does not know.
    static func unknown(_ word: String) -> Self
}

extension StatusWord {
    /// The known word's case, else `unknown` with the word.
    public init(rawValue: String) { self = Self.reading(rawValue) }

    public init(from decoder: Decoder) throws {
        self = Self.reading(try decoder.singleValueContainer().decode(String.self))
    }

    static func reading(_ word: String) -> Self {
        known.first { $0.rawValue == word } ?? .unknown(word)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }

    /// Whether this version knows the word.
    public var isKnown: Bool { Self.known.contains(self) }
}
