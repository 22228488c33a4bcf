/// Whether key bytes are fit to authenticate the link with: too short or all zeros is refused; shorter than
/// HMAC-SHA256's own 32 bytes, a repeating pattern or printable text is accepted with a warning, as none of these
/// is what a random key looks like.
public enum SharedKeyStrength {
    /// The fewest bytes a key may have (32 hex digits).
    public static let minimumBytes = 16
    /// What the README's `head -c 32 /dev/urandom` makes, and HMAC-SHA256's block of security.
    public static let recommendedBytes = 32
    /// How to make a good key, for messages.
    public static let howToMake = "make one with: head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'"

    /// Why the key must not be used, or nil when it may.
    public static func refusal(_ key: [UInt8]) -> String? {
        if key.count < minimumBytes {
            return "the shared key is \(key.count) bytes; it must be at least \(minimumBytes) (\(2 * minimumBytes) hex digits), \(howToMake)"
        }
        if key.allSatisfy({ $0 == 0 }) {
            return "the shared key is all zeros; \(howToMake)"
        }
        return nil
    }

    /// What an operator should know about a key that may be used.
    public static func doubts(_ key: [UInt8]) -> [String] {
        var doubts: [String] = []
        if key.count < recommendedBytes {
            doubts.append("the shared key is \(key.count) bytes; \(recommendedBytes) random bytes are recommended")
        }
        if let period = repeatingPeriod(key) {
            doubts.append("the shared key repeats itself every \(period) byte\(period == 1 ? "" : "s"), which random bytes do not; \(howToMake)")
        } else if key.allSatisfy({ (0x20...0x7E).contains($0) }) {
            doubts.append("the shared key is printable text, not random bytes; \(howToMake)")
        }
        return doubts
    }

    /// The shortest period at which the key repeats itself at least twice over, if any.
    static func repeatingPeriod(_ key: [UInt8]) -> Int? {
        guard key.count >= 2 else { return nil }
        return (1...key.count / 2).first { p in key.indices.allSatisfy { key[$0] == key[$0 % p] } }
    }
}
