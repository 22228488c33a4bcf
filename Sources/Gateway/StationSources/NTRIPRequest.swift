import DaemonSupport
import Foundation

/// The request an NTRIP client sends for a mountpoint: NTRIP 2.0 is HTTP/1.1 with `Ntrip-Version: Ntrip/2.0` and
/// a `Host`; NTRIP 1.0 is the HTTP/1.0-like request casters from before it still expect. Both carry the basic
/// authentication and a `User-Agent` starting with `NTRIP`, as casters require.
struct NTRIPRequest {
    var mountpoint: NTRIPMountpoint
    var version: Int

    static let userAgent = "NTRIP gnss-gateway/\(SoftwareVersion.number)"

    var bytes: [UInt8] {
        var lines: [String]
        if version == 1 {
            lines = ["GET /\(mountpoint.mountpoint) HTTP/1.0", "User-Agent: \(Self.userAgent)", "Accept: */*"]
        } else {
            lines = ["GET /\(mountpoint.mountpoint) HTTP/1.1", "Host: \(mountpoint.caster)", "Ntrip-Version: Ntrip/2.0",
                     "User-Agent: \(Self.userAgent)", "Accept: */*", "Connection: close"]
        }
        if let user = mountpoint.user {
            let token = Data((user + ":" + (mountpoint.password ?? "")).utf8).base64EncodedString()
            lines.append("Authorization: Basic \(token)")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}
