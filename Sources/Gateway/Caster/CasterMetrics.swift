import Prometheus

/// The caster's metrics: `gateway_caster_clients{mountpoint}` (streaming now), `gateway_caster_bytes_total{mountpoint}`
/// (written to clients), `gateway_caster_published_bytes_total{mountpoint}` (the station's frames offered to its
/// clients), `gateway_caster_refused_total{reason}` and `gateway_caster_slow_clients_dropped_total`.
struct CasterMetrics: Sendable {
    /// Why a connection was refused or closed before it streamed.
    enum Refusal: String, Sendable, CaseIterable {
        /// `max_clients` were connected already.
        case clientLimit = "client_limit"
        /// No credentials, wrong ones, or a user not allowed the mountpoint.
        case unauthorized
        /// Not an NTRIP/HTTP GET request.
        case badRequest = "bad_request"
        /// A request head longer than `CasterRequest.headLimit`.
        case requestTooLarge = "request_too_large"
        /// No complete request within `request_timeout`.
        case requestTimeout = "request_timeout"
        /// A TLS handshake that failed (with `tls:`).
        case tls
    }

    let registry: PrometheusCollectorRegistry
    let slowClientsDropped: Counter
    private let refusals: [Refusal: Counter]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        slowClientsDropped = registry.counter("gateway_caster_slow_clients_dropped_total",
                                              help: "Caster clients dropped because their unsent bytes passed client_buffer_bytes")
        var refusals: [Refusal: Counter] = [:]
        for r in Refusal.allCases {
            refusals[r] = registry.counter("gateway_caster_refused_total",
                                           help: "Caster connections refused: client_limit, unauthorized, bad_request, request_too_large, request_timeout, tls",
                                           labels: [("reason", r.rawValue)])
        }
        self.refusals = refusals
    }

    func refused(_ reason: Refusal) {
        refusals[reason]?.increment()
    }

    /// A mountpoint's series at zero, from the start.
    func prepare(_ mountpoint: String) {
        _ = (clients(mountpoint), bytes(mountpoint), published(mountpoint))
    }

    func clients(_ mountpoint: String) -> Gauge {
        registry.gauge("gateway_caster_clients", help: "Clients streaming from each caster mountpoint", labels: [("mountpoint", mountpoint)])
    }

    func bytes(_ mountpoint: String) -> Counter {
        registry.counter("gateway_caster_bytes_total", help: "Stream bytes written to the caster's clients, by mountpoint",
                         labels: [("mountpoint", mountpoint)])
    }

    func published(_ mountpoint: String) -> Counter {
        registry.counter("gateway_caster_published_bytes_total", help: "Correction bytes a station offered to its mountpoint's clients",
                         labels: [("mountpoint", mountpoint)])
    }
}
