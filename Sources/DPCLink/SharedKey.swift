import Crypto
import Foundation

/// The secret both ends of the link hold. Each side proves it has the key by an
/// HMAC-SHA256 over both sides' fresh random challenges, the gateway id and its spool's generation, so
/// neither the key nor a replayable answer crosses the wire.
public struct SharedKey: Sendable {
    private let key: SymmetricKey

    /// The key from hex text (at least 16 bytes, i.e. 32 hex digits).
    public init(hex text: String) throws(LinkConfigurationError) {
        let digits = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard digits.count >= 32, digits.count % 2 == 0 else {
            throw LinkConfigurationError("the shared key must be at least 32 hex digits (16 bytes), an even number of them")
        }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let b = UInt8(digits[index..<next], radix: 16) else {
                throw LinkConfigurationError("the shared key is not hex text")
            }
            bytes.append(b)
            index = next
        }
        key = SymmetricKey(data: bytes)
    }

    /// Reads the key from a file holding its hex text.
    public init(file path: String) throws(LinkConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LinkConfigurationError("cannot read the key file \(path)")
        }
        do {
            try self.init(hex: String(decoding: data, as: UTF8.self))
        } catch {
            throw LinkConfigurationError("\(path): \(error.message)")
        }
    }

    public static func challenge() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
    }

    /// What the gateway sends: proof over the DPC's challenge, its own, its id and its spool's generation.
    public func gatewayProof(dpcChallenge: [UInt8], gatewayChallenge: [UInt8], gateway: String, generation: UInt64) -> [UInt8] {
        mac(Array("gateway".utf8) + dpcChallenge + gatewayChallenge + Self.bigEndian(generation) + Array(gateway.utf8))
    }

    /// What the DPC answers: proof over the challenges in the other order.
    public func dpcProof(dpcChallenge: [UInt8], gatewayChallenge: [UInt8], gateway: String, generation: UInt64) -> [UInt8] {
        mac(Array("dpc".utf8) + gatewayChallenge + dpcChallenge + Self.bigEndian(generation) + Array(gateway.utf8))
    }

    private static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }

    /// Compares a received proof with the expected one in constant time.
    public static func matches(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    func mac(_ message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
    }
}

public struct LinkConfigurationError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
