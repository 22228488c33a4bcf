import DaemonSupport
import Yams

/// What `dpcd` needs: where to listen for gateways, where to store, the shared key, and the metrics address.
public struct DPCConfiguration: Sendable {
    public var listen = NetworkAddress(host: "0.0.0.0", port: 7001)
    public var store = "/var/lib/dpcd/store"
    public var metrics: NetworkAddress? = NetworkAddress(host: "127.0.0.1", port: 9465)
    /// The metrics endpoint's connections: cap, idle timeout, largest request.
    public var metricsLimits: ConnectionLimits = .metricsEndpoint
    /// Hex text of the shared key, inline or read from `keyFile`.
    public var key: String?
    public var keyFile: String?

    public init() {}

    /// The shared key the configuration names.
    public func sharedKey() throws(LinkConfigurationError) -> SharedKey {
        if let key { return try SharedKey(hex: key) }
        if let keyFile { return try SharedKey(file: keyFile) }
        throw LinkConfigurationError("no shared key configured")
    }

    public static func load(path: String) -> (configuration: DPCConfiguration?, problems: [ConfigurationProblem]) {
        let document = YAMLSettings.load(path: path)
        guard var checker = document.checker, let top = document.top else { return (nil, document.problems) }
        var c = DPCConfiguration()
        let e = checker.entries(top, allowed: ["listen", "store", "metrics", "key", "key_file"], context: "configuration")
        if let v = e["listen"]?.value, let a = checker.address(v, "listen") { c.listen = a }
        if let v = e["store"]?.value, let s = checker.string(v, "store") { c.store = s }
        if let v = e["metrics"]?.value { c.metrics = checker.metricsEndpoint(v, limits: &c.metricsLimits) }
        switch (e["key"]?.value, e["key_file"]?.value) {
        case (let k?, nil): c.key = checker.sharedKey(k, "key")
        case (nil, let k?): c.keyFile = checker.string(k, "key_file")
        case (_?, _?): checker.problem(line: 1, "give either key or key_file, not both")
        case (nil, nil): checker.problem(line: 1, "no shared key: give key (hex) or key_file")
        }
        return (checker.problems.isEmpty ? c : nil, checker.problems)
    }
}
