import Prometheus

/// The metrics of each push target, labelled by station and target (its URL without the password):
/// `gateway_push_connected`, `gateway_push_reconnects_total`, `gateway_push_bytes_total`,
/// `gateway_push_dropped_bytes_total` and `gateway_push_errors_total{reason}`.
extension GatewayMetrics {
    /// Why a push connection ended or failed, each a series from the start.
    static let pushErrorReasons = ["connect_failed", "closed", "unauthorized", "mountpoint_missing", "server_error", "refused", "protocol", "tls"]

    func pushConnected(_ station: String, _ target: String) -> Gauge {
        registry.gauge("gateway_push_connected", help: "1 while a station's corrections stream to a push target's caster",
                       labels: [("station", station), ("target", target)])
    }

    func pushReconnects(_ station: String, _ target: String) -> Counter {
        registry.counter("gateway_push_reconnects_total", help: "Connection attempts to a push target's caster after the first",
                         labels: [("station", station), ("target", target)])
    }

    func pushBytes(_ station: String, _ target: String) -> Counter {
        registry.counter("gateway_push_bytes_total", help: "Correction bytes written to a push target's caster",
                         labels: [("station", station), ("target", target)])
    }

    func pushDropped(_ station: String, _ target: String) -> Counter {
        registry.counter("gateway_push_dropped_bytes_total",
                         help: "Correction bytes not pushed: the target was not streaming, or its unsent bytes were at the bound",
                         labels: [("station", station), ("target", target)])
    }

    func pushErrors(_ station: String, _ target: String, reason: String) -> Counter {
        registry.counter("gateway_push_errors_total", help: "Connections to a push target's caster that failed or ended, by reason",
                         labels: [("station", station), ("target", target), ("reason", reason)])
    }
}
