import GNSSPositioning
import Prometheus

/// A station's observation quality in the metrics: its counters and gauges made when the station starts (the
/// counters at zero), then brought up to each epoch's report.
struct StationQualityMetrics {
    private let metrics: GatewayMetrics
    private let station: String
    private let expected: Counter
    private let received: Counter
    private let receiverSlips: Counter
    private let detectedSlips: Counter
    private let slipsLastHour: Gauge
    private let outages: Counter
    private var reported = StationQualityReport()

    init(_ metrics: GatewayMetrics, station: String) {
        self.metrics = metrics
        self.station = station
        expected = metrics.observationsExpected(station)
        received = metrics.observationsReceived(station)
        receiverSlips = metrics.cycleSlips(station, kind: "receiver")
        detectedSlips = metrics.cycleSlips(station, kind: "detected")
        slipsLastHour = metrics.cycleSlipsLastHour(station)
        slipsLastHour.set(0.0)
        outages = metrics.outages(station)
    }

    /// The label of an elevation bin: `0-10` … `80-90`.
    static func elevationLabel(_ bin: Int) -> String { "\(bin * 10)-\(bin * 10 + 10)" }

    mutating func record(_ r: StationQualityReport) {
        func advance(_ counter: Counter, _ now: Int, _ before: Int) {
            if now > before { counter.increment(by: Int64(now - before)) }
        }
        advance(expected, r.completenessTotal.expected, reported.completenessTotal.expected)
        advance(received, r.completenessTotal.received, reported.completenessTotal.received)
        advance(receiverSlips, r.receiverSlips, reported.receiverSlips)
        advance(detectedSlips, r.detectedSlips, reported.detectedSlips)
        advance(outages, r.outages, reported.outages)
        slipsLastHour.set(Double(r.slipsHour))
        if let ratio = r.completenessHour.ratio { metrics.completeness(station).set(ratio) }
        for m in r.multipath {
            if let rms = m.hourRMS { metrics.multipath(station, system: String(m.system.letter), signal: m.signal.description).set(rms) }
        }
        for (system, bins) in r.cn0 {
            for (bin, mean) in bins.enumerated() {
                if let mean { metrics.cn0(station, system: String(system.letter), elevation: Self.elevationLabel(bin)).set(mean) }
            }
        }
        if let latency = r.latency { metrics.epochLatency(station).set(latency) }
        if let longest = r.longestOutage { metrics.longestOutage(station).set(longest.seconds) }
        if let last = r.lastOutage { metrics.lastOutage(station).set(last.seconds) }
        if let mean = r.meanLatency { metrics.meanEpochLatency(station).set(mean) }
        reported = r
    }
}
