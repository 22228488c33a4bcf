import DaemonSupport

/// The gateway's own NTRIP caster (`caster:`): each reference station's corrections served at a mountpoint named
/// after the station, and the streams NTRIP servers push into `sources`, to the users listed, with every client's
/// memory bounded.
public struct CasterConfiguration: Sendable, Hashable {
    /// One user the caster lets in with basic authentication.
    public struct User: Sendable, Hashable {
        public var name: String
        public var password: String
        /// The mountpoints the user may stream; nil for all of them.
        public var mountpoints: Set<String>?

        public init(name: String, password: String, mountpoints: Set<String>? = nil) {
            self.name = name
            self.password = password
            self.mountpoints = mountpoints
        }

        /// Whether the user may stream `mountpoint`.
        public func may(stream mountpoint: String) -> Bool {
            mountpoints?.contains(mountpoint) ?? true
        }
    }

    /// A mountpoint an NTRIP server pushes its stream into (`sources:`): NTRIP 1.0 `SOURCE` with the password, or
    /// NTRIP 2.0 `POST` with basic authentication (the user name when one is given, the password always).
    public struct Source: Sendable, Hashable {
        public var mountpoint: String
        /// The user name a `POST` must give; nil takes any (NTRIP 1.0's `SOURCE` carries the password only).
        public var user: String?
        public var password: String

        public init(mountpoint: String, user: String? = nil, password: String) {
            self.mountpoint = mountpoint
            self.user = user
            self.password = password
        }
    }

    public var listen: NetworkAddress
    /// The inline `users:` and those of `users_file`, together.
    public var users: [User] = []
    /// Clients connected at once (streaming or still sending their request); one more is refused.
    public var maxClients = 100
    public static let maxClientsRange = 1...100_000
    /// A client's bytes not yet taken by its socket above which it is dropped as too slow.
    public var clientBufferBytes = 256 << 10
    public static let clientBufferRange = (16 << 10)...(64 << 20)
    /// A connection that has not sent its whole request after this many seconds is closed.
    public var requestTimeout = 10.0
    public static let requestTimeoutRange = 0.5...300.0
    /// The mountpoints NTRIP servers push into.
    public var sources: [Source] = []
    /// A pushing server that sends nothing for this many seconds is disconnected.
    public var sourceTimeout = 30.0
    public static let sourceTimeoutRange = 1.0...3600.0
    /// `tls:`: the PEM certificate chain and private key the caster serves TLS with (`https://`, `ntrips://`); nil
    /// for plain TCP.
    public var tls: (certificate: String, key: String)? {
        get { tlsCertificate.flatMap { c in tlsKey.map { (c, $0) } } }
        set { tlsCertificate = newValue?.certificate; tlsKey = newValue?.key }
    }
    private var tlsCertificate: String?
    private var tlsKey: String?
    /// Line of the `caster:` entry, for messages.
    public var line = 0

    public init(listen: NetworkAddress) {
        self.listen = listen
    }

    /// The user named `name` with `password`, if there is one. The password is compared in a time that does not
    /// depend on where it first differs, so that answers' timing tells nothing of it.
    public func user(_ name: String, password: String) -> User? {
        guard let user = users.first(where: { $0.name == name }), Self.same(Array(user.password.utf8), Array(password.utf8)) else { return nil }
        return user
    }

    /// The pushed mountpoint `mountpoint`, if the caster takes one there.
    public func source(_ mountpoint: String) -> Source? {
        sources.first { $0.mountpoint == mountpoint }
    }

    /// Whether a server may push into `source` with these credentials (`user` nil for NTRIP 1.0's `SOURCE`),
    /// compared as `user(_:password:)` does.
    public func admits(_ source: Source, user: String?, password: String) -> Bool {
        let passwordMatches = Self.same(Array(source.password.utf8), Array(password.utf8))
        guard let wanted = source.user, let user else { return passwordMatches && (source.user == nil || user == nil) }
        return Self.same(Array(wanted.utf8), Array(user.utf8)) && passwordMatches
    }

    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
