import Foundation

/// What an NTRIP client asks of the caster, read from its request head (`GET /MOUNT HTTP/1.x`, header lines, a
/// blank line): the mountpoint, whether it speaks NTRIP 2.0 (`Ntrip-Version: Ntrip/2.0`) or NTRIP 1.0 (a
/// `User-Agent` starting with `NTRIP` and no version header), and its basic-authentication credentials. An NTRIP
/// server pushing a stream sends `SOURCE PASSWORD /MOUNT` (NTRIP 1.0; some servers leave out the `/`) or
/// `POST /MOUNT HTTP/1.1` with basic authentication (NTRIP 2.0, the body chunked or not).
struct CasterRequest: Equatable {
    enum Failure: Error, Equatable, CustomStringConvertible {
        case tooLong
        case malformed(String)
        case methodNotAllowed(String)

        var description: String {
            switch self {
            case .tooLong: "request head longer than \(CasterRequest.headLimit) bytes"
            case .malformed(let why): "malformed request: \(why)"
            case .methodNotAllowed(let method): "method \(method) not served (GET, SOURCE, POST)"
            }
        }
    }

    /// The longest request head read; a longer one is refused.
    static let headLimit = 8192

    enum Method: Equatable {
        /// A client reading a mountpoint or the sourcetable.
        case get
        /// An NTRIP 1.0 server pushing a stream, with its password.
        case source(password: String)
        /// An NTRIP 2.0 server pushing a stream.
        case post
    }

    var method: Method
    /// A `POST` body in chunks (`Transfer-Encoding: chunked`).
    var chunkedBody = false

    /// The requested path without its leading `/` and query: empty for the sourcetable.
    var mountpoint: String
    /// `HTTP/1.1` (chunked transfer may be used) rather than `HTTP/1.0`.
    var http11: Bool
    var ntripVersion2: Bool
    /// An NTRIP 1.0 client (its `User-Agent` starts with `NTRIP`, it sends no `Ntrip-Version`): it is answered
    /// `ICY 200 OK` and `SOURCETABLE 200 OK`; any other client gets HTTP answers.
    var ntrip1Client: Bool
    var user: String?
    var password: String?

    /// Whether `head` holds a complete request head (up to and with its blank line); the bytes that end it.
    static func headEnd(_ head: [UInt8]) -> Int? {
        var i = 0
        while i < head.count {
            if head[i] == 0x0A {
                if i + 1 < head.count, head[i + 1] == 0x0A { return i + 2 }
                if i + 2 < head.count, head[i + 1] == 0x0D, head[i + 2] == 0x0A { return i + 3 }
            }
            i += 1
        }
        return nil
    }

    /// Parses a complete request head.
    init(head: ArraySlice<UInt8>) throws(Failure) {
        guard head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20..<0x7F).contains($0) }) else {
            throw .malformed("bytes that are not ASCII text")
        }
        // Split as bytes: as text, CR LF is one character.
        let lines = head.split(separator: 0x0A).map { line in
            String(decoding: line.last == 0x0D ? line.dropLast() : line, as: UTF8.self)[...]
        }
        guard let first = lines.first else { throw .malformed("empty") }
        let words = first.split(separator: " ")
        guard words.count == 3 else { throw .malformed("request line '\(first.prefix(80))'") }
        if words[0] == "SOURCE" {
            // `SOURCE PASSWORD /MOUNT`: no protocol version; the answer is `ICY 200 OK`.
            method = .source(password: String(words[1]))
            let path = words[2].hasPrefix("/") ? words[2].dropFirst() : words[2]
            guard !path.isEmpty, !path.contains("/") else { throw .malformed("request line 'SOURCE … \(words[2].prefix(40))'") }
            mountpoint = String(path)
            http11 = false
        } else {
            switch words[0] {
            case "GET": method = .get
            case "POST": method = .post
            default: throw .methodNotAllowed(String(words[0].prefix(20)))
            }
            guard words[1].hasPrefix("/") else { throw .malformed("request line '\(first.prefix(80))'") }
            guard words[2] == "HTTP/1.0" || words[2] == "HTTP/1.1" else { throw .malformed("protocol '\(words[2].prefix(20))'") }
            let path = words[1].dropFirst().split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            mountpoint = String(path)
            http11 = words[2] == "HTTP/1.1"
        }
        var version2 = false, ntripAgent = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch name {
            case "ntrip-version":
                version2 = value.lowercased().hasPrefix("ntrip/2")
            case "user-agent", "source-agent":
                ntripAgent = value.uppercased().hasPrefix("NTRIP")
            case "transfer-encoding":
                chunkedBody = value.lowercased().contains("chunked")
            case "authorization":
                let parts = value.split(separator: " ", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "basic",
                      let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                      let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { continue }
                user = String(text[..<colon])
                password = String(text[text.index(after: colon)...])
            default:
                continue
            }
        }
        ntripVersion2 = version2
        ntrip1Client = !version2 && ntripAgent
    }
}
