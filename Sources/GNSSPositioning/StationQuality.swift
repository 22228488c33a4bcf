import GNSSCore

/// A station's observation quality, live, as a QC program reports it of a file after the fact: completeness,
/// cycle slips, code multipath, C/N0 by elevation, latency and outages. Fed each epoch with the satellites'
/// elevations; its state is bounded (one track per satellite in view, one-minute bins for the last hour), so it runs
/// for days at the same size.
///
/// - Completeness follows teqc: a satellite with an ephemeris at or above the cutoff elevation is expected to give
///   every signal the station tracks for its system (seen from it since start); an observation is a signal with a
///   pseudorange or a phase.
/// - A satellite's two frequencies are the first two bands of `bands(_:)` on which it has code and phase (the
///   lowest signal code of each band). Between consecutive epochs of the pair a slip is the receiver's (LLI bit 0
///   or a lock time that went back, on any phase) or, if the receiver flagged none on the pair, detected: a jump
///   of the geometry-free phase above `geometryFreeJump` metres or of the Melbourne–Wübbena combination above
///   `wideLaneJump` wide-lane cycles.
/// - Code multipath MP₁ and MP₂ (`DualFrequencyCombinations`) have each continuous arc's mean removed; an arc ends
///   at a slip, a change of signal or a gap of more than `outageFactor` intervals, and arcs shorter than
///   `minimumArcEpochs` are left out.
/// - An outage is a gap between consecutive epochs longer than `outageFactor` times the station's interval (its
///   shortest epoch spacing).
/// - An epoch earlier than the last is a stream started over: arcs, the interval and the last hour start again; the
///   counts since start go on.
public struct StationQuality: Sendable {
    public struct Thresholds: Sendable {
        /// Radians.
        public var cutoffElevation = 10 * Constants.degreesToRadians
        public var outageFactor = 3.0
        /// Metres between consecutive epochs.
        public var geometryFreeJump = 0.10
        /// Wide-lane cycles between consecutive epochs.
        public var wideLaneJump = 4.0
        public var minimumArcEpochs = 10

        public init() {}
    }

    /// Elevation bins of the C/N0: 0–10°, 10–20° … 80–90°.
    public static let elevationBins = 9

    /// A system's bands in the order its pair of frequencies is chosen from; the first is the one its C/N0 is of.
    /// SBAS has its first band only, for C/N0 and completeness: its geostationary satellites' phases jump by metres
    /// between epochs on receivers such as ESBC's (223 jumps in two hours), which would be slips of no meaning.
    public static func bands(_ system: GNSSSystem) -> [UInt8] {
        switch system {
        case .gps, .qzss: [1, 2, 5]
        case .glonass: [1, 2, 3]
        case .galileo: [1, 5, 7, 8, 6]
        case .beidou: [2, 7, 6, 1, 5]
        case .sbas: [1]
        case .leo: [1, 5]
        case .navic: [5, 9]
        }
    }

    private struct SignalPair: Equatable {
        var first: SignalCode
        var second: SignalCode
    }

    /// A satellite's continuous tracking of its pair of frequencies.
    private struct Track {
        var pair: SignalPair
        var time: GNSSTime
        var geometryFree: Double
        var melbourneWubbena: Double
        var arcs = (MultipathArc(), MultipathArc())
    }

    private struct SatelliteState {
        var lastSeen: GNSSTime
        var lockTimes: [SignalCode: Double] = [:]
        var track: Track?
    }

    /// Closed arcs' squared deviations of one system's signal.
    private struct MultipathSums {
        var total = Tally.zero
        var hour = HourWindow<Tally>()
    }

    private struct MultipathKey: Hashable, Comparable {
        var system: GNSSSystem
        var signal: SignalCode
        static func < (a: MultipathKey, b: MultipathKey) -> Bool {
            a.system != b.system ? a.system < b.system : a.signal < b.signal
        }
    }

    public let thresholds: Thresholds
    private var epochs = 0
    private var lastTime: GNSSTime?
    private var latestMinute: Int64 = 0
    private var interval: Double?
    private var tracked: [GNSSSystem: Set<SignalCode>] = [:]
    private var completeness = (expected: 0, received: 0)
    private var completenessHour = HourWindow<Tally>()
    private var receiverSlips = 0
    private var detectedSlips = 0
    private var slipsHour = HourWindow<Tally>()
    private var satellites: [SatelliteID: SatelliteState] = [:]
    private var multipath: [MultipathKey: MultipathSums] = [:]
    private var cn0: [GNSSSystem: [HourWindow<Tally>]] = [:]
    private var latestLatency: Double?
    private var latency = Tally.zero
    private var outages = 0
    private var longestOutage: StationQualityReport.Outage?
    private var lastOutage: StationQualityReport.Outage?

    public init(thresholds: Thresholds = Thresholds()) {
        self.thresholds = thresholds
    }

    /// The longest a satellite's or the station's epochs may be apart and still be continuous.
    private var gapLimit: Double { interval.map { $0 * thresholds.outageFactor } ?? .infinity }

