import DPCLink
import DaemonSupport
import Dispatch
import Foundation
import GNSSCore
import GNSSNetwork
import GNSSProducts
import Logging
import Prometheus
import Synchronization

/// The DPC's own processing: every record stored is also handed to the network
/// feed, on a thread of its own so that the link and the store never wait for
/// the numbers. Each grid epoch processed gives SSR orbit and clock corrections,
/// sent out as RTCM 3 over UDP.
///
/// Bounded: records waiting for the processing thread are capped
/// (`queueLimit`); beyond it they are dropped from processing (they stay in the
/// store) and counted.
public final class NetworkProcessing: Sendable {
    public struct Settings: Sendable {
        /// Processing interval and SSR update interval, seconds (one of SSR's update intervals).
        public var interval: Double = 30
        /// Seconds between high-rate clock corrections in between (epoch-differenced phase), nil for none.
        public var highRate: Double?
        /// Seconds past an epoch after which it is processed without the stations still missing.
        public var holdback: Double = 2
        /// How the LEO satellites' onboard observations are processed.
        public var leo = LEOProcessing.kinematic
        /// Fix the stations' double-differenced ambiguities to integers and hold them (`ambiguities: fix-and-hold`).
        public var fixAmbiguities = false
        /// Where the SSR stream goes (UDP), if anywhere.
        public var output: NetworkAddress?
        /// Where the SSR stream is recorded, a file a day (`YYYY-MM-DD.rtcm3`, by the epochs' GPS date), if anywhere.
        public var record: String?
        public var queueLimit = 10_000

        public init() {}
    }

    private struct State {
        var feed: NetworkFeed
        var queued = 0
    }

    /// The day file being recorded (its name and descriptor), and whether the last attempt failed. Only the processing
    /// thread touches it, under a lock of its own: the file's I/O never holds up `accept` on the link's threads.
    private struct Recording {
        var file: (day: String, fd: Int32)?
        var failed = false
    }

    private let state: Mutex<State>
    /// The network as the status shows it, made by the processing thread after each change (so a status request
    /// never waits for an epoch being processed).
    private let latest: Mutex<DPCStatus.Network>
    private let recording = Mutex(Recording())
    /// The corrections on their way back to the linked gateways.
    public let broadcast = CorrectionsBroadcast()
    private let queue = DispatchQueue(label: "dpc.network-processing")
    private let sender: DatagramSender?
    private let settings: Settings
    private let metrics: NetworkMetrics
    private let logger: Logger

    public init(settings: Settings, registry: PrometheusCollectorRegistry, logger: Logger) throws(DatagramSender.Failure) {
        self.settings = settings
        self.logger = logger
        sender = try settings.output.map { address throws(DatagramSender.Failure) in try DatagramSender(to: address) }
        var options = NetworkOptions()
        options.resolveAmbiguities = settings.fixAmbiguities
        var feed = NetworkFeed(interval: settings.interval, holdback: settings.holdback, options: options)
        feed.highRate = settings.highRate
        feed.leoProcessing = settings.leo
        state = Mutex(State(feed: feed))
        latest = Mutex(Self.status(of: feed, latency: nil))
        metrics = NetworkMetrics(registry: registry)
    }

    /// Hands a stored record to the processing thread (or counts it dropped when the thread is too far behind).
    public func accept(_ record: CorrectionRecord) {
        let admitted = state.withLock { s -> Bool in
            guard s.queued < settings.queueLimit else { return false }
            s.queued += 1
            return true
        }
        guard admitted else {
            metrics.dropped.increment()
            return
        }
        queue.async { [self] in process(record) }
    }

    /// Waits until every record handed over so far has been processed.
    public func drain() {
        queue.sync {}
    }

    /// A summary of the network's state, for logs and status.
    public var summary: String {
        state.withLock { s in
            let e = s.feed.lastEpoch
            let used = s.feed.leoProcessing == .joint
                ? "\(s.feed.onboardPositioned) in the network filter, \(s.feed.onboardFitted) within \(s.feed.leoMaximumSigma) m"
                : "\(s.feed.onboardPositioned) positioned, \(s.feed.onboardFitted) within the fit's limit"
            let leo = s.feed.onboardEpochs == 0 ? ""
                : ", \(s.feed.onboardEpochs) onboard epochs (\(used)), \(s.feed.determinedLEO) LEO satellites determined"
            return "\(s.feed.networkStations.count) stations, \(s.feed.processed) epochs processed" + leo
                + (e.map { ", last \($0.time.iso8601(fractionDigits: 0)): \($0.stations) stations, \($0.satellites) satellites" } ?? "")
        }
    }

