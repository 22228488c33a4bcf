import DaemonSupport
import GNSSFormats
import GNSSPositioning
import Prometheus

/// The gateway's metrics, all named `gateway_…`, in one Prometheus registry
/// that `GET /metrics` emits.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public let forwarded: Counter
    /// Epochs of corrections the DPC sent back over the link.
    public let dpcCorrections: Counter
    /// Epochs of corrections from the DPC's JetStream subject dropped because they were not taken fast enough.
    public let dpcCorrectionsDropped: Counter
    public let acknowledged: Counter
    public let spooled: Counter
    public let spoolDropped: Counter
    public let spoolBytes: Gauge
    public let spoolPending: Gauge
    public let linkUp: Gauge
    public let linkRefusals: Counter
    public let controlRequests: Counter
    public let controlErrors: Counter
    /// The control socket's connections: `gateway_control_connections`, `gateway_control_connections_closed_total{reason}`,
    /// `gateway_control_reads_paused_total`.
    public let controlConnections: ConnectionLimitMetrics
    public let latency: ValueHistogram

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        registry.registerBuildInfo(prefix: "gateway")
        forwarded = registry.counter("gateway_records_forwarded_total", help: "Correction records sent to the DPC (resends included)")
        dpcCorrections = registry.counter("gateway_dpc_corrections_received_total", help: "Epochs of corrections the DPC sent back over the link or its JetStream subject")
        dpcCorrectionsDropped = registry.counter("gateway_dpc_corrections_dropped_total",
                                                 help: "Epochs of corrections on the DPC's JetStream subject dropped because they were not taken fast enough")
        acknowledged = registry.counter("gateway_records_acknowledged_total", help: "Correction records the DPC acknowledged as stored")
        spooled = registry.counter("gateway_records_spooled_total", help: "Correction records written to the spool")
        spoolDropped = registry.counter("gateway_spool_records_dropped_total", help: "Unacknowledged records dropped because the spool reached its cap")
        spoolBytes = registry.gauge("gateway_spool_bytes", help: "Bytes in the spool's segment files")
        spoolPending = registry.gauge("gateway_spool_pending_records", help: "Records waiting for the DPC's acknowledgement")
        linkUp = registry.gauge("gateway_dpc_link_up", help: "1 while the DPC link is connected and authenticated")
        linkRefusals = registry.counter("gateway_dpc_link_refused_total", help: "Link attempts the DPC refused or that failed authentication")
        controlRequests = registry.counter("gateway_control_requests_total", help: "Requests on the control socket")
        controlErrors = registry.counter("gateway_control_errors_total", help: "Malformed or unknown control requests")
        controlConnections = ConnectionLimitMetrics(registry: registry, prefix: "gateway_control", server: "the control socket")
        latency = registry.histogram("gateway_epoch_solution_latency_seconds", help: "Time from the datagram completing an epoch to its solution", buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1])
        for reason in Self.spoolGenerationReasons { _ = spoolGenerations(reason) }
    }

    static let spoolGenerationReasons = ["created", "sequence_regression"]
    static let epochRefusalReasons = ["repeated", "time_backwards"]
    static let sourceErrorReasons = ["connect_failed", "closed", "no_data", "unauthorized", "mountpoint_missing", "server_error", "refused",
                                     "protocol", "tls"]

    /// Creates, at zero, every series a station reports whose labels are known before its first byte, so that
    /// dashboards and alerts see a station from its start (a rate over a series that appears late misses its first
    /// increase). Series labelled by what the stream brings (frames by message type, SSR by system or reason)
    /// appear with their first event.
    func prepare(_ station: StationConfiguration) {
        let name = station.name
        _ = epochs(name)
        _ = garbageBytes(name)
        for kind in FormatError.Kind.allCases { _ = decodeErrors(name, kind: kind.rawValue) }
        for reason in Self.epochRefusalReasons { _ = epochsRefused(name, reason: reason) }
        for quality in Self.qualities(station.profile?.mode) { _ = solutions(name, quality: quality) }
        if station.format == .leo { _ = leoEphemerides(name) } else { _ = ephemeridesSetAside(name) }
        if station.listen == nil {
            for reason in Self.sourceErrorReasons { _ = sourceErrors(name, reason: reason) }
        }
        if case .ntrip = station.source { _ = sourceSourcetableFetches(name) }
    }

    /// The qualities a mode's solutions can have: its own, single when it falls back, none when unsolved.
    static func qualities(_ mode: PositioningProfile.Mode?) -> [SolutionQuality] {
        switch mode {
        case nil: []
        case .spp?: [.single, .none]
        case .ppp?: [.ppp, .single, .none]
        case .rtk?: [.fixed, .float, .single, .none]
        }
    }

    public func datagramsReceived(_ station: String) -> Counter {
        registry.counter("gateway_udp_datagrams_received_total", help: "UDP datagrams received", labels: [("station", station)])
    }

    public func bytesReceived(_ station: String) -> Counter {
        registry.counter("gateway_udp_bytes_received_total", help: "UDP payload bytes received", labels: [("station", station)])
    }

    /// Datagrams dropped: `not_allowed` (source not in the allow list), `oversize` (9216 bytes or more), `queue_full`
    /// (the station's inbox), `receive_buffer` (by the kernel, the socket's receive buffer full), `socket_error`.
    public func datagramsDropped(_ reason: String, listen: String) -> Counter {
        registry.counter("gateway_udp_datagrams_dropped_total", help: "UDP datagrams dropped, by reason", labels: [("reason", reason), ("listen", listen)])
    }

    /// Epochs a station refused: `repeated` (its time already seen, as when a capture is played again) or
    /// `time_backwards` (earlier than the station's last epoch, by up to an hour).
    public func epochsRefused(_ station: String, reason: String) -> Counter {
        registry.counter("gateway_epochs_refused_total", help: "Epochs refused because the stream's time went back", labels: [("station", station), ("reason", reason)])
    }

    public func framesDecoded(_ station: String, type: String) -> Counter {
        registry.counter("gateway_frames_decoded_total", help: "Frames decoded, by message type", labels: [("station", station), ("type", type)])
    }

    public func decodeErrors(_ station: String, kind: String) -> Counter {
        registry.counter("gateway_decode_errors_total", help: "Decode errors, by kind (crc, truncated, message, …)", labels: [("station", station), ("kind", kind)])
    }

    /// Spool generations started: `created` (a spool made from nothing, its state lost or never there) or
    /// `sequence_regression` (the DPC held later sequence numbers than the spool had used).
    public func spoolGenerations(_ reason: String) -> Counter {
        registry.counter("gateway_spool_generations_total", help: "Spool generations started, by reason", labels: [("reason", reason)])
    }

    public func garbageBytes(_ station: String) -> Counter {
        registry.counter("gateway_garbage_bytes_total", help: "Bytes skipped outside valid frames", labels: [("station", station)])
    }

    public func epochs(_ station: String) -> Counter {
        registry.counter("gateway_epochs_total", help: "Observation epochs assembled", labels: [("station", station)])
    }

    public func ephemeridesSetAside(_ station: String) -> Counter {
        registry.counter("gateway_ephemerides_set_aside_total",
                         help: "Broadcast ephemerides not held: their reference time lies over a day from the other satellites'",
                         labels: [("station", station)])
    }

    public func leoEphemerides(_ station: String) -> Counter {
        registry.counter("gateway_leo_ephemerides_total", help: "LEO broadcast ephemerides received from the satellite segment (new ones)",
                         labels: [("station", station)])
    }

    /// Corrections stream: satellite corrections taken (orbit, clock, bias…), by system.
    public func ssrCorrections(_ station: String, system: String) -> Counter {
        registry.counter("gateway_ssr_corrections_total", help: "SSR satellite corrections received, by system", labels: [("station", station), ("system", system)])
    }

    /// Corrections stream: SSR messages not applied (`VTEC`, `phase_bias`, `regional_datum`, `no_time`) and jumps.
    public func ssrRefused(_ station: String, reason: String) -> Counter {
        registry.counter("gateway_ssr_refused_total", help: "SSR messages not applied, and corrections that jumped, by reason", labels: [("station", station), ("reason", reason)])
    }

    /// Corrections stream: satellites of a system whose orbit and clock corrections are current.
    public func ssrSatellites(_ station: String, system: String) -> Gauge {
        registry.gauge("gateway_ssr_satellites", help: "Satellites with current SSR orbit and clock corrections, by system", labels: [("station", station), ("system", system)])
    }

    /// Corrections stream: age of the newest correction of a system when it arrived, seconds (the stream's latency).
    public func ssrAge(_ station: String, system: String) -> Gauge {
        registry.gauge("gateway_ssr_age_seconds", help: "Age of the newest SSR correction of a system on arrival", labels: [("station", station), ("system", system)])
    }

    /// `ssr_publish`: bytes of the SSR stream made from the products, sent to each destination.
    public func ssrPublished(_ stream: String) -> Counter {
        registry.counter("gateway_ssr_published_bytes_total", help: "Bytes of the SSR stream made from the products, sent to each destination", labels: [("stream", stream)])
    }

    /// PPP station: satellites its corrections stream could not serve, by reason (`stale`, `no-matching-iod`, …), per epoch.
    public func ssrUncorrected(_ station: String, reason: String) -> Counter {
        registry.counter("gateway_ssr_uncorrected_total", help: "Satellites left out of PPP epochs for want of a usable SSR correction, by reason", labels: [("station", station), ("reason", reason)])
    }

    /// A station's TCP or NTRIP source: 1 while connected (for NTRIP: while the caster streams the mountpoint).
    public func sourceConnected(_ station: String) -> Gauge {
        registry.gauge("gateway_source_connected", help: "1 while a station's TCP or NTRIP source is connected and streaming", labels: [("station", station)])
    }

    /// Connection attempts to a station's TCP or NTRIP source after the first.
    public func sourceReconnects(_ station: String) -> Counter {
        registry.counter("gateway_source_reconnects_total", help: "Connection attempts to a station's TCP or NTRIP source after the first", labels: [("station", station)])
    }

    /// Stream bytes from a station's TCP or NTRIP source (after the NTRIP answer and chunking are taken off).
    public func sourceBytes(_ station: String) -> Counter {
        registry.counter("gateway_source_bytes_total", help: "Stream bytes received from a station's TCP or NTRIP source", labels: [("station", station)])
    }

    /// Seconds since a station's TCP or NTRIP source last delivered data (since the source started, before any).
    public func sourceLastDataAge(_ station: String) -> Gauge {
        registry.gauge("gateway_source_last_data_age_seconds", help: "Seconds since a station's TCP or NTRIP source last delivered data", labels: [("station", station)])
    }

    /// Why connections to a station's source ended or failed: `connect_failed`, `closed`, `no_data`, `unauthorized`,
    /// `mountpoint_missing`, `server_error`, `refused`, `protocol`, `tls`.
    public func sourceErrors(_ station: String, reason: String) -> Counter {
        registry.counter("gateway_source_errors_total", help: "Connections to a station's TCP or NTRIP source that failed or ended, by reason",
                         labels: [("station", station), ("reason", reason)])
    }

    /// Sourcetable requests (`GET /`) to a station's NTRIP caster, made to check that it lists the mountpoint.
    public func sourceSourcetableFetches(_ station: String) -> Counter {
        registry.counter("gateway_source_sourcetable_fetches_total", help: "Sourcetable requests to a station's NTRIP caster, checking it lists the mountpoint",
                         labels: [("station", station)])
    }

    /// Reads from a station's TCP or NTRIP source dropped because the station's inbox was full.
    public func sourceReadsDropped(_ station: String) -> Counter {
        registry.counter("gateway_source_reads_dropped_total", help: "Reads from a station's TCP or NTRIP source dropped because the station's inbox was full",
                         labels: [("station", station)])
    }

    /// Station quality: observations expected (satellites with an ephemeris above 10° times the signals the station
    /// tracks for their system) and received of them.
    public func observationsExpected(_ station: String) -> Counter {
        registry.counter("gateway_station_observations_expected_total", help: "Observations expected of a station: satellites with an ephemeris above 10° times the signals it tracks for their system",
                         labels: [("station", station)])
    }

    public func observationsReceived(_ station: String) -> Counter {
        registry.counter("gateway_station_observations_received_total", help: "Observations received from satellites above 10° with an ephemeris",
                         labels: [("station", station)])
    }

    /// Station quality: observations received against expected over the last hour of the stream's time.
    public func completeness(_ station: String) -> Gauge {
        registry.gauge("gateway_station_completeness_ratio", help: "Observations received against expected over the last hour", labels: [("station", station)])
    }

    /// Station quality: cycle slips, `receiver` (flagged by the receiver: loss of lock) or `detected` (a jump of the
    /// geometry-free or Melbourne–Wübbena combination the receiver did not flag).
    public func cycleSlips(_ station: String, kind: String) -> Counter {
        registry.counter("gateway_station_cycle_slips_total", help: "Cycle slips, flagged by the receiver or detected in the phases", labels: [("station", station), ("kind", kind)])
    }

    public func cycleSlipsLastHour(_ station: String) -> Gauge {
        registry.gauge("gateway_station_cycle_slips_last_hour", help: "Cycle slips over the last hour", labels: [("station", station)])
    }

    /// Station quality: code multipath RMS (teqc's MP1/MP2, arc means removed) over the last hour, by system and the
    /// signal whose code it is.
    public func multipath(_ station: String, system: String, signal: String) -> Gauge {
        registry.gauge("gateway_station_multipath_meters", help: "Code multipath RMS (MP1/MP2) over the last hour, by system and signal",
                       labels: [("station", station), ("system", system), ("signal", signal)])
    }

    /// Station quality: mean C/N0 of a system's first band over the last hour in a 10° elevation bin (`0-10` … `80-90`).
    public func cn0(_ station: String, system: String, elevation: String) -> Gauge {
        registry.gauge("gateway_station_cn0_dbhz", help: "Mean C/N0 of a system's first band over the last hour, by elevation bin",
                       labels: [("station", station), ("system", system), ("elevation", elevation)])
    }

    /// Station quality: seconds from the latest epoch's time to its arrival.
    public func epochLatency(_ station: String) -> Gauge {
        registry.gauge("gateway_station_epoch_latency_seconds", help: "Seconds from the latest epoch's time to its arrival", labels: [("station", station)])
    }

    /// Station quality: gaps in the epoch stream longer than three of the station's intervals.
    public func outages(_ station: String) -> Counter {
        registry.counter("gateway_station_outages_total", help: "Gaps in a station's epoch stream longer than three of its intervals", labels: [("station", station)])
    }

    public func longestOutage(_ station: String) -> Gauge {
        registry.gauge("gateway_station_outage_longest_seconds", help: "The longest gap in a station's epoch stream", labels: [("station", station)])
    }

    public func lastOutage(_ station: String) -> Gauge {
        registry.gauge("gateway_station_outage_last_seconds", help: "The last gap in a station's epoch stream", labels: [("station", station)])
    }

    /// Station quality: the mean of `gateway_station_epoch_latency_seconds` since the station started.
    public func meanEpochLatency(_ station: String) -> Gauge {
        registry.gauge("gateway_station_epoch_latency_mean_seconds", help: "Mean seconds from an epoch's time to its arrival since the station started", labels: [("station", station)])
    }

    public func solutions(_ station: String, quality: SolutionQuality) -> Counter {
        registry.counter("gateway_solutions_total", help: "Solutions, by quality (none when the epoch could not be solved)", labels: [("station", station), ("quality", quality.description)])
    }
}
