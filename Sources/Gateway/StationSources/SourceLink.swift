import GNSSCore
import Logging
import Prometheus
import Synchronization

/// What a station's TCP or NTRIP source client and the daemon share: whether the source streams, what it delivered
/// and when, why the last connection ended; the client's connection handler and its retry loop write it, status
/// and metrics read it. Problems are logged once per change, not at every retry.
final class SourceLink: Sendable {
    /// Why one connection ended, or could not be made.
    struct Ending: Sendable, Equatable {
        /// The metrics label (`gateway_source_errors_total{reason}`).
        var reason: String
        var message: String
    }

    /// The source as status shows it.
    struct Snapshot: Sendable {
        var connected: Bool
        var reconnects: Int
        var bytes: Int
        var lastDataAge: Double?
        var problem: String?
    }

    private struct State {
        var connected = false
        var reconnects = 0
        var bytes = 0
        var lastData: ContinuousClock.Instant?
        /// How the current attempt ended, first reason only.
        var ending: Ending?
        /// Whether the current attempt delivered stream data.
        var delivered = false
        /// The last line logged about the source, so a retry that ends the same way is not logged again.
        var reported: String?
        var problem: String?
        /// The caster's sourcetable record of the mountpoint last logged.
        var listed: SourcetableEntry?
    }

    let station: StationRuntime
    let source: StationSource
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let logger: Logger
    private let connectedGauge: Gauge
    private let reconnectCounter: Counter
    private let byteCounter: Counter
    private let ageGauge: Gauge
    private let dropCounter: Counter
    private let sourcetableCounter: Counter
    private let metrics: GatewayMetrics

    init(station: StationRuntime, metrics: GatewayMetrics, logger: Logger) {
        self.station = station
        source = station.configuration.source
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "station"] = "\(station.configuration.name)"
        logger[metadataKey: "source"] = "\(station.configuration.source)"
        self.logger = logger
        let name = station.configuration.name
        connectedGauge = metrics.sourceConnected(name)
        reconnectCounter = metrics.sourceReconnects(name)
        byteCounter = metrics.sourceBytes(name)
        ageGauge = metrics.sourceLastDataAge(name)
        dropCounter = metrics.sourceReadsDropped(name)
        sourcetableCounter = metrics.sourceSourcetableFetches(name)
        connectedGauge.set(Double(0))
    }

    /// A new connection attempt; `retry` when it is not the first.
    func attempt(retry: Bool) {
        state.withLock { s in
            s.ending = nil
            s.delivered = false
            if retry { s.reconnects += 1 }
        }
        if retry { reconnectCounter.increment() }
    }

    /// A sourcetable request to the caster begins.
    func fetchingSourcetable() {
        sourcetableCounter.increment()
    }

    /// The caster's sourcetable lists the mountpoint as `entry`: logged when it differs from the last, with a
    /// warning when the caster needs the user's position and the station sends none (`ggaConfigured` false).
    func listed(_ entry: SourcetableEntry, ggaConfigured: Bool) {
        let changed = state.withLock { s in
            defer { s.listed = entry }
            return s.listed != entry
        }
        guard changed else { return }
        logger.info("source: the caster's sourcetable lists \(entry.mountpoint): \(entry.summary)")
        if entry.needsGGA && !ggaConfigured {
            logger.warning("source: the caster's sourcetable says \(entry.mountpoint) needs the user's position (NMEA GGA): give the station gga:")
        }
    }

    /// The reason the current attempt ended for, once it has.
    var endingReason: String? {
        state.withLock { $0.ending?.reason }
    }

    /// The source streams (TCP: connected; NTRIP: the caster accepted the request with `status`).
    func streaming(_ status: String?) {
        state.withLock { s in
            s.connected = true
            s.problem = nil
        }
        connectedGauge.set(Double(1))
        report(status.map { "streaming (\($0))" } ?? "connected", warning: false)
    }

    /// Stream data: handed to the station, counted; a full inbox drops it and counts the drop.
    func received(_ bytes: [UInt8]) {
        let now = ContinuousClock.now
        state.withLock { s in
            s.bytes += bytes.count
            s.lastData = now
            s.delivered = true
        }
        byteCounter.increment(by: Int64(bytes.count))
        if !station.submit(bytes, received: now) { dropCounter.increment() }
    }

    /// The current connection ends for `reason`; only the first reason of an attempt is kept.
    func end(_ reason: String, _ message: String) {
        state.withLock { s in
            if s.ending == nil { s.ending = Ending(reason: reason, message: message) }
        }
    }

    /// Closes the account of an attempt once its connection is gone: counts and logs why it ended. Returns whether
    /// it delivered data (the retry delay starts over then).
    func finishAttempt() -> Bool {
        let (ending, delivered) = state.withLock { s in
            let e = s.ending ?? Ending(reason: "closed", message: "the server closed the connection")
            s.connected = false
            s.problem = e.message
            return (e, s.delivered)
        }
        connectedGauge.set(Double(0))
        metrics.sourceErrors(station.configuration.name, reason: ending.reason).increment()
        report(ending.message, warning: true, reason: ending.reason)
        return delivered
    }

    /// Logs `line` unless it is what was logged last.
    private func report(_ line: String, warning: Bool, reason: String? = nil) {
        let changed = state.withLock { s in
            defer { s.reported = line }
            return s.reported != line
        }
        guard changed else { return }
        if warning {
            logger.warning("source: \(line)", metadata: ["reason": "\(reason ?? "")", "retrying": "with backoff"])
        } else {
            logger.info("source \(line)")
        }
    }

    /// The client stopped (the station was removed or the daemon stops).
    func stopped() {
        state.withLock { $0.connected = false }
        connectedGauge.set(Double(0))
    }

    /// The position to send upstream as GGA now: the station's latest solution when the configuration asks for it
    /// (else its configured coordinates), else the configured GGA position; nil while there is none.
    var ggaPosition: ECEF? {
        let c = station.configuration
        if c.ntrip.ggaFromSolution {
            if let e = station.status.ecef, e.count == 3 { return ECEF(e[0], e[1], e[2]) }
            if let p = c.position { return p }
        }
        return c.ntrip.ggaPosition?.ecef()
    }

    /// Updates the last-data-age gauge (the daemon's heartbeat calls it).
    func refresh(now: ContinuousClock.Instant = .now) {
        let last = state.withLock { $0.lastData } ?? started
        ageGauge.set((now - last).inSeconds)
    }

    var snapshot: Snapshot {
        let now = ContinuousClock.now
        return state.withLock { s in
            Snapshot(connected: s.connected, reconnects: s.reconnects, bytes: s.bytes,
                     lastDataAge: s.lastData.map { ((now - $0).inSeconds * 10).rounded() / 10 }, problem: s.problem)
        }
    }
}
