@testable import DPC
@testable import DPCLink
import DaemonSupport
import Foundation
import GNSSCore
import GNSSFormats
import GNSSNetwork
import Logging
import NIOCore
import NIOPosix
import TestSupport
import Testing

@Suite("DPC link and store")
struct DPCTests {
    @Test("HMAC-SHA256 of the link matches RFC 4231 test case 1")
    func hmacVector() throws {
        let key = try SharedKey(hex: String(repeating: "0b", count: 20))
        let mac = key.mac(Array("Hi There".utf8))
        #expect(mac.map { String(format: "%02x", $0) }.joined() == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test("each side's proof depends on the key, both challenges, the gateway id and its spool's generation")
    func proofs() throws {
        let a = try SharedKey(hex: String(repeating: "11", count: 32))
        let b = try SharedKey(hex: String(repeating: "12", count: 32))
        let d = SharedKey.challenge(), g = SharedKey.challenge()
        let proof = a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw", generation: 7)
        #expect(SharedKey.matches(proof, a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw", generation: 7)))
        #expect(!SharedKey.matches(proof, b.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw", generation: 7)))
        #expect(!SharedKey.matches(proof, a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gx", generation: 7)))
        #expect(!SharedKey.matches(proof, a.gatewayProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw", generation: 8)))
        #expect(!SharedKey.matches(proof, a.dpcProof(dpcChallenge: d, gatewayChallenge: g, gateway: "gw", generation: 7)))
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

    @Test("the store keeps each (gateway, generation, sequence) once, across reopening, and lists what it holds")
    func storeDeduplicates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = CorrectionRecord(station: "A", time: GNSSTime(seconds: 100), rtcm: []).encoded()
        let g1 = RecordStream(gateway: "g1", generation: 0xA1), g1Again = RecordStream(gateway: "g1", generation: 0xB2)
        let g2 = RecordStream(gateway: "g2", generation: 0xA1)
        do {
            let store = try DPCStore(directory: dir)
            #expect(try store.store(g1, sequence: 1, body: body))
            #expect(try store.store(g1, sequence: 2, body: body))
            #expect(try !store.store(g1, sequence: 2, body: body))
            #expect(try store.store(g2, sequence: 1, body: body))
            #expect(try store.store(g1Again, sequence: 1, body: body), "a new generation's sequence 1 is new data")
            try store.sync()
        }
        let reopened = try DPCStore(directory: dir)
        #expect(reopened.lastSequence(g1) == 2)
        #expect(reopened.lastSequence(g1Again) == 1)
        #expect(reopened.lastSequence(g2) == 1)
        #expect(reopened.generations(gateway: "g1") == [0xA1, 0xB2])
        #expect(try !reopened.store(g1, sequence: 1, body: body))
        var listed: [String] = []
        try DPCStore.records(directory: dir) { listed.append("\($0.gateway)/\(RecordStream.hex($0.generation))#\($0.sequence)") }
        #expect(listed == ["g1/00000000000000a1#1", "g1/00000000000000a1#2", "g2/00000000000000a1#1", "g1/00000000000000b2#1"])
    }

    @Test("entries stored before generations existed are read as generation 0")
    func legacyEntries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-legacy-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let body = CorrectionRecord(station: "A", time: GNSSTime(seconds: 100), rtcm: []).encoded()
        do {
            let log = try SegmentLog(directory: dir)
            // The earlier entry layout: id length, id, sequence, record.
            try log.append([2] + Array("gw".utf8) + [5, 0, 0, 0, 0, 0, 0, 0] + body)
            try log.sync()
        }
        let store = try DPCStore(directory: dir)
        #expect(store.lastSequence(RecordStream(gateway: "gw", generation: 0)) == 5)
        #expect(try !store.store(RecordStream(gateway: "gw", generation: 0), sequence: 5, body: body))
        #expect(try store.store(RecordStream(gateway: "gw", generation: 0), sequence: 6, body: body))
    }

    @Test("dpcd configuration: problems at their lines, inline key or key file")
    func configuration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = dir + "/good.yaml"
        _ = FileManager.default.createFile(atPath: good, contents: Data("listen: 127.0.0.1:7001\nstore: ./s\nkey_file: \(dir)/key\n".utf8))
        _ = FileManager.default.createFile(atPath: dir + "/key", contents: Data((String(repeating: "ab", count: 32) + "\n").utf8),
                                           attributes: [.posixPermissions: 0o640])
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

