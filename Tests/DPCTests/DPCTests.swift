@testable import DPC
import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import Testing
import TestSupport

@Suite("DPC link and store")
struct DPCTests {
    @Test("HMAC-SHA256 of the link matches RFC 4231 test case 1")
    func hmacVector() throws {
        let key = try SharedKey(hex: String(repeating: "0b", count: 20))
        let mac = key.mac(Array("Hi There".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test("each side's proof depends on the key, both challenges and the gateway id")
    func proofs() throws {
        let a = try SharedKey(hex: String(repeating: "11", count: 32))
        let b = try SharedKey(hex: String(repeating: "12", count: 32))
        let d = SharedKey.challenge(), g = SharedKey.challenge()
        let proof = a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw")
        #expect(SharedKey.matches(proof, a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw")))
        #expect(!SharedKey.matches(proof, b.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw")))
        #expect(!SharedKey.matches(proof, a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gx")))
        #expect(!SharedKey.matches(proof, a.dpcProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw")))
        #expect(throws: LinkConfigurationError.self) { try SharedKey(hex: "abcd") }
        #expect(throws: LinkConfigurationError.self) { try SharedKey(hex: String(repeating: "zz", count: 20)) }
    }

    @Test("a correction record survives encoding, and every truncation of it is an error, not a crash")
    func recordRoundTrip() throws {
        let frames = RTCM3Encoder.frame(StationCoordinates(stationID: 7, position: ECEF(-3607665.5, 4147867.9, 3223716.9), antennaHeight: 1.5).encode())
            + RTCM3Encoder.frame(StationDescriptors(stationID: 7, antennaDescriptor: "TRM59800.00").encode())
        let record = CorrectionRecord(station: "GMSD", time: GNSSTime(seconds: 1_034_208_000, fraction: 0.5), rtcm: frames)
        let bytes = record.encoded()
        #expect(try CorrectionRecord(decoding: bytes[...]) == record)
        #expect(record.messageTypes == [1006, 1033])
        for n in 0..<bytes.count {
            #expect(throws: FormatError.self) { try CorrectionRecord(decoding: bytes[..<n]) }
        }
    }

    @Test("the store keeps each (gateway, sequence) once, across reopening, and lists what it holds")
    func storeDeduplicates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = CorrectionRecord(station: "A", time: GNSSTime(seconds: 100), rtcm: []).encoded()
        do {
            let store = try DPCStore(directory: dir)
            #expect(try store.store(gateway: "g1", sequence: 1, body: body))
            #expect(try store.store(gateway: "g1", sequence: 2, body: body))
            #expect(try !store.store(gateway: "g1", sequence: 2, body: body))
            #expect(try store.store(gateway: "g2", sequence: 1, body: body))
            try store.sync()
        }
        let reopened = try DPCStore(directory: dir)
        #expect(reopened.lastSequence(gateway: "g1") == 2)
        #expect(reopened.lastSequence(gateway: "g2") == 1)
        #expect(try !reopened.store(gateway: "g1", sequence: 1, body: body))
        var listed: [String] = []
        try DPCStore.records(directory: dir) { listed.append("\($0.gateway)#\($0.sequence)") }
        #expect(listed == ["g1#1", "g1#2", "g2#1"])
    }

    @Test("dpcd configuration: problems at their lines, inline key or key file")
    func configuration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.yaml"
        _ = FileManager.default.createFile(atPath: good, contents: Data("listen: 127.0.0.1:7001\nstore: ./s\nkey_file: \(dir)/key\n".utf8))
        _ = FileManager.default.createFile(atPath: dir + "/key", contents: Data((String(repeating: "ab", count: 32) + "\n").utf8))
        let loaded = try #require(DPCConfiguration.load(path: good).configuration)
        #expect(loaded.listen.port == 7001)
        _ = try loaded.sharedKey()
        let bad = dir + "/bad.yaml"
        _ = FileManager.default.createFile(atPath: bad, contents: Data("listen: 127.0.0.1\nstorage: x\nkey: nothex\n".utf8))
        let problems = DPCConfiguration.load(path: bad).problems.map(\.description)
        #expect(problems.contains { $0.hasPrefix(bad + ":1:") })
        #expect(problems.contains { $0.hasPrefix(bad + ":2:") && $0.contains("unknown setting 'storage'") })
        #expect(problems.contains { $0.hasPrefix(bad + ":3:") })
        #expect(loaded.metricsLimits == .metricsEndpoint)

        let limited = dir + "/limited.yaml"
        let text = "metrics:\n  listen: 127.0.0.1:9470\n  max_connections: 8\n  idle_timeout: 5\nkey_file: \(dir)/key\n"
        _ = FileManager.default.createFile(atPath: limited, contents: Data(text.utf8))
        let withLimits = try #require(DPCConfiguration.load(path: limited).configuration)
        #expect(withLimits.metrics?.port == 9470)
        #expect(withLimits.metricsLimits == ConnectionLimits(maxConnections: 8, idleTimeout: .seconds(5), maxRequestBytes: 8 * 1024))
    }
}
