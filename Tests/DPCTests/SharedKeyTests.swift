import DPC
import DPCLink
import DaemonSupport
import Foundation
import Testing

/// The shared key as both daemons read it: a key file others may read, an all-zero or short key, or a file larger
/// than a key's text is refused, saying what to do; a weak key that may be used is a configuration warning.
@Suite struct SharedKeyTests {
    static let goodKey = "3f8a1c5e9b27d04f6a1e8c3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f"

    static func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("shared-key-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func write(_ text: String, to path: String, mode: Int) throws {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    }

    static func refusal(_ make: () throws(LinkConfigurationError) -> SharedKey) -> String? {
        do {
            _ = try make()
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a key file others can read or write is refused, naming the file, its mode and the chmod that fixes it")
    func exposedKeyFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/dpc.key"
        for mode in [0o644, 0o604, 0o642] {
            try Self.write(Self.goodKey + "\n", to: path, mode: mode)
            let message = try #require(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(file: path) }, "mode \(String(mode, radix: 8))")
            #expect(message.contains(path) && message.contains("mode 0" + String(mode, radix: 8)) && message.contains("chmod 0640 \(path)"), "\(message)")
        }
        try Self.write(Self.goodKey + "\n", to: path, mode: 0o640)
        #expect(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(file: path) } == nil)
        try Self.write(Self.goodKey + "\n", to: path, mode: 0o600)
        #expect(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(file: path) } == nil)
    }

    @Test("an all-zero key and a key shorter than 16 bytes are refused, inline and in a file")
    func weakKeysRefused() throws {
        let zeros = String(repeating: "00", count: 32)
        let short = String(repeating: "a7", count: 15)
        let zeroMessage = try #require(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(hex: zeros) })
        #expect(zeroMessage.contains("all zeros"))
        let shortMessage = try #require(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(hex: short) })
        #expect(shortMessage.contains("15 bytes") && shortMessage.contains("at least 16"), "\(shortMessage)")
        #expect(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(hex: String(repeating: "a7", count: 16)) } == nil)

        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/dpc.key"
        try Self.write(zeros + "\n", to: path, mode: 0o640)
        let fileMessage = try #require(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(file: path) })
        #expect(fileMessage.contains(path) && fileMessage.contains("all zeros"), "\(fileMessage)")
    }

    @Test("a key file larger than 1 KiB is refused before it is read")
    func oversizeKeyFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/dpc.key"
        try Self.write(String(repeating: "5a", count: 1024), to: path, mode: 0o640)
        let message = try #require(Self.refusal { () throws(LinkConfigurationError) in try SharedKey(file: path) })
        #expect(message.contains(path) && message.contains("2048 bytes") && message.contains("1 KiB"), "\(message)")
    }

    @Test("dpcd configuration: an exposed key file is a problem at its line; a weak key, all interfaces are warnings")
    func configurationWarnings() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = dir + "/dpc.key", config = dir + "/dpcd.yaml"
        try Self.write(Self.goodKey + "\n", to: key, mode: 0o644)
        try Self.write("listen: 0.0.0.0:7001\nmetrics: '[::]:9465'\nkey_file: \(key)\n", to: config, mode: 0o640)
        var loaded = DPCConfiguration.load(path: config)
        #expect(loaded.configuration == nil)
        #expect(loaded.problems.map(\.description).contains { $0.hasPrefix(config + ":3: ") && $0.contains("chmod 0640 \(key)") }, "\(loaded.problems)")
        #expect(loaded.warnings.map(\.description).contains { $0.hasPrefix(config + ":1: warning: ") && $0.contains("all interfaces") }, "\(loaded.warnings)")
        #expect(loaded.warnings.map(\.description).contains { $0.hasPrefix(config + ":2: warning: ") && $0.contains("all interfaces") }, "\(loaded.warnings)")

        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: key)
        loaded = DPCConfiguration.load(path: config)
        #expect(loaded.configuration != nil && loaded.problems.isEmpty, "\(loaded.problems)")

        // Inline: a repeating pattern and printable text are warned of; in a file others can read, so is the key.
        let repeating = String(repeating: "0123456789abcdef", count: 4)
        try Self.write("listen: 127.0.0.1:7001\nstore: ./s\nkey: \(repeating)\n", to: config, mode: 0o644)
        loaded = DPCConfiguration.load(path: config)
        #expect(loaded.configuration != nil)
        let warnings = loaded.warnings.map(\.description)
        #expect(warnings.contains { $0.hasPrefix(config + ":3: warning: ") && $0.contains("repeats itself every 8 bytes") }, "\(warnings)")
        #expect(warnings.contains { $0.hasPrefix(config + ":3: warning: ") && $0.contains("others can read") && $0.contains("mode 0644") }, "\(warnings)")
        #expect(!warnings.contains { $0.contains("all interfaces") })
        let text = Array("local-demo-key-change-me-in-prod".utf8).map { String(format: "%02x", $0) }.joined()
        try Self.write("listen: 127.0.0.1:7001\nkey: \(text)\n", to: config, mode: 0o600)
        #expect(DPCConfiguration.load(path: config).warnings.map(\.description) == ["\(config):2: warning: key: the shared key is printable text, not random bytes; \(SharedKeyStrength.howToMake)"])
        try Self.write("key: \(String(repeating: "00", count: 16))\n", to: config, mode: 0o600)
        #expect(DPCConfiguration.load(path: config).problems.map(\.description).contains { $0.hasPrefix(config + ":1: ") && $0.contains("all zeros") })
    }
}
