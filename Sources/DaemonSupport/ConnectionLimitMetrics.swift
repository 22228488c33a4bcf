import Prometheus

/// Why a server closed a connection at one of its `ConnectionLimits`: the label of `…_connections_closed_total`.
public enum ConnectionCloseReason: String, Sendable, CaseIterable {
    /// Refused: `maxConnections` were already open.
    case connectionLimit = "connection_limit"
    /// Nothing read or written for `idleTimeout`.
    case idle
    /// A request larger than `maxRequestBytes`.
    case requestTooLarge = "request_too_large"
}

/// The metrics of one bounded server, named after its prefix (`gateway_metrics`, `gateway_control`,
/// `dpc_metrics`): `PREFIX_connections` (open now), `PREFIX_connections_closed_total{reason}` (closed at
/// a limit) and `PREFIX_reads_paused_total` (connections no longer read while their client did not read
/// the replies).
public struct ConnectionLimitMetrics: Sendable {
    let open: Gauge
    let readsPaused: Counter
    private let closed: [ConnectionCloseReason: Counter]

    /// `server` names the server in the help texts, e.g. "the metrics endpoint".
    public init(registry: PrometheusCollectorRegistry, prefix: String, server: String) {
        open = registry.gauge("\(prefix)_connections", help: "Connections open to \(server)")
        readsPaused = registry.counter("\(prefix)_reads_paused_total",
                                       help: "Times \(server) stopped reading a connection whose client was not reading the replies")
        var closed: [ConnectionCloseReason: Counter] = [:]
        for reason in ConnectionCloseReason.allCases {
            closed[reason] = registry.counter("\(prefix)_connections_closed_total",
                                              help: "Connections \(server) closed at a limit: connection_limit (refused beyond the cap), idle, request_too_large",
                                              labels: [("reason", reason.rawValue)])
        }
        self.closed = closed
    }

    func closed(_ reason: ConnectionCloseReason) {
        closed[reason]?.increment()
    }
}