    private func process(_ record: CorrectionRecord) {
        let (frames, epoch, stations, late, processed, total, onboard, leo, highRate) = state.withLock { s in
            s.queued -= 1
            let before = s.feed.processed, onboardBefore = s.feed.onboardEpochs, highRateBefore = s.feed.highRateEpochs
            let frames = s.feed.add(station: record.station, time: record.time, rtcm: record.rtcm)
            return (frames, s.feed.processed > before ? s.feed.lastEpoch : nil, s.feed.networkStations.count, s.feed.late,
                    s.feed.processed - before, s.feed.processed, s.feed.onboardEpochs - onboardBefore, s.feed.leoCorrected,
                    s.feed.highRateEpochs > highRateBefore ? (s.feed.highRateEpochs - highRateBefore, s.feed.lastHighRate) : nil)
        }
        if let (count, last) = highRate {
            metrics.highRateEpochs.increment(by: Double(count))
            if let last {
                metrics.highRateSatellites.set(to: Double(last.changes.count))
                metrics.highRateResiduals.set(to: last.residualRMS)
                metrics.highRateRejected.increment(by: Double(last.rejected))
            }
        }
        metrics.onboardEpochs.increment(by: Double(onboard))
        metrics.networkStations.set(to: Double(stations))
        metrics.late.set(to: Double(late))
        let stationsChanged = latest.withLock { $0.stations.count } != stations
        if epoch != nil || stationsChanged {
            let now = GNSSTime.now
            let status = state.withLock { s in Self.status(of: s.feed, latency: s.feed.lastEpoch.map { now - $0.time }) }
            latest.withLock { $0 = status }
            if epoch != nil { metrics.setBySystem(status) }
        }
        guard let epoch else {
            // Between the filter's updates: the high-rate clocks alone.
            publish(frames, time: record.time)
            return
        }
        metrics.epochs.increment(by: Double(processed))
        metrics.leoSatellites.set(to: Double(leo))
        metrics.leoReceivers.set(to: Double(epoch.leoSatellites))
        metrics.leoLeftOut.increment(by: Double(epoch.leoLeftOut))
        metrics.stationsInSolution.set(to: Double(epoch.stations))
        metrics.satellites.set(to: Double(epoch.satellites))
        metrics.phaseResiduals.set(to: epoch.residuals.phase)
        metrics.codeResiduals.set(to: epoch.residuals.code)
        metrics.rejected.increment(by: Double(epoch.rejected))
        metrics.fixedAmbiguities.set(to: Double(epoch.fixedAmbiguities))
        metrics.newlyFixed.increment(by: Double(epoch.newlyFixed))
        metrics.latency.set(to: GNSSTime.now - epoch.time)
        // A line in the journal every 20 epochs (10 minutes at 30 s): what the network is doing, for the operator.
        if total % 20 < processed {
            logger.info("network processing", metadata: [
                "epoch": "\(epoch.time.iso8601(fractionDigits: 0))", "stations": "\(epoch.stations) of \(stations)",
                "satellites": "\(epoch.satellites)", "phase_rms_m": "\(String(format: "%.4f", epoch.residuals.phase))",
                "code_rms_m": "\(String(format: "%.3f", epoch.residuals.code))", "rejected": "\(epoch.rejected)",
                "epochs": "\(total)", "late": "\(late)"])
        }
        publish(frames, time: epoch.time)
    }

    /// An epoch's frames out: over UDP, to the linked gateways and into the recording.
    private func publish(_ frames: [[UInt8]], time: GNSSTime) {
        guard !frames.isEmpty else { return }
        send(frames)
        let bytes = frames.flatMap { $0 }
        let (sent, skipped) = broadcast.publish(bytes)
        metrics.linkEpochs.increment(by: Double(sent))
        metrics.linkSkipped.increment(by: Double(skipped))
        appendToRecording(bytes, day: String(time.iso8601(fractionDigits: 0).prefix(10)))
    }

