import Yams

/// Reading a server's `ConnectionLimits` from the daemons' configuration files.
extension SettingsChecker {
    /// The settings of a server's mapping that set its limits.
    public static let connectionLimitKeys: Set<String> = ["max_connections", "idle_timeout", "max_request_bytes"]

    /// `max_connections`, `idle_timeout` (seconds) and `max_request_bytes` from a server's mapping
    /// (`context` names it in messages); the others keep their value in `defaults`.
    public mutating func connectionLimits(_ e: [String: (key: Node, value: Node)], context: String,
                                          defaults: ConnectionLimits) -> ConnectionLimits {
        var limits = defaults
        if let v = e["max_connections"]?.value {
            if let n = v.int, (1...100_000).contains(n) { limits.maxConnections = n } else {
                problem(v, "\(context).max_connections must be a whole number from 1 to 100000")
            }
        }
        if let v = e["idle_timeout"]?.value {
            if let s = v.float, s >= 0.1, s <= 86_400 { limits.idleTimeout = .milliseconds(Int64((s * 1000).rounded())) } else {
                problem(v, "\(context).idle_timeout must be seconds from 0.1 to 86400")
            }
        }
        if let v = e["max_request_bytes"]?.value {
            if let n = v.int, (256...(16 << 20)).contains(n) { limits.maxRequestBytes = n } else {
                problem(v, "\(context).max_request_bytes must be a byte count from 256 to 16 MiB")
            }
        }
        return limits
    }

    /// `metrics: HOST:PORT | off`, or as a mapping `listen: HOST:PORT | off` with the endpoint's limits
    /// (`connectionLimitKeys`), which are set in `limits`. The address, nil when off.
    public mutating func metricsEndpoint(_ n: Node, limits: inout ConnectionLimits) -> NetworkAddress? {
        guard case .mapping(let m) = n else {
            return n.string == "off" ? nil : reachableAddress(n, "metrics", serving: "the metrics")
        }
        let e = entries(m, allowed: Self.connectionLimitKeys.union(["listen"]), context: "metrics")
        limits = connectionLimits(e, context: "metrics", defaults: limits)
        guard let listen = e["listen"]?.value else {
            problem(n, "metrics needs a listen address (host:port, or off)")
            return nil
        }
        return listen.string == "off" ? nil : reachableAddress(listen, "metrics.listen", serving: "the metrics")
    }

    /// A listen address, with a warning when it is every interface's: whatever can reach the host reaches `serving`.
    public mutating func reachableAddress(_ n: Node, _ what: String, serving: String) -> NetworkAddress? {
        guard let a = address(n, what) else { return nil }
        if a.isAllInterfaces {
            warning(n, "\(what) \(a) listens on all interfaces: \(serving) can be reached from any network this host is on; "
                       + "give a loopback or management address unless that is meant")
        }
        return a
    }
}