    /// Takes one epoch. `elevations` (radians) holds every satellite with an ephemeris, observed or not; `latency`
    /// is the seconds from the epoch's time to its arrival, when live. Event records (RINEX flags 2–6) are passed over.
    public mutating func add(_ epoch: ObservationEpoch, elevations: [SatelliteID: Double], latency arrival: Double? = nil) {
        guard epoch.flag == .ok || epoch.flag == .powerFailure else { return }
        let t = epoch.time
        if let last = lastTime, t <= last {
            // The same epoch again is passed over; an earlier one is a stream started over (a receiver's clock reset, a
            // capture's time found): what follows the data's time (arcs, the interval, the last hour) starts again.
            guard t < last else { return }
            restart()
        }
        if let last = lastTime {
            let gap = t - last
            if let interval, gap > interval * thresholds.outageFactor {
                let outage = StationQualityReport.Outage(after: last, seconds: gap)
                outages += 1
                lastOutage = outage
                if gap > longestOutage?.seconds ?? 0 { longestOutage = outage }
            }
            interval = min(interval ?? gap, gap)
        }
        lastTime = t
        epochs += 1
        let minute = HourWindow<Tally>.minute(of: t.seconds)
        latestMinute = minute
        if let arrival {
            latestLatency = arrival
            latency = latency + Tally(count: 1, sum: arrival)
        }

        var seen = Set<SatelliteID>()
        let observed = epoch.satellites.filter { seen.insert($0.satellite).inserted }
        for s in observed {
            for o in s.signals where o.pseudorange != nil || o.carrierPhase != nil {
                tracked[s.satellite.system, default: []].insert(o.signal)
            }
        }
        countCompleteness(observed, elevations: elevations, minute: minute)
        countCN0(observed, elevations: elevations, minute: minute)
        var slips = 0
        for s in observed { slips += follow(s, at: t, minute: minute) }
        slipsHour.add(Tally(count: Double(slips)), minute: minute)
        // Satellites gone for longer than a gap: their arcs end.
        for (id, state) in satellites where t - state.lastSeen > gapLimit {
            if let track = state.track { close(track, system: id.system) }
            satellites[id] = nil
        }
    }

    private mutating func countCompleteness(_ observed: [SatelliteObservation], elevations: [SatelliteID: Double], minute: Int64) {
        let cutoff = thresholds.cutoffElevation
        var expected = 0
        var received = 0
        for (id, elevation) in elevations where elevation >= cutoff { expected += tracked[id.system]?.count ?? 0 }
        for s in observed {
            guard let elevation = elevations[s.satellite], elevation >= cutoff else { continue }
            // A signal given twice (in two messages of an epoch) is one observation.
            received += min(s.signals.count { $0.pseudorange != nil || $0.carrierPhase != nil }, tracked[s.satellite.system]?.count ?? 0)
        }
        completeness.expected += expected
        completeness.received += received
        completenessHour.add(Tally(count: Double(expected), sum: Double(received)), minute: minute)
    }

    private mutating func countCN0(_ observed: [SatelliteObservation], elevations: [SatelliteID: Double], minute: Int64) {
        for s in observed {
            guard let elevation = elevations[s.satellite], elevation >= 0, let band = Self.bands(s.satellite.system).first else { continue }
            let bin = min(Int(elevation * Constants.radiansToDegrees / 10), Self.elevationBins - 1)
            for o in s.signals where o.signal.band == band {
                guard let c = o.cn0, c > 0 else { continue }
                cn0[s.satellite.system, default: Array(repeating: HourWindow<Tally>(), count: Self.elevationBins)][bin]
                    .add(Tally(count: 1, sum: c), minute: minute)
            }
        }
    }

    /// The satellite's pair of frequencies this epoch: the first two bands with code and phase, each band's lowest
    /// signal, with their frequencies.
    private static func pair(_ s: SatelliteObservation) -> (SignalPair, SignalObservation, Double, SignalObservation, Double)? {
        var chosen: [(SignalObservation, Double)] = []
        for band in bands(s.satellite.system) {
            guard let o = s.signals.filter({ $0.signal.band == band && $0.pseudorange != nil && $0.carrierPhase != nil })
                .min(by: { $0.signal < $1.signal }),
                  let f = CarrierFrequency.of(system: s.satellite.system, band: band, glonassChannel: s.glonassChannel) else { continue }
            chosen.append((o, f))
            if chosen.count == 2 { break }
        }
        guard chosen.count == 2 else { return nil }
        return (SignalPair(first: chosen[0].0.signal, second: chosen[1].0.signal), chosen[0].0, chosen[0].1, chosen[1].0, chosen[1].1)
    }

