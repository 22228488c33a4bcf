/// A caster a station's corrections are pushed to (`push:`), as an NTRIP server: NTRIP 1.0 sends `SOURCE PASSWORD
/// /MOUNT`, NTRIP 2.0 `POST /MOUNT` with basic authentication and the stream in chunks; `ntrips://` over TLS, the
/// caster's certificate checked against `trustAnchor` (else the system's trust store).
public struct PushTarget: Sendable, Hashable, CustomStringConvertible {
    public var mountpoint: NTRIPMountpoint
    /// 1: `SOURCE`; 2: `POST` with `Ntrip-Version: Ntrip/2.0`.
    public var version = 2
    public var trustAnchor: String?

    public init(mountpoint: NTRIPMountpoint, version: Int = 2, trustAnchor: String? = nil) {
        self.mountpoint = mountpoint
        self.version = version
        self.trustAnchor = trustAnchor
    }

    /// The URL without its password, for logs, status and metrics.
    public var description: String { mountpoint.description }
}
