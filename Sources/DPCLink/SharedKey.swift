import Crypto
import Foundation

/// The secret both ends of the link hold. Each side proves it has the key by an
/// HMAC-SHA256 over both sides' fresh random challenges, the gateway id and its spool's generation, so
/// neither the key nor a replayable answer crosses the wire.
public struct SharedKey: Sendable {
    private let key: SymmetricKey

    /// The key from hex text: refused when it is not hex, shorter than 16 bytes or all zeros (`SharedKeyStrength`).
    public init(hex text: String) throws(LinkConfigurationError) {
        let bytes = try Self.bytes(hex: text)
        if let refusal = SharedKeyStrength.refusal(bytes) { throw LinkConfigurationError(refusal) }
        key = SymmetricKey(data: bytes)
    }

    /// Reads the key from its file, refused as `SharedKeyFile` and `init(hex:)` say; every message names the file.
    public init(file path: String) throws(LinkConfigurationError) {
        let file: SharedKeyFile
        do {
            file = try SharedKeyFile(path: path)
        } catch {
            throw LinkConfigurationError(error.description)
        }
        do {
            try self.init(hex: file.text)
        } catch {
            throw LinkConfigurationError("key file \(path): \(error.message)")
        }
    }

    /// The bytes hex text stands for, surrounding white space ignored.
    public static func bytes(hex text: String) throws(LinkConfigurationError) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for c in text.trimmingCharacters(in: .whitespacesAndNewlines) {
            guard c.isASCII, let value = c.hexDigitValue.map(UInt8.init) else {
                throw LinkConfigurationError("the shared key must be hex text, two digits a byte")
            }
            if let h = high {
                bytes.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        guard high == nil else { throw LinkConfigurationError("the shared key must be hex text, two digits a byte: it has an odd number of digits") }
        return bytes
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