    /// Appends an epoch's frames to the day's recording (opened, and the previous day's closed, when the day changes).
    private func appendToRecording(_ bytes: [UInt8], day: String) {
        guard let directory = settings.record, !bytes.isEmpty else { return }
        let problem: String? = recording.withLock { r in
            if r.file?.day != day {
                if let old = r.file { close(old.fd) }
                r.file = nil
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let fd = open(directory + "/" + day + ".rtcm3", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
                guard fd >= 0 else {
                    defer { r.failed = true }
                    return r.failed ? nil : "cannot open \(directory)/\(day).rtcm3: \(String(cString: strerror(errno)))"
                }
                r.file = (day, fd)
                r.failed = false
            }
            guard let fd = r.file?.fd else { return nil }
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else {
                defer { r.failed = true }
                return r.failed ? nil : "cannot write \(directory)/\(day).rtcm3: \(String(cString: strerror(errno)))"
            }
            return nil
        }
        if let problem {
            metrics.recordFailures.increment()
            logger.error("SSR recording: \(problem)")
        }
    }

    /// The frames, a few a datagram (well under the path MTU).
    private func send(_ frames: [[UInt8]]) {
        guard let sender, !frames.isEmpty else { return }
        for datagram in DatagramSender.pack(frames) {
            if !sender.send(datagram) { metrics.sendFailures.increment() }
        }
        metrics.ssrBytes.increment(by: Double(frames.reduce(0) { $0 + $1.count }))
    }
}

/// The network processing's metrics, named `dpc_network_…`.
struct NetworkMetrics: Sendable {
    let epochs: Counter
    let networkStations: Gauge
    let stationsInSolution: Gauge
    let satellites: Gauge
    let phaseResiduals: Gauge
    let codeResiduals: Gauge
    let rejected: Counter
    let fixedAmbiguities: Gauge
    let newlyFixed: Counter
    let latency: Gauge
    let late: Gauge
    let onboardEpochs: Counter
    let leoSatellites: Gauge
    let leoReceivers: Gauge
    let leoLeftOut: Counter
    let dropped: Counter
    let ssrBytes: Counter
    let sendFailures: Counter
    let recordFailures: Counter
    let linkEpochs: Counter
    let linkSkipped: Counter
    let highRateEpochs: Counter
    let highRateSatellites: Gauge
    let highRateResiduals: Gauge
    let highRateRejected: Counter
    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        epochs = registry.counter("dpc_network_epochs_total", help: "Network epochs processed")
        networkStations = registry.gauge("dpc_network_stations", help: "Reference stations known to the network (with coordinates)")
        stationsInSolution = registry.gauge("dpc_network_stations_in_solution", help: "Stations with measurements in the last epoch")
        satellites = registry.gauge("dpc_network_satellites", help: "Satellites corrected in the last epoch")
        phaseResiduals = registry.gauge("dpc_network_phase_residual_rms_metres", help: "RMS of the last epoch's post-fit ionosphere-free phase residuals")
        codeResiduals = registry.gauge("dpc_network_code_residual_rms_metres", help: "RMS of the last epoch's post-fit ionosphere-free code residuals")
        rejected = registry.counter("dpc_network_measurements_rejected_total", help: "Measurements left out as outliers")
        fixedAmbiguities = registry.gauge("dpc_network_fixed_ambiguities",
                                          help: "Double-differenced ambiguities between stations held at integers after the last epoch (ambiguities: fix-and-hold)")
        newlyFixed = registry.counter("dpc_network_ambiguities_fixed_total", help: "Double-differenced ambiguities fixed to integers (ambiguities: fix-and-hold)")
        latency = registry.gauge("dpc_network_latency_seconds", help: "From the last epoch processed to its corrections going out")
        late = registry.gauge("dpc_network_late_epochs", help: "Station epochs that arrived after their epoch was processed")
        onboardEpochs = registry.counter("dpc_network_onboard_epochs_total", help: "LEO satellites' onboard GNSS epochs taken from the satellite segment")
        leoSatellites = registry.gauge("dpc_network_leo_satellites", help: "LEO satellites the last epoch's corrections (4058/2) covered")
        leoReceivers = registry.gauge("dpc_network_leo_receivers", help: "LEO satellites whose onboard epochs the last epoch's network filter used (leo: joint, hybrid)")
        leoLeftOut = registry.counter("dpc_network_leo_left_out_total",
                                      help: "Onboard epochs the network filter left out: it follows as many LEO satellites as it may (leo: joint, hybrid)")
        dropped = registry.counter("dpc_network_records_dropped_total", help: "Records not processed because the processing queue was full (they are stored)")
        ssrBytes = registry.counter("dpc_network_ssr_bytes_total", help: "Bytes of SSR frames made from the network's corrections")
        sendFailures = registry.counter("dpc_network_ssr_send_failures_total", help: "SSR datagrams the kernel refused")
        linkEpochs = registry.counter("dpc_network_link_corrections_sent_total", help: "Epochs of corrections sent back to gateways over the link (one per link)")
        linkSkipped = registry.counter("dpc_network_link_corrections_skipped_total", help: "Epochs of corrections a link could not take (not writable)")
        recordFailures = registry.counter("dpc_network_ssr_record_failures_total", help: "SSR recordings that could not be opened or written")
        highRateEpochs = registry.counter("dpc_network_high_rate_epochs_total", help: "Epochs of high-rate clock corrections between the filter's updates")
        highRateSatellites = registry.gauge("dpc_network_high_rate_satellites", help: "Satellites the last high-rate clock epoch corrected")
        highRateResiduals = registry.gauge("dpc_network_high_rate_residual_rms_metres",
                                           help: "RMS of the last high-rate epoch's post-fit epoch-differenced phase residuals")
        highRateRejected = registry.counter("dpc_network_high_rate_differences_rejected_total",
                                            help: "Epoch-differenced phases left out as slips or outliers")
        for system in NetworkOptions().systems.sorted() { bySystem(String(system.letter)) }
    }
}

