import Foundation

/// A caster's answer to a mountpoint request, read as bytes arrive: the status line, the header lines, then the
/// stream (decoded from chunks when the answer says so). NTRIP 1.0 casters answer `ICY 200 OK` and may go straight
/// to the data with no blank line (RTKLIB's caster does); NTRIP 2.0 casters answer `HTTP/1.1 200 OK`, usually
/// chunked. A sourcetable instead of the stream (`SOURCETABLE 200 OK`, or a 200 with `Content-Type:
/// gnss/sourcetable`) or a 404 means the mountpoint is not there; the sourcetable is read to its end (at most
/// `sourcetableLimit` bytes kept) so the error can say which mountpoints the caster has. The header is held only up to
/// `headerLimit` bytes. Made `fetchingSourcetable`, it reads the answer to a sourcetable request (`GET /`): the
/// sourcetable is kept whole (up to `fetchedSourcetableLimit`) and its end is no refusal.
struct NTRIPResponseParser {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case unauthorized(String)
        case mountpointMissing(String)
        /// The caster answered with its sourcetable, which lists these mountpoints (its STR records).
        case mountpointNotListed(String, [String])
        case serverError(String)
        case refused(String)
        case malformedAnswer(String)
        case headerTooLong
        case sourcetableTooLong
        case chunking(ChunkedTransferDecoder.Failure)

        /// The metrics label: `unauthorized`, `mountpoint_missing`, `server_error`, `refused` or `protocol`.
        var reason: String {
            switch self {
            case .unauthorized: "unauthorized"
            case .mountpointMissing, .mountpointNotListed: "mountpoint_missing"
            case .serverError: "server_error"
            case .refused: "refused"
            case .malformedAnswer, .headerTooLong, .sourcetableTooLong, .chunking: "protocol"
            }
        }

