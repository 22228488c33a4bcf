import GNSSCore

/// A host and UDP/TCP port, as `host:port` in the configuration.
public struct NetworkAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6]:port`; nil when malformed.
    public init?(_ text: String) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(" "), let port = Int(portText), (1...65_535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One station the gateway listens to.
public struct StationConfiguration: Sendable, Hashable {
    public enum StreamFormat: String, Sendable, CaseIterable { case rtcm3, ubx, leo }
    public enum Role: String, Sendable, CaseIterable { case reference, rover }
    public enum Processing: String, Sendable, CaseIterable { case none, spp, rtk, ppp }

    public var name: String
    public var listen: NetworkAddress
    /// Source addresses allowed to send to this station (empty: any).
    public var allow: [String]
    public var format: StreamFormat
    public var role: Role
    /// Known antenna position (reference stations); nil to take it from the stream's 1005/1006.
    public var position: ECEF?
    public var processing: Processing
    /// The reference station an RTK rover is processed against.
    public var reference: String?
    /// Line of the station's entry in the file, for messages.
    public var line: Int
}

/// Everything `gatewayd run` needs, read from YAML by `ConfigurationLoader`.
public struct GatewayConfiguration: Sendable {
    public var gatewayID: String = "gateway"
    public var controlSocket: String = "/run/gatewayd/control.sock"
    public var metrics: NetworkAddress? = NetworkAddress(host: "127.0.0.1", port: 9464)
    public var stateDirectory: String = "/var/lib/gatewayd"
    public var spoolDirectory: String = "/var/lib/gatewayd/spool"
    public var spoolMaxBytes: Int = 1 << 30
    public var dpcAddress: NetworkAddress?
    public var dpcKeyFile: String?
    public var navigation: [String] = []
    public var sp3: [String] = []
    public var clock: [String] = []
    public var stations: [StationConfiguration] = []

    public init() {}
}
