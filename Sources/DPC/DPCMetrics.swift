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
    let connections: Gauge
    let idleClosed: Counter
    let newGenerations: Counter
    let sequenceRegressions: Counter
    public let storeBytes: Gauge
    let jetStreamUp: Gauge
    let jetStreamRejected: Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        stored = registry.counter("dpc_records_stored_total", help: "Records stored durably")
        duplicates = registry.counter("dpc_records_duplicate_total", help: "Records received again and not stored twice")
        acknowledgements = registry.counter("dpc_acknowledgements_sent_total", help: "Acknowledgements sent after fsync")
        protocolErrors = registry.counter("dpc_protocol_errors_total", help: "Authenticated connections closed for a protocol error")
        links = registry.gauge("dpc_links_authenticated", help: "Gateways connected and authenticated")
        connections = registry.gauge("dpc_connections_open", help: "TCP connections open, authenticated or not")
        idleClosed = registry.counter("dpc_links_idle_closed_total", help: "Authenticated links closed after staying silent past idle_timeout")
        newGenerations = registry.counter("dpc_gateway_generations_new_total",
                                          help: "A known gateway authenticated with a spool generation new to the store (its spool started over)")
        sequenceRegressions = registry.counter("dpc_sequence_regressions_total",
                                               help: "A gateway's last sequence was below what the store holds for its generation (told to start a new one)")
        storeBytes = registry.gauge("dpc_store_bytes", help: "Bytes in the store's segment files")
        jetStreamUp = registry.gauge("dpc_jetstream_up", help: "1 while the JetStream consumer is connected and taking records in")
        jetStreamRejected = registry.counter("dpc_jetstream_rejected_total",
                                             help: "JetStream messages dropped as not records (no or a bad message id, an undecodable body)")
        for reason in Self.refusalReasons { _ = refusals(reason) }
    }

    static let refusalReasons = ["bad_key", "timeout", "version", "protocol", "oversize", "connection_limit", "address_limit"]

    /// Connections refused, by reason: `bad_key`, `timeout` (no authentication in time), `version`,
    /// `protocol` (unexpected or malformed frames, random bytes), `oversize` (a frame beyond the limit
    /// before authentication), `connection_limit`, `address_limit`.
    func refused(_ reason: String) { refusals(reason).increment() }

    private func refusals(_ reason: String) -> Counter {
        registry.counter("dpc_links_refused_total", help: "Connections refused before authentication completed, by reason",
                         labels: [("reason", reason)])
    }
}