    /// Follows one satellite's phases and code multipath; returns the slips counted.
    private mutating func follow(_ s: SatelliteObservation, at t: GNSSTime, minute: Int64) -> Int {
        let id = s.satellite
        var state = satellites[id] ?? SatelliteState(lastSeen: t)
        let continuous = t - state.lastSeen <= gapLimit
        // The receiver's own slips, on every phase.
        var flagged = Set<SignalCode>()
        var lockTimes: [SignalCode: Double] = [:]
        for o in s.signals where o.carrierPhase != nil {
            var slip = o.lli & 1 != 0
            if let lock = o.lockTime {
                if continuous, let before = state.lockTimes[o.signal], lock < before { slip = true }
                lockTimes[o.signal] = lock
            }
            if slip { flagged.insert(o.signal) }
        }
        state.lockTimes = lockTimes
        state.lastSeen = t
        var slips = flagged.count
        receiverSlips += flagged.count

        if let (pair, o1, f1, o2, f2) = Self.pair(s),
           let combinations = DualFrequencyCombinations(code1: o1.pseudorange!, phase1: o1.carrierPhase!, frequency1: f1,
                                                        code2: o2.pseudorange!, phase2: o2.carrierPhase!, frequency2: f2) {
            var track = state.track
            if let current = track, current.pair == pair, t - current.time <= gapLimit {
                var broken = flagged.contains(pair.first) || flagged.contains(pair.second)
                if !broken {
                    let gf = abs(combinations.geometryFree - current.geometryFree)
                    let mw = abs(combinations.melbourneWubbena - current.melbourneWubbena) / combinations.wideLaneWavelength
                    if gf > thresholds.geometryFreeJump || mw > thresholds.wideLaneJump {
                        detectedSlips += 1
                        slips += 1
                        broken = true
                    }
                }
                if broken {
                    close(current, system: id.system)
                    track = nil
                }
            } else if let old = track {
                close(old, system: id.system)
                track = nil
            }
            var next = track ?? Track(pair: pair, time: t, geometryFree: 0, melbourneWubbena: 0)
            next.time = t
            next.geometryFree = combinations.geometryFree
            next.melbourneWubbena = combinations.melbourneWubbena
            next.arcs.0.add(combinations.multipath1, minute: minute)
            next.arcs.1.add(combinations.multipath2, minute: minute)
            for signal in [pair.first, pair.second] where multipath[MultipathKey(system: id.system, signal: signal)] == nil {
                multipath[MultipathKey(system: id.system, signal: signal)] = MultipathSums()
            }
            state.track = next
        }
        satellites[id] = state
        return slips
    }

    /// Forgets what depends on the data's time, keeping the counts since start.
    private mutating func restart() {
        for (id, state) in satellites { if let track = state.track { close(track, system: id.system) } }
        satellites = [:]
        lastTime = nil
        interval = nil
        completenessHour = HourWindow()
        slipsHour = HourWindow()
        for key in multipath.keys { multipath[key]?.hour = HourWindow() }
        cn0 = [:]
    }

    /// Folds an ended track's arcs into their signals' sums.
    private mutating func close(_ track: Track, system: GNSSSystem) {
        for (arc, signal) in [(track.arcs.0, track.pair.first), (track.arcs.1, track.pair.second)] where arc.count >= thresholds.minimumArcEpochs {
            let key = MultipathKey(system: system, signal: signal)
            var sums = multipath[key] ?? MultipathSums()
            sums.total = sums.total + arc.deviations
            for bin in arc.deviations(endingAt: latestMinute) { sums.hour.add(bin.value, minute: bin.minute) }
            multipath[key] = sums
        }
    }

    public var report: StationQualityReport {
        var r = StationQualityReport()
        r.epochs = epochs
        r.time = lastTime
        r.interval = interval
        r.completenessTotal = .init(expected: completeness.expected, received: completeness.received)
        let hour = completenessHour.sum(endingAt: latestMinute)
        r.completenessHour = .init(expected: Int(hour.count), received: Int(hour.sum))
        r.receiverSlips = receiverSlips
        r.detectedSlips = detectedSlips
        r.slipsHour = Int(slipsHour.sum(endingAt: latestMinute).count)
        var open: [MultipathKey: (total: Tally, hour: Tally)] = [:]
        for (id, state) in satellites {
            guard let track = state.track else { continue }
            for (arc, signal) in [(track.arcs.0, track.pair.first), (track.arcs.1, track.pair.second)] where arc.count >= thresholds.minimumArcEpochs {
                let key = MultipathKey(system: id.system, signal: signal)
                let before = open[key] ?? (.zero, .zero)
                open[key] = (before.total + arc.deviations, before.hour + arc.hourDeviations(endingAt: latestMinute))
            }
        }
        func rms(_ t: Tally) -> Double? { t.count > 0 ? (t.sum / t.count).squareRoot() : nil }
        r.multipath = multipath.keys.sorted().map { key in
            let sums = multipath[key]!
            let total = sums.total + (open[key]?.total ?? .zero)
            let hour = sums.hour.sum(endingAt: latestMinute) + (open[key]?.hour ?? .zero)
            return .init(system: key.system, signal: key.signal, hourRMS: rms(hour), hourCount: Int(hour.count),
                         totalRMS: rms(total), totalCount: Int(total.count))
        }
        for (system, bins) in cn0 { r.cn0[system] = bins.map { $0.sum(endingAt: latestMinute).mean } }
        r.latency = latestLatency
        r.meanLatency = latency.mean
        r.outages = outages
        r.longestOutage = longestOutage
        r.lastOutage = lastOutage
        return r
    }
}
