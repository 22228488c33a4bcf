import DaemonSupport
import Foundation
import GNSSCore

/// Where a station's byte stream comes from: a UDP port the gateway listens on (`udp://HOST:PORT`, or `listen:`),
/// a TCP server the gateway connects to (`tcp://HOST:PORT`: a receiver's port, `str2str -out tcpsvr://`), or a
/// mountpoint of an NTRIP caster (`ntrip://[USER:PASSWORD@]HOST:PORT/MOUNT`, or `ntrips://…` over TLS), or the
/// corrections the DPC sends back over the gateway's link (`dpc://`).
public enum StationSource: Sendable, Hashable, CustomStringConvertible {
    case udp(NetworkAddress)
    case tcp(NetworkAddress)
    case ntrip(NTRIPMountpoint)
    case dpc

    /// The URL as logs and status show it: an NTRIP password is never written, only that there is one.
    public var description: String {
        switch self {
        case .udp(let a): "udp://\(a)"
        case .tcp(let a): "tcp://\(a)"
        case .ntrip(let m): m.description
        case .dpc: "dpc://"
        }
    }

    /// The address a UDP source listens on; nil for the sources the gateway connects to.
    public var listenAddress: NetworkAddress? {
        if case .udp(let a) = self { return a }
        return nil
    }

    /// The caster or server a client source connects to; nil for UDP.
    public var remoteAddress: NetworkAddress? {
        switch self {
        case .udp, .dpc: nil
        case .tcp(let a): a
        case .ntrip(let m): m.caster
        }
    }

    /// Why a source URL was refused, in words for the configuration's error message.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Parses a source URL.
    public static func parse(_ text: String) -> Result<StationSource, Refusal> {
        guard let schemeEnd = text.range(of: "://") else {
            return .failure(Refusal(description: "source '\(redacted(text))' must be a URL: udp://HOST:PORT, tcp://HOST:PORT or ntrip://[USER:PASSWORD@]HOST:PORT/MOUNT"))
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        let rest = String(text[schemeEnd.upperBound...])
        switch scheme {
        case "udp", "tcp":
            guard let address = NetworkAddress(rest), !rest.contains("/"), !rest.contains("@") else {
                return .failure(Refusal(description: "source '\(text)': \(scheme):// needs HOST:PORT with a port 1–65535, nothing else"))
            }
            return .success(scheme == "udp" ? .udp(address) : .tcp(address))
        case "ntrip":
            return NTRIPMountpoint.parse(rest).map { .ntrip($0) }
        case "ntrips":
            return NTRIPMountpoint.parse(rest, secure: true).map { .ntrip($0) }
        case "dpc":
            guard rest.isEmpty else { return .failure(Refusal(description: "source '\(text)': dpc:// takes nothing after it (the DPC of dpc.address)")) }
            return .success(.dpc)
        default:
            return .failure(Refusal(description: "source '\(redacted(text))': unknown scheme '\(scheme)' (udp, tcp, ntrip, ntrips or dpc)"))
        }
    }

    /// `text` with anything between `://` and the last `@` before the path replaced, for messages about a bad URL.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@") else { return text }
        let user = authority[..<at].prefix { $0 != ":" }
        return String(text[..<schemeEnd.upperBound]) + user + (authority[..<at].contains(":") ? ":***" : "") + String(text[at...])
    }
}

/// An NTRIP caster's mountpoint and the credentials to read it.
public struct NTRIPMountpoint: Sendable, Hashable, CustomStringConvertible {
    public var caster: NetworkAddress
    public var mountpoint: String
    public var user: String?
    public var password: String?
    /// `ntrips://`: the connection is TLS, the caster's certificate verified.
    public var secure: Bool

    public init(caster: NetworkAddress, mountpoint: String, user: String? = nil, password: String? = nil, secure: Bool = false) {
        self.caster = caster
        self.mountpoint = mountpoint
        self.user = user
        self.password = password
        self.secure = secure
    }

    /// `ntrip://USER:***@HOST:PORT/MOUNT` (or `ntrips://`): the password never appears.
    public var description: String {
        let credentials = user.map { $0 + (password == nil ? "" : ":***") + "@" } ?? (password == nil ? "" : ":***@")
        return "\(secure ? "ntrips" : "ntrip")://\(credentials)\(caster)/\(mountpoint)"
    }

    /// Parses `[USER[:PASSWORD]@]HOST:PORT/MOUNT` (the URL after `ntrip://`); user and password may be
    /// percent-encoded, the mountpoint is letters, digits, `-`, `_` and `.`. With `passwordOnly`, `:PASSWORD@` (no
    /// user, as an NTRIP 1.0 server gives it) is taken too.
    static func parse(_ text: String, secure: Bool = false, passwordOnly: Bool = false) -> Result<NTRIPMountpoint, StationSource.Refusal> {
        let scheme = secure ? "ntrips://" : "ntrip://"
        let shown = StationSource.redacted(scheme + text)
        func refuse(_ why: String) -> Result<NTRIPMountpoint, StationSource.Refusal> {
            .failure(StationSource.Refusal(description: "source '\(shown)': \(why)"))
        }
        guard let slash = text.firstIndex(of: "/") else { return refuse("\(scheme) needs a mountpoint: \(scheme)[USER:PASSWORD@]HOST:PORT/MOUNT") }
        let authority = text[..<slash]
        let mount = String(text[text.index(after: slash)...])
        guard !mount.isEmpty, mount.count <= 100,
              mount.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            return refuse("the mountpoint must be 1 to 100 letters, digits, '-', '_' or '.'")
        }
        var user: String?, password: String?
        var hostPort = Substring(authority)
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            hostPort = authority[authority.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let u = String(parts[0]).removingPercentEncoding, !u.isEmpty || (passwordOnly && parts.count == 2) else {
                return refuse("the user name is empty or badly percent-encoded")
            }
            user = u.isEmpty ? nil : u
            if parts.count == 2 {
                guard let p = String(parts[1]).removingPercentEncoding else { return refuse("the password is badly percent-encoded") }
                password = p
            }
            if ((user ?? "") + (password ?? "")).contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 } == true }) {
                return refuse("the user name and password must not hold control characters")
            }
        }
        guard let caster = NetworkAddress(String(hostPort)) else { return refuse("the caster must be HOST:PORT with a port 1–65535") }
        return .success(NTRIPMountpoint(caster: caster, mountpoint: mount, user: user, password: password, secure: secure))
    }
}

/// How a station reads an NTRIP mountpoint beyond its URL.
public struct NTRIPOptions: Sendable, Hashable {
    /// 2: HTTP/1.1 with `Ntrip-Version: Ntrip/2.0` (chunked answers decoded); 1: the NTRIP 1.0 request.
    public var version = 2
    /// Where to say the user is, in an NMEA GGA sentence sent upstream every `ggaInterval` seconds
    /// (for mountpoints that need it: network RTK, nearest-station casters); nil sends none.
    public var ggaPosition: Geodetic?
    /// GGA from the station's own latest solution (else its configured `position`, else `ggaPosition`); none is
    /// sent while there is no position yet.
    public var ggaFromSolution = false
    public var ggaInterval: Double = 10
    /// `ntrips://`: a PEM file of the certificates the caster's must chain to; nil for the system's trust store.
    public var trustAnchor: String?
    /// Whether the caster's sourcetable is fetched (`GET /`) and checked for the mountpoint before the first
    /// connection to it and after the caster said it has none; off for casters that serve no sourcetable.
    public var sourcetable = true

    public init() {}
}