        var description: String {
            switch self {
            case .unauthorized(let status): "the caster refused the credentials (\(status)): check the user and password"
            case .mountpointMissing(let status): "the caster has no such mountpoint (\(status))"
            case .mountpointNotListed(let status, let listed):
                "the caster has no such mountpoint (\(status): the caster sent its sourcetable" + (listed.isEmpty ? ", listing none)"
                    : ", listing \(listed.prefix(12).joined(separator: ", "))\(listed.count > 12 ? " and \(listed.count - 12) more" : ""))")
            case .serverError(let status): "the caster failed (\(status))"
            case .refused(let status): "the caster refused the request (\(status))"
            case .malformedAnswer(let start): "not an NTRIP answer: '\(start)'"
            case .headerTooLong: "the caster's answer header is longer than \(NTRIPResponseParser.headerLimit) bytes"
            case .sourcetableTooLong: "the caster's sourcetable is longer than \(NTRIPResponseParser.fetchedSourcetableLimit / 1_048_576) MiB"
            case .chunking(let f): "bad chunked stream: \(f)"
            }
        }
    }

    static let headerLimit = 8192
    /// The part of a sourcetable kept to name its mountpoints in the error; the rest is read and dropped.
    static let sourcetableLimit = 65_536
    /// The largest sourcetable a sourcetable request takes.
    static let fetchedSourcetableLimit = 1_048_576

    private enum State {
        case statusLine
        case headers
        /// After `ICY 200 OK`: header lines if the caster sends some, a blank line if it sends one, else the data.
        case afterICY
        case stream
        case chunked
        /// A sourcetable where the stream was asked for: read to `ENDSOURCETABLE` or the connection's end.
        case sourcetable
    }

    private var state = State.statusLine
    private var pending: [UInt8] = []
    private var headerBytes = 0
    private var chunkedBody = false
    private var sourcetable = false
    /// The answer's status line, once read.
    private(set) var status = ""
    private var chunks = ChunkedTransferDecoder()
    /// The sourcetable read so far (chunking taken off).
    private(set) var table: [UInt8] = []
    private let fetchingSourcetable: Bool

    /// Whether the answer is a sourcetable (`SOURCETABLE 200 OK`, or a 200 with `Content-Type: gnss/sourcetable`),
    /// once its header has said so.
    var isSourcetable: Bool { sourcetable }
    /// Whether a fetched sourcetable has reached `ENDSOURCETABLE`.
    private(set) var sourcetableEnded = false

    init(fetchingSourcetable: Bool = false) {
        self.fetchingSourcetable = fetchingSourcetable
    }

    /// The accepted answer's status line (`ICY 200 OK`, `HTTP/1.1 200 OK`) once the stream has begun; nil before.
    private(set) var acceptedStatus: String?

    /// Whether a chunked body has ended (the caster closed the stream on purpose).
    var streamEnded: Bool { chunkedBody && chunks.isFinished }

    /// Reads `bytes`, appending what belongs to the stream to `data`; throws when the answer is a refusal or is
    /// not an NTRIP answer at all.
    mutating func feed<C: Collection>(_ bytes: C, data: inout [UInt8]) throws(Failure) where C.Element == UInt8 {
        switch state {
        case .stream:
            data.append(contentsOf: bytes)
            return
        case .chunked:
            do { try chunks.decode(bytes, into: &data) } catch { throw .chunking(error) }
            return
        case .sourcetable:
            if chunkedBody {
                var decoded: [UInt8] = []
                do { try chunks.decode(bytes, into: &decoded) } catch { throw .chunking(error) }
                try readSourcetable(decoded)
            } else {
                try readSourcetable(bytes)
            }
            return
        case .statusLine, .headers, .afterICY:
            pending.append(contentsOf: bytes)
        }
        try advance(data: &data)
    }

    /// The connection ended: the refusal a sourcetable being read amounts to, if one was being read.
    func finish() -> Failure? {
        sourcetable && acceptedStatus == nil ? .mountpointNotListed(status, Self.mountpoints(table)) : nil
    }

    private mutating func readSourcetable<C: Collection>(_ bytes: C) throws(Failure) where C.Element == UInt8 {
        if fetchingSourcetable {
            guard !sourcetableEnded else { return }
            if table.count + bytes.count > Self.fetchedSourcetableLimit { throw .sourcetableTooLong }
            table.append(contentsOf: bytes)
            sourcetableEnded = String(decoding: table.suffix(bytes.count + 16), as: UTF8.self).contains("ENDSOURCETABLE")
            return
        }
        let room = Self.sourcetableLimit - table.count
        if room > 0 { table.append(contentsOf: bytes.prefix(room)) }
        // The end marker may straddle two reads: look at the kept tail only.
        let tail = table.suffix(bytes.count + 16)
        if String(decoding: tail, as: UTF8.self).contains("ENDSOURCETABLE") || table.count >= Self.sourcetableLimit {
            throw .mountpointNotListed(status, Self.mountpoints(table))
        }
    }

    /// The mountpoints of a sourcetable's STR records (`STR;MOUNT;…`).
    static func mountpoints(_ table: [UInt8]) -> [String] {
        SourcetableEntry.entries(table).map { String($0.mountpoint.prefix(100)) }
    }

    private mutating func advance(data: inout [UInt8]) throws(Failure) {
        while true {
            switch state {
            case .stream, .chunked, .sourcetable:
                let rest = pending
                pending = []
                if !rest.isEmpty { try feed(rest, data: &data) }
                return
            case .statusLine:
                guard let line = try nextLine() else { return }
                try readStatus(line)
            case .headers:
                guard let line = try nextLine() else { return }
                if line.isEmpty {
                    if sourcetable {
                        state = .sourcetable
                        continue
                    }
                    acceptedStatus = status
                    state = chunkedBody ? .chunked : .stream
                } else {
                    readHeader(line)
                }
            case .afterICY:
                guard let first = pending.first else { return }
                if first == 0x0D || first == 0x0A {
                    // A blank line ends the (empty) header.
                    guard first == 0x0A || pending.count >= 2 else { return }
                    pending.removeFirst(first == 0x0D && pending[1] == 0x0A ? 2 : 1)
                    state = .stream
                } else if !Self.isText(first) {
                    state = .stream
                } else if let end = pending.firstIndex(of: 0x0A) {
                    let candidate = pending[..<end]
                    if candidate.allSatisfy({ Self.isText($0) || $0 == 0x0D }), candidate.contains(0x3A) {
                        _ = try nextLine()
                    } else {
                        state = .stream
                    }
                } else if !pending.allSatisfy({ Self.isText($0) || $0 == 0x0D }) {
                    state = .stream
                } else if pending.count + headerBytes > Self.headerLimit {
                    throw .headerTooLong
                } else {
                    return
                }
            }
        }
    }

    /// The next header line without its line end (CRLF or a bare LF), or nil until one is complete.
    private mutating func nextLine() throws(Failure) -> [UInt8]? {
        guard let end = pending.firstIndex(of: 0x0A) else {
            if headerBytes + pending.count > Self.headerLimit { throw .headerTooLong }
            return nil
        }
        headerBytes += end + 1
        if headerBytes > Self.headerLimit { throw .headerTooLong }
        var line = Array(pending[..<end])
        pending.removeFirst(end + 1)
        if line.last == 0x0D { line.removeLast() }
        return line
    }

    private mutating func readStatus(_ line: [UInt8]) throws(Failure) {
        let text = Self.printable(line)
        status = text
        if text.hasPrefix("ICY 200") {
            acceptedStatus = text
            state = .afterICY
            return
        }
        if text.hasPrefix("SOURCETABLE 200") {
            state = .headers
            sourcetable = true
            return
        }
        let words = text.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[0].hasPrefix("HTTP/1."), words[0].count == 8, let code = Int(words[1]), (100...599).contains(code) else {
            throw .malformedAnswer(String(text.prefix(40)))
        }
        switch code {
        case 200: state = .headers
        case 401, 403: throw .unauthorized(text)
        case 404: throw .mountpointMissing(text)
        case 500...599: throw .serverError(text)
        default: throw .refused(text)
        }
    }

    private mutating func readHeader(_ line: [UInt8]) {
        let text = Self.printable(line)
        guard let colon = text.firstIndex(of: ":") else { return }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces).lowercased()
        if name == "transfer-encoding", value.contains("chunked") { chunkedBody = true }
        if name == "content-type", value.hasPrefix("gnss/sourcetable") { sourcetable = true }
    }

    private static func isText(_ b: UInt8) -> Bool { (0x20..<0x7F).contains(b) || b == 0x09 }

    /// A line as text for messages: bytes outside printable ASCII shown as `?`.
    private static func printable<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        String(decoding: bytes.prefix(200).map { isText($0) ? $0 : 0x3F }, as: UTF8.self)
    }
}
