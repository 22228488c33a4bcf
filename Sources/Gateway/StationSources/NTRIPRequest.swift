import DaemonSupport
import Foundation

/// The request an NTRIP client sends for a mountpoint: NTRIP 2.0 is HTTP/1.1 with `Ntrip-Version: Ntrip/2.0` and
/// a `Host`; NTRIP 1.0 is the HTTP/1.0-like request casters from before it still expect. Both carry the basic
/// authentication and a `User-Agent` starting with `NTRIP`, as casters require. With `push`, the request of an NTRIP
/// server that sends a stream into the mountpoint: NTRIP 1.0's `SOURCE PASSWORD /MOUNT` with a `Source-Agent`, or
/// NTRIP 2.0's `POST /MOUNT` with the stream in chunks. With `sourcetable`, the same request for the caster's
/// sourcetable (`GET /`).
struct NTRIPRequest {
    var mountpoint: NTRIPMountpoint
    var version: Int
    var push = false
    var sourcetable = false

    /// The path asked for, without its leading `/`.
    private var path: String { sourcetable ? "" : mountpoint.mountpoint }

    static let userAgent = "NTRIP gnss-gateway/\(SoftwareVersion.number)"

    var bytes: [UInt8] {
        var lines: [String]
        if push && version == 1 {
            lines = ["SOURCE \(mountpoint.password ?? "") /\(mountpoint.mountpoint)", "Source-Agent: \(Self.userAgent)"]
            return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
        } else if push {
            lines = ["POST /\(mountpoint.mountpoint) HTTP/1.1", "Host: \(mountpoint.caster)", "Ntrip-Version: Ntrip/2.0",
                     "User-Agent: \(Self.userAgent)", "Content-Type: gnss/data", "Transfer-Encoding: chunked", "Connection: close"]
        } else if version == 1 {
            lines = ["GET /\(path) HTTP/1.0", "User-Agent: \(Self.userAgent)", "Accept: */*"]
        } else {
            lines = ["GET /\(path) HTTP/1.1", "Host: \(mountpoint.caster)", "Ntrip-Version: Ntrip/2.0",
                     "User-Agent: \(Self.userAgent)", "Accept: */*", "Connection: close"]
        }
        if mountpoint.user != nil || push {
            let token = Data(((mountpoint.user ?? "") + ":" + (mountpoint.password ?? "")).utf8).base64EncodedString()
            lines.append("Authorization: Basic \(token)")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }
}