    @Test("processing: off without it, its settings with it, and file:line problems for bad values")
    func processingSettings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-processing-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let key = String(repeating: "ab", count: 32)
        let plain = dir + "/plain.yaml", on = dir + "/on.yaml", bad = dir + "/bad.yaml"
        _ = FileManager.default.createFile(atPath: plain, contents: Data("key: \(key)\n".utf8))
        _ = FileManager.default.createFile(atPath: on, contents: Data("key: \(key)\nprocessing:\n  interval: 10\n  high_rate: 2\n  holdback: 1.5\n  ssr_output: 127.0.0.1:5320\n  leo: hybrid\n  ambiguities: fix-and-hold\n".utf8))
        _ = FileManager.default.createFile(atPath: bad, contents: Data("key: \(key)\nprocessing:\n  interval: 7\n  holdback: -1\n  output: x\n  high_rate: 3\n  leo: dynamic\n  ambiguities: fixed\n".utf8))
        #expect(try #require(DPCConfiguration.load(path: plain).configuration).processing == nil)
        let p = try #require(DPCConfiguration.load(path: on).configuration?.processing)
        #expect(p.interval == 10 && p.highRate == 2 && p.holdback == 1.5 && p.output?.port == 5320 && p.leo == .hybrid
                && p.fixAmbiguities)
        let problems = DPCConfiguration.load(path: bad).problems.map(\.description)
        #expect(problems.contains { $0.hasPrefix(bad + ":3:") && $0.contains("interval") })
        #expect(problems.contains { $0.hasPrefix(bad + ":4:") && $0.contains("holdback") })
        #expect(problems.contains { $0.hasPrefix(bad + ":5:") && $0.contains("unknown setting 'output'") })
        #expect(problems.contains { $0.hasPrefix(bad + ":6:") && $0.contains("high_rate") })
        #expect(problems.contains { $0.hasPrefix(bad + ":7:") && $0.contains("kinematic, joint, hybrid") })
        #expect(problems.contains { $0.hasPrefix(bad + ":8:") && $0.contains("float or fix-and-hold") })
        #expect(try #require(DPCConfiguration.load(path: plain).configuration).processing?.fixAmbiguities != true)
    }

    @Test("connection caps and timeouts: defaults without them, values and out-of-range problems with them")
    func connectionSettings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-limits-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = String(repeating: "ab", count: 32)
        let plain = dir + "/plain.yaml", tuned = dir + "/tuned.yaml", bad = dir + "/bad.yaml"
        _ = FileManager.default.createFile(atPath: plain, contents: Data("key: \(key)\n".utf8))
        _ = FileManager.default.createFile(atPath: tuned, contents: Data("""
            key: \(key)
            max_connections: 40
            max_connections_per_address: 2
            authentication_timeout: 3
            idle_timeout: 120
            """.utf8))
        _ = FileManager.default.createFile(atPath: bad, contents: Data("key: \(key)\nmax_connections: 0\nidle_timeout: 5\n".utf8))
        let defaults = try #require(DPCConfiguration.load(path: plain).configuration)
        #expect(defaults.maxConnections == 256 && defaults.maxConnectionsPerAddress == 8)
        #expect(defaults.authenticationTimeout == 10 && defaults.idleTimeout == 60)
        let c = try #require(DPCConfiguration.load(path: tuned).configuration)
        #expect(c.maxConnections == 40 && c.maxConnectionsPerAddress == 2 && c.authenticationTimeout == 3 && c.idleTimeout == 120)
        let problems = DPCConfiguration.load(path: bad).problems.map(\.description)
        #expect(problems.contains { $0.hasPrefix(bad + ":2:") && $0.contains("max_connections") })
        #expect(problems.contains { $0.hasPrefix(bad + ":3:") && $0.contains("idle_timeout") })
    }

    @Test("an authenticated link silent past the idle timeout is closed and counted; one sending keep-alives stays, each answered")
    func idleTimeout() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpc-idle-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try SharedKey(hex: String(repeating: "5c", count: 32))
        let metrics = DPCMetrics()
        let server = try await DPCServer(listen: NetworkAddress(host: "127.0.0.1", port: 0), key: key, store: try DPCStore(directory: dir),
                                         metrics: metrics, limits: DPCServer.Limits(idleTimeout: .milliseconds(1500)),
                                         group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        let port = try #require(server.localAddress?.port)
        let silent = try LinkTestClient(port: port, key: key, gateway: "quiet")
        let talking = try LinkTestClient(port: port, key: key, gateway: "chatty")
        var answers = 0
        for _ in 0..<10 {  // at least 2.5 s, well past the idle timeout; blocking waits keep time on a busy machine
            usleep(250_000)
            talking.send(.keepalive)
            if case .keepalive? = try talking.next(within: 0.5) { answers += 1 }
        }
        #expect(answers == 10)
        #expect(!talking.closed)
        _ = try silent.next(within: 1)  // the refusal, if any, then the end
        #expect(silent.closed)
        #expect(metrics.registry.emitToString().contains("dpc_links_idle_closed_total 1"))
        await server.close()
    }

    @Test("an authenticate of another protocol version is refused by name; frames round-trip; the handshake fits its limit")
    func frames() throws {
        let longest = LinkFrame.authenticate(version: LinkFrame.protocolVersion, gateway: String(repeating: "g", count: 255),
                                             generation: .max, lastSequence: 7, challenge: SharedKey.challenge(), proof: SharedKey.challenge())
        for frame in [longest, .hello(version: 2, challenge: SharedKey.challenge()), .keepalive, .acknowledge(sequence: 9),
                      .welcome(proof: SharedKey.challenge(), lastSequence: 3)] {
            var out = ByteBuffer()
            try LinkFrameEncoder().encode(data: frame, out: &out)
            #expect(out.readableBytes - 5 <= LinkFrame.handshakeBodyLimit)
            let type = try #require(out.getInteger(at: out.readerIndex, as: UInt8.self))
            out.moveReaderIndex(forwardBy: 5)
            #expect(try LinkFrame.parse(type: type, body: &out) == frame)
        }
        var older = ByteBuffer(bytes: [1, 2] + Array("gw".utf8) + [UInt8](repeating: 0, count: 64))
        #expect(throws: LinkProtocolError.version(1)) { try LinkFrame.parse(type: 2, body: &older) }
        var refusal = ByteBuffer()
        try LinkFrameEncoder().encode(data: .refused(reason: String(repeating: "x", count: 5000)), out: &refusal)
        #expect(refusal.readableBytes - 5 <= LinkFrame.handshakeBodyLimit)
    }
}
