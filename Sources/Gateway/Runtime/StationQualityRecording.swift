import GNSSPositioning
import GatewayControl

/// The control socket's form of a station's quality report: rounded, keyed by system letters and signal codes.
extension StationQualityStatus {
    init(_ r: StationQualityReport) {
        self.init()
        func round(_ v: Double?, _ scale: Double) -> Double? { v.map { ($0 * scale).rounded() / scale } }
        completeness = round(r.completenessHour.ratio, 10_000)
        completenessTotal = round(r.completenessTotal.ratio, 10_000)
        observationsExpected = r.completenessTotal.expected
        observationsReceived = r.completenessTotal.received
        cycleSlipsReceiver = r.receiverSlips
        cycleSlipsDetected = r.detectedSlips
        cycleSlipsLastHour = r.slipsHour
        for m in r.multipath { multipath[String(m.system.letter), default: [:]][m.signal.description] = round(m.hourRMS, 1000) }
        for (system, bins) in r.cn0 { cn0ByElevation[String(system.letter)] = bins.map { round($0, 10) } }
        latency = round(r.latency, 1000)
        latencyMean = round(r.meanLatency, 1000)
        interval = r.interval
        outages = r.outages
        outageLongest = round(r.longestOutage?.seconds, 1000)
        outageLast = round(r.lastOutage?.seconds, 1000)
        outageLastAfter = r.lastOutage.map { $0.after.iso8601(fractionDigits: 1) }
    }
}
