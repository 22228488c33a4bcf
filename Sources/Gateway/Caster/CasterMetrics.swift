import Prometheus

/// The caster's metrics: `gateway_caster_clients{mountpoint}` (streaming now), `gateway_caster_bytes_total{mountpoint}`
/// (written to clients), `gateway_caster_published_bytes_total{mountpoint}` (the station's frames offered to its
/// clients), `gateway_caster_refused_total{reason}` and `gateway_caster_slow_clients_dropped_total`; for the streams
/// NTRIP servers push in, `gateway_caster_sources` (connected now), `gateway_caster_source_bytes_total{mountpoint}`
/// (received), `gateway_caster_source_dropped_bytes_total{mountpoint}` (not RTCM 3) and
/// `gateway_caster_source_timeouts_total` (servers disconnected after `source_timeout` without data).
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
        /// A pushing server's wrong password (or user).
        case sourceUnauthorized = "source_unauthorized"
        /// A push into a mountpoint the caster does not take streams at.
        case sourceMountpoint = "source_mountpoint"
        /// A push into a mountpoint another server pushes into now.
        case sourceBusy = "source_busy"
    }

    let registry: PrometheusCollectorRegistry
    let slowClientsDropped: Counter
    let sources: Gauge
    let sourceTimeouts: Counter
    private let refusals: [Refusal: Counter]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        slowClientsDropped = registry.counter("gateway_caster_slow_clients_dropped_total",
                                              help: "Caster clients dropped because their unsent bytes passed client_buffer_bytes")
        sources = registry.gauge("gateway_caster_sources", help: "NTRIP servers pushing a stream into the caster now")
        sourceTimeouts = registry.counter("gateway_caster_source_timeouts_total",
                                          help: "Pushing NTRIP servers disconnected after source_timeout without data")
        var refusals: [Refusal: Counter] = [:]
        for r in Refusal.allCases {
            refusals[r] = registry.counter("gateway_caster_refused_total",
                                           help: "Caster connections refused: client_limit, unauthorized, bad_request, request_too_large, request_timeout, tls, "
                                                 + "source_unauthorized, source_mountpoint, source_busy",
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

    /// A pushed mountpoint's series at zero, from the start.
    func prepareSource(_ mountpoint: String) {
        prepare(mountpoint)
        _ = (sourceBytes(mountpoint), sourceDropped(mountpoint))
    }

    func sourceBytes(_ mountpoint: String) -> Counter {
        registry.counter("gateway_caster_source_bytes_total", help: "Bytes NTRIP servers pushed into the caster, by mountpoint",
                         labels: [("mountpoint", mountpoint)])
    }

    func sourceDropped(_ mountpoint: String) -> Counter {
        registry.counter("gateway_caster_source_dropped_bytes_total", help: "Pushed bytes dropped as not RTCM 3 frames, by mountpoint",
                         labels: [("mountpoint", mountpoint)])
    }
}
