import DaemonSupport
import Prometheus

/// The DPC's counters, named `dpc_…`.
public struct DPCMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let stored: Counter
    let duplicates: Counter
    let acknowledgements: Counter
    let protocolErrors: Counter
    let links: Gauge
    public let storeBytes: Gauge

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        stored = registry.counter("dpc_records_stored_total", help: "Records stored durably")
        duplicates = registry.counter("dpc_records_duplicate_total", help: "Records received again and not stored twice")
        acknowledgements = registry.counter("dpc_acknowledgements_sent_total", help: "Acknowledgements sent after fsync")
        protocolErrors = registry.counter("dpc_protocol_errors_total", help: "Connections closed for a protocol error")
        links = registry.gauge("dpc_links_authenticated", help: "Gateways connected and authenticated")
        storeBytes = registry.gauge("dpc_store_bytes", help: "Bytes in the store's segment files")
    }

    func refused(_ reason: String) {
        registry.counter("dpc_links_refused_total", help: "Connections refused (wrong key, no authentication in time, bad protocol)", labels: [("reason", reason)]).increment()
    }
}
