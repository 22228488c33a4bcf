import Foundation
import NIOCore

/// A socket a daemon could not listen on, said so an operator can act: which socket it is for, its address,
/// the system's reason, and what to do about it.
public struct ListenError: Error, CustomStringConvertible {
    public enum Transport: String, Sendable {
        case udp = "UDP", tcp = "TCP", unix = "Unix socket"
    }

    /// What the socket is for: `station DEMO`, `the metrics endpoint`, `the control socket`, `the DPC link`.
    public var purpose: String
    public var transport: Transport
    /// `HOST:PORT`, or the path of a Unix socket.
    public var address: String
    /// The configuration key that sets the address, named in the advice.
    public var setting: String
    /// The errno of the failed call, when the failure was a system call's.
    public var code: Int32?
    /// The failure as its thrower described it, when it was not a system call's.
    public var detail: String?

    public init(purpose: String, transport: Transport, address: String, setting: String, underlying: any Error) {
        self.purpose = purpose
        self.transport = transport
        self.address = address
        self.setting = setting
        if let io = underlying as? IOError {
            code = io.errnoCode
        } else {
            detail = "\(underlying)"
        }
    }

    public var description: String {
        let reason = code.map { "\(String(cString: strerror($0))) (errno \($0))" } ?? detail ?? "unknown reason"
        return "cannot listen for \(purpose) on \(transport.rawValue) \(address): \(reason); \(advice)"
    }

    var port: String? {
        guard transport != .unix, let colon = address.lastIndex(of: ":") else { return nil }
        return String(address[address.index(after: colon)...])
    }

    /// What to do about it, by errno.
    var advice: String {
        let change = "change `\(setting)` in the configuration"
        switch code {
        case EADDRINUSE?:
            if let port {
                let ss = transport == .udp ? "ss -ulpn 'sport = :\(port)'" : "ss -tlpn 'sport = :\(port)'"
                return "another process is using it (`\(ss)` shows which; an instance already running?): stop it or \(change)"
            }
            return "another process is using it: stop it or \(change)"
        case EACCES?:
            if transport == .unix { return "this user may not create it there: check the directory's owner and mode, or \(change)" }
            return "ports below 1024 need the CAP_NET_BIND_SERVICE capability: use a port of 1024 or more, or \(change)"
        case EADDRNOTAVAIL?:
            return "no network interface of this machine has that address (`ip address` lists them): \(change)"
        case ENOENT?:
            return "its directory does not exist: create it or \(change)"
        default:
            return "check `\(setting)` in the configuration"
        }
    }
}
