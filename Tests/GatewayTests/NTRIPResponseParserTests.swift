import Foundation
import Testing
@testable import Gateway

/// The NTRIP answer parser on what casters really send (RTKLIB 2.4.3 b34's `str2str -out ntripc://` answers are
/// quoted byte for byte) and on odd input: split anywhere, garbage, oversized headers. Every refusal is an error,
/// never a crash.
@Suite struct NTRIPResponseParserTests {
    /// An RTCM 3 frame's first bytes: the stream after the answer.
    static let rtcm: [UInt8] = [0xD3, 0x00, 0x13, 0x3E, 0xD0, 0x00, 0x03]

    /// Feeds `pieces` one after the other; the stream bytes, the accepted status, or the failure.
    static func run(_ pieces: [[UInt8]]) -> (data: [UInt8], status: String?, failure: NTRIPResponseParser.Failure?) {
        var parser = NTRIPResponseParser()
        var data: [UInt8] = []
        for piece in pieces {
            do { try parser.feed(piece, data: &data) } catch { return (data, parser.acceptedStatus, error) }
        }
        // The connection ends here.
        return (data, parser.acceptedStatus, parser.finish())
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Every split of `whole` into single bytes.
    static func byteByByte(_ whole: [UInt8]) -> [[UInt8]] { whole.map { [$0] } }

    @Test("RTKLIB's NTRIP 1.0 answer: ICY 200 OK and the data at once, no blank line; whole or byte by byte")
    func icyWithoutBlankLine() {
        let whole = Self.bytes("ICY 200 OK\r\n") + Self.rtcm
        for pieces in [[whole], Self.byteByByte(whole)] {
            let r = Self.run(pieces)
            #expect(r.failure == nil && r.status == "ICY 200 OK" && r.data == Self.rtcm)
        }
    }

    @Test("ICY 200 OK followed by a blank line, or by header lines and a blank line")
    func icyWithHeaders() {
        let blank = Self.run([Self.bytes("ICY 200 OK\r\n\r\n") + Self.rtcm])
        #expect(blank.failure == nil && blank.data == Self.rtcm)
        let headers = Self.bytes("ICY 200 OK\r\nServer: NTRIP Caster 2.0\r\nDate: Sun, 14 Oct 2012 00:00:00 GMT\r\n\r\n") + Self.rtcm
        for pieces in [[headers], Self.byteByByte(headers)] {
            let r = Self.run(pieces)
            #expect(r.failure == nil && r.data == Self.rtcm, "\(r)")
        }
    }

    @Test("NTRIP 2.0: HTTP/1.1 200 with chunked RTCM, split at every byte, including inside the chunk sizes")
    func chunkedAnswer() {
        let frame1 = Array(Self.rtcm.prefix(4)), frame2 = Array(Self.rtcm.dropFirst(4))
        let whole = Self.bytes("HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\nTransfer-Encoding: chunked\r\nContent-Type: gnss/data\r\n\r\n")
            + Self.bytes("4\r\n") + frame1 + Self.bytes("\r\n") + Self.bytes("3;ext=1\r\n") + frame2 + Self.bytes("\r\n")
        for pieces in [[whole], Self.byteByByte(whole)] {
            let r = Self.run(pieces)
            #expect(r.failure == nil && r.status == "HTTP/1.1 200 OK" && r.data == Self.rtcm, "\(r)")
        }
    }

    @Test("A big chunk passes through in pieces without being held whole; a zero chunk ends the stream")
    func bigChunkAndEnd() throws {
        var parser = NTRIPResponseParser()
        var data: [UInt8] = []
        try parser.feed(Self.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n"), data: &data)
        let piece = [UInt8](repeating: 0x55, count: 4096)
        for _ in 0..<256 { try parser.feed(piece, data: &data) }
        #expect(data.count == 1 << 20)
        #expect(!parser.streamEnded)
        try parser.feed(Self.bytes("\r\n0\r\n\r\n"), data: &data)
        #expect(parser.streamEnded && data.count == 1 << 20)
    }

    @Test("An unchunked HTTP/1.1 200 (a caster sending the stream as the body) and bare LF line ends")
    func plainBodyAndBareLineFeeds() {
        let r = Self.run([Self.bytes("HTTP/1.1 200 OK\nContent-Type: gnss/data\n\n") + Self.rtcm])
        #expect(r.failure == nil && r.data == Self.rtcm)
    }

    @Test("RTKLIB's 401 for a wrong password: the status line alone, no blank line")
    func unauthorized() {
        for pieces in [[Self.bytes("HTTP/1.0 401 Unauthorized\r\n")], Self.byteByByte(Self.bytes("HTTP/1.0 401 Unauthorized\r\n"))] {
            let r = Self.run(pieces)
            #expect(r.failure == .unauthorized("HTTP/1.0 401 Unauthorized"))
            #expect(r.failure?.reason == "unauthorized" && r.data.isEmpty)
        }
    }

    @Test("A missing mountpoint: RTKLIB's SOURCETABLE 200 OK, a 404, or an NTRIP 2.0 200 with a sourcetable body")
    func mountpointMissing() {
        let rtklib = "SOURCETABLE 200 OK\r\nServer: RTKLIB 2.4.3 b34\r\nDate: 2026/12/06 17:22:17 UTC\r\nConnection: close\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 26\r\n\r\nSTR;MNT;\r\nENDSOURCETABLE\r\n"
        for pieces in [[Self.bytes(rtklib)], Self.byteByByte(Self.bytes(rtklib))] {
            let r = Self.run(pieces)
            #expect(r.failure == .mountpointNotListed("SOURCETABLE 200 OK", ["MNT"]) && r.failure?.reason == "mountpoint_missing")
        }
        #expect(Self.run([Self.bytes("HTTP/1.1 404 Not Found\r\n\r\n")]).failure == .mountpointMissing("HTTP/1.1 404 Not Found"))
        // Cut short by the connection's end, with no ENDSOURCETABLE.
        let v2 = Self.bytes("HTTP/1.1 200 OK\r\nNtrip-Version: Ntrip/2.0\r\nContent-Type: gnss/sourcetable\r\n\r\nSTR;A;\r\nSTR;B;x;\r\nCAS;x\r\n")
        #expect(Self.run(Self.byteByByte(v2)).failure == .mountpointNotListed("HTTP/1.1 200 OK", ["A", "B"]))
        #expect(NTRIPResponseParser.Failure.mountpointNotListed("SOURCETABLE 200 OK", ["MNT"]).description
                == "the caster has no such mountpoint (SOURCETABLE 200 OK: the caster sent its sourcetable, listing MNT)")
    }

    @Test("A sourcetable larger than the part kept: read to the limit, then refused; never held whole")
    func hugeSourcetable() {
        var parser = NTRIPResponseParser()
        var data: [UInt8] = []
        var failure: NTRIPResponseParser.Failure?
        do {
            try parser.feed(Self.bytes("SOURCETABLE 200 OK\r\n\r\n"), data: &data)
            for i in 0..<100_000 { try parser.feed(Self.bytes("STR;M\(i);x;RTCM 3.2;;;;;;;;;;;;;;\r\n"), data: &data) }
        } catch {
            failure = error
        }
        guard case .mountpointNotListed(_, let listed) = failure else { Issue.record("\(String(describing: failure))"); return }
        #expect(listed.count > 1000 && listed.count < 4000 && listed.first == "M0" && data.isEmpty)
    }

    @Test("5xx and other statuses are reported with their status line")
    func otherStatuses() {
        #expect(Self.run([Self.bytes("HTTP/1.1 503 Service Unavailable\r\n\r\n")]).failure == .serverError("HTTP/1.1 503 Service Unavailable"))
        #expect(Self.run([Self.bytes("HTTP/1.1 409 Conflict\r\n\r\n")]).failure?.reason == "refused")
        #expect(Self.run([Self.bytes("HTTP/1.1 403 Forbidden\r\n\r\n")]).failure?.reason == "unauthorized")
    }

    @Test("Garbage instead of an answer: an error naming what came, printable")
    func garbage() {
        let r = Self.run([[0xD3, 0x00, 0x13, 0x0A] + Self.rtcm])
        #expect(r.failure?.reason == "protocol")
        #expect(Self.run([Self.bytes("SSH-2.0-OpenSSH_9.2\r\n")]).failure == .malformedAnswer("SSH-2.0-OpenSSH_9.2"))
        #expect(Self.run([Self.bytes("HTTP/1.1 2000 OK\r\n")]).failure?.reason == "protocol")
        #expect(Self.run([Self.bytes("HTTP/1.1 abc OK\r\n")]).failure?.reason == "protocol")
    }

    @Test("Oversized headers: a status line or a header that never ends, or too many header lines, is an error")
    func oversizedHeaders() {
        let endless = [UInt8](repeating: 0x41, count: NTRIPResponseParser.headerLimit + 1)
        #expect(Self.run([endless]).failure == .headerTooLong)
        var many = Self.bytes("HTTP/1.1 200 OK\r\n")
        for i in 0..<1000 { many += Self.bytes("X-Filler-\(i): 0123456789\r\n") }
        #expect(Self.run([many]).failure == .headerTooLong)
        // Fed in small pieces, the same: the parser holds no more than its limit.
        let pieces = stride(from: 0, to: many.count, by: 7).map { Array(many[$0..<min($0 + 7, many.count)]) }
        #expect(Self.run(pieces).failure == .headerTooLong)
        let icyText = Self.bytes("ICY 200 OK\r\n") + [UInt8](repeating: 0x42, count: NTRIPResponseParser.headerLimit)
        #expect(Self.run([icyText]).failure == .headerTooLong)
    }

    @Test("Bad chunking: a size that is not hexadecimal, negative, too long, or data not closed by CRLF")
    func badChunks() {
        let head = Self.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        #expect(Self.run([head + Self.bytes("zz\r\n")]).failure == .chunking(.badChunkSize("zz")))
        #expect(Self.run([head + Self.bytes("-5\r\n")]).failure?.reason == "protocol")
        #expect(Self.run([head + Self.bytes("+5\r\n")]).failure?.reason == "protocol")
        #expect(Self.run([head + Self.bytes("FFFFFFFFFF\r\n")]).failure?.reason == "protocol")
        #expect(Self.run([head + Self.bytes("2\r\nabXY")]).failure == .chunking(.missingChunkEnd))
        let long = head + [UInt8](repeating: 0x31, count: ChunkedTransferDecoder.sizeLineLimit + 1)
        #expect(Self.run([long]).failure == .chunking(.sizeLineTooLong))
    }

    @Test("Random bytes in random pieces never crash the parser and never yield data before an answer is accepted")
    func randomInput() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let count = Int.random(in: 0...600, using: &generator)
            let noise = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var prefixes = [[UInt8]()]
            prefixes += [Self.bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), Self.bytes("ICY 200 OK\r\n")]
            for prefix in prefixes {
                let whole = prefix + noise
                var pieces: [[UInt8]] = []
                var i = 0
                while i < whole.count {
                    let n = Int.random(in: 1...64, using: &generator)
                    pieces.append(Array(whole[i..<min(i + n, whole.count)]))
                    i += n
                }
                let r = Self.run(pieces)
                if prefix.isEmpty { #expect(r.data.isEmpty || r.status != nil) }
            }
        }
    }

    @Test("The request: NTRIP 2.0 with Host and Ntrip-Version, NTRIP 1.0 without; basic authentication as curl sends it")
    func request() throws {
        let mount = try #require(try? NTRIPMountpoint.parse("u:p@127.0.0.1:2101/MNT").get())
        let v2 = String(decoding: NTRIPRequest(mountpoint: mount, version: 2).bytes, as: UTF8.self)
        #expect(v2.hasPrefix("GET /MNT HTTP/1.1\r\n") && v2.hasSuffix("\r\n\r\n"))
        #expect(v2.contains("\r\nHost: 127.0.0.1:2101\r\n") && v2.contains("\r\nNtrip-Version: Ntrip/2.0\r\n"))
        // curl -u u:p sends "Authorization: Basic dTpw".
        #expect(v2.contains("\r\nAuthorization: Basic dTpw\r\n"))
        #expect(v2.contains("\r\nUser-Agent: NTRIP gnss-gateway/"))
        let v1 = String(decoding: NTRIPRequest(mountpoint: mount, version: 1).bytes, as: UTF8.self)
        #expect(v1.hasPrefix("GET /MNT HTTP/1.0\r\n") && !v1.contains("Ntrip-Version") && v1.contains("Authorization: Basic dTpw"))
        let anonymous = try #require(try? NTRIPMountpoint.parse("127.0.0.1:2101/MNT").get())
        #expect(!String(decoding: NTRIPRequest(mountpoint: anonymous, version: 2).bytes, as: UTF8.self).contains("Authorization"))
    }
}