extension NetworkMetrics {
    /// Per system, from the satellites the last epoch corrected: how many hold the clock datum (their mean correction is
    /// zero), and the median and largest formal range sigma (the URA sent), which fall as the network converges.
    func setBySystem(_ status: DPCStatus.Network) {
        let current = status.satellites.filter { $0.seen == status.lastEpoch }
        for (system, list) in Dictionary(grouping: current, by: { String($0.satellite.prefix(1)) }) {
            let sigmas = list.map(\.sigma).sorted()
            let (datum, median, largest) = bySystem(system)
            datum.set(to: Double(list.count))
            median.set(to: sigmas[sigmas.count / 2])
            largest.set(to: sigmas.last ?? 0)
        }
    }

    /// A system's datum and range-sigma gauges (made at zero for the systems the network processes, at the start).
    @discardableResult
    func bySystem(_ system: String) -> (datum: Gauge, median: Gauge, largest: Gauge) {
        let labels = [("system", system)]
        return (registry.gauge("dpc_network_clock_datum_satellites", help: "Satellites of a system whose mean clock correction the last epoch held at zero",
                               labels: labels),
                registry.gauge("dpc_network_range_sigma_median_metres", help: "Median formal range sigma (URA) of a system's satellites in the last epoch",
                               labels: labels),
                registry.gauge("dpc_network_range_sigma_max_metres", help: "Largest formal range sigma (URA) of a system's satellites in the last epoch",
                               labels: labels))
    }
}

extension NetworkProcessing {
    /// The network's state as of the last change.
    public var status: DPCStatus.Network { latest.withLock { $0 } }

    /// The network's state from the feed: its stations, its latest epoch and every satellite's latest estimate.
    /// `latency`: seconds from the latest epoch's time to its processing.
    static func status(of feed: NetworkFeed, latency: Double?) -> DPCStatus.Network {
        let epoch = feed.lastEpoch
        let satellites = feed.filter.estimates.sorted { $0.satellite < $1.satellite }.map { e in
            let orbit = e.ssrOrbitOffset
            return DPCStatus.Satellite(satellite: e.satellite.description, iod: SSRGenerator.issueOfData(e.ephemeris), clock: e.clock,
                                       radial: orbit.radial, along: orbit.along, cross: orbit.cross, sigma: e.rangeSigma,
                                       seen: e.time.iso8601(fractionDigits: 0))
        }
        return DPCStatus.Network(interval: feed.interval, stations: feed.networkStations, epochs: feed.processed, late: feed.late,
                                 lastEpoch: epoch.map { $0.time.iso8601(fractionDigits: 0) }, stationsInSolution: epoch?.stations,
                                 satellitesInSolution: epoch?.satellites, phaseRMS: epoch?.residuals.phase,
                                 codeRMS: epoch?.residuals.code, rejected: epoch?.rejected,
                                 fixedAmbiguities: feed.filter.options.resolveAmbiguities ? epoch?.fixedAmbiguities : nil, latency: latency,
                                 satellites: satellites)
    }
}
