import DPCLink
import DaemonSupport
import GNSSNetwork
import JetStream
import Yams

/// What `dpcd` needs: where to listen for gateways, where to store, the shared key, the metrics address,
/// and how many connections it holds and for how long; or, instead of the direct link or beside it, the
/// JetStream cluster and durable consumer it takes the records from.
public struct DPCConfiguration: Sendable {
    /// The direct link serves gateways (off only when `jetstream` is given without `listen`, `key` or `key_file`).
    public var linkEnabled = true
    /// Records taken from a JetStream stream (`jetstream: {servers, stream, durable, …}`).
    public var jetStream: JetStreamSettings?
    public var listen = NetworkAddress(host: "0.0.0.0", port: 7001)
    public var store = "/var/lib/dpcd/store"
    public var metrics: NetworkAddress? = NetworkAddress(host: "127.0.0.1", port: 9465)
    /// The metrics endpoint's connections: cap, idle timeout, largest request.
    public var metricsLimits: ConnectionLimits = .metricsEndpoint
    /// Hex text of the shared key, inline or read from `keyFile`.
    public var key: String?
    public var keyFile: String?
    /// Connections held at once, authenticated or not (`max_connections`).
    public var maxConnections = 256
    /// Connections held at once from one peer address (`max_connections_per_address`).
    public var maxConnectionsPerAddress = 8
    /// Seconds a connection has to authenticate (`authentication_timeout`).
    public var authenticationTimeout = 10
    /// Seconds an authenticated connection may stay silent; gateways send a keep-alive every
    /// `LinkTiming.keepaliveInterval` (`idle_timeout`).
    public var idleTimeout = 60
    /// The network processing (`processing:`), off when not given.
    public var processing: NetworkProcessing.Settings?

    public init() {}

    /// The shared key the configuration names.
    public func sharedKey() throws(LinkConfigurationError) -> SharedKey {
        if let key { return try SharedKey(hex: key) }
        if let keyFile { return try SharedKey(file: keyFile) }
        throw LinkConfigurationError("no shared key configured")
    }

    /// The configuration when there is no problem, every problem found, and the warnings (settings that work but
    /// deserve the operator's attention).
    public static func load(path: String) -> (configuration: DPCConfiguration?, problems: [ConfigurationProblem], warnings: [ConfigurationProblem]) {
        let document = YAMLSettings.load(path: path)
        guard var checker = document.checker, let top = document.top else { return (nil, document.problems, []) }
        var c = DPCConfiguration()
        let e = checker.entries(top, allowed: ["listen", "store", "metrics", "key", "key_file", "max_connections",
                                               "max_connections_per_address", "authentication_timeout", "idle_timeout", "jetstream",
                                               "processing"],
                                context: "configuration")
        if let v = e["jetstream"]?.value {
            if case .mapping(let m) = v {
                c.jetStream = checker.jetStream(m, at: v, context: "jetstream", durable: true)
            } else {
                checker.problem(v, "jetstream must be a mapping (servers, stream, durable, replicas, subject_prefix)")
            }
            c.linkEnabled = e["listen"] != nil || e["key"] != nil || e["key_file"] != nil
        }
        if let v = e["listen"]?.value {
            if let a = checker.reachableAddress(v, "listen", serving: "the gateways' link") { c.listen = a }
        } else if c.linkEnabled {
            checker.warning(line: 1, "listen is not given: the gateways' link listens on \(c.listen), all interfaces; "
                                     + "give the address gateways reach unless that is meant")
        }
        if let v = e["store"]?.value, let s = checker.string(v, "store") { c.store = s }
        if let v = e["metrics"]?.value { c.metrics = checker.metricsEndpoint(v, limits: &c.metricsLimits) }
        if let v = e["max_connections"]?.value {
            if let n = v.int, (1...65_536).contains(n) { c.maxConnections = n } else { checker.problem(v, "max_connections must be a count from 1 to 65536") }
        }
        if let v = e["max_connections_per_address"]?.value {
            if let n = v.int, (1...65_536).contains(n) { c.maxConnectionsPerAddress = n } else {
                checker.problem(v, "max_connections_per_address must be a count from 1 to 65536")
            }
        }
        if let v = e["authentication_timeout"]?.value {
            if let n = v.int, (1...300).contains(n) { c.authenticationTimeout = n } else {
                checker.problem(v, "authentication_timeout must be whole seconds from 1 to 300")
            }
        }
        if let v = e["idle_timeout"]?.value {
            let least = Int(LinkTiming.keepaliveInterval.components.seconds) * 2
            if let n = v.int, (least...86_400).contains(n) { c.idleTimeout = n } else {
                checker.problem(v, "idle_timeout must be whole seconds from \(least) (twice the gateways' keep-alive interval) to 86400")
            }
        }
        if let v = e["processing"]?.value { c.processing = processingSettings(v, &checker) }
        switch (e["key"]?.value, e["key_file"]?.value) {
        case (let k?, nil): c.key = checker.sharedKey(k, "key")
        case (nil, let k?): c.keyFile = checker.sharedKeyFile(k, "key_file")
        case (_?, _?): checker.problem(line: 1, "give either key or key_file, not both")
        case (nil, nil):
            if c.linkEnabled {
                checker.problem(line: 1, "no shared key: give key (hex) or key_file"
                                + (e["jetstream"] == nil ? "" : " for the direct link, or leave listen out to take records from JetStream only"))
            }
        }
        return (checker.problems.isEmpty ? c : nil, checker.problems, checker.warnings)
    }

    /// `processing: {interval: 30, high_rate: 1, holdback: 2, leo: kinematic, ambiguities: float, ssr_output: HOST:PORT,
    /// record: DIRECTORY}`.
    private static func processingSettings(_ node: Node, _ checker: inout SettingsChecker) -> NetworkProcessing.Settings? {
        guard case .mapping(let m) = node else {
            checker.problem(node, "processing must be a mapping (interval, high_rate, holdback, leo, ambiguities, ssr_output, record)")
            return nil
        }
        var p = NetworkProcessing.Settings()
        let e = checker.entries(m, allowed: ["interval", "high_rate", "holdback", "leo", "ambiguities", "ssr_output", "record"],
                                context: "processing")
        if let v = e["interval"]?.value {
            let allowed = [1.0, 2, 5, 10, 15, 30, 60]
            if let d = v.float, allowed.contains(d) { p.interval = d } else {
                checker.problem(v, "processing interval must be one of \(allowed.map { String(Int($0)) }.joined(separator: ", ")) seconds")
            }
        }
        if let v = e["high_rate"]?.value {
            let allowed = [1.0, 2, 5, 10, 15].filter { p.interval > $0 && p.interval.truncatingRemainder(dividingBy: $0) == 0 }
            if let d = v.float, allowed.contains(d) { p.highRate = d } else {
                checker.problem(v, "processing high_rate must be one of \(allowed.map { String(Int($0)) }.joined(separator: ", ")) seconds "
                                + "(an SSR update interval dividing interval \(Int(p.interval)))")
            }
        }
        if let v = e["holdback"]?.value {
            if let d = v.float, (0...60).contains(d) { p.holdback = d } else { checker.problem(v, "processing holdback must be seconds from 0 to 60") }
        }
        if let v = e["leo"]?.value {
            if let mode = checker.string(v, "processing leo").flatMap(LEOProcessing.init(rawValue:)) { p.leo = mode } else {
                checker.problem(v, "processing leo must be one of \(LEOProcessing.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let v = e["ambiguities"]?.value {
            switch checker.string(v, "processing ambiguities") {
            case "float": p.fixAmbiguities = false
            case "fix-and-hold": p.fixAmbiguities = true
            default: checker.problem(v, "processing ambiguities must be float or fix-and-hold")
            }
        }
        if let v = e["ssr_output"]?.value { p.output = checker.address(v, "processing ssr_output") }
        if let v = e["record"]?.value { p.record = checker.string(v, "processing record") }
        return p
    }
}
