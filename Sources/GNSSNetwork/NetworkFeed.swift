import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts

/// What the DPC's network processing is fed and what it gives back: the RTCM 3
/// of many reference stations in (their observations, coordinates and the
/// broadcast ephemerides they decode), SSR orbit and clock corrections out.
///
/// Each station's stream is decoded on its own. Epochs on the processing grid
/// (multiples of `interval`) are gathered across stations and processed in time
/// order once every station with a known position has given that epoch, or once a
/// later epoch has arrived `holdback` seconds past it (a late or silent station is
/// left out of that epoch, not waited for). A station is in the network from its
/// first coordinates (1005/1006) on.
///
/// The satellite segment's downlink (a station whose records carry LEO ephemerides, 4058/1) feeds the LEO orbit and clock
/// determination: its LEO ephemerides, and each LEO satellite's onboard epochs, processed as `leoProcessing` says. On the
/// grid they may join the ground stations' in the network filter (a grid epoch then also waits for the downlink), which
/// estimates the LEO orbits and clocks with the GNSS corrections; or each onboard epoch is positioned on the broadcast
/// GNSS ephemerides with the network's own corrections and the orbits are fitted to those positions. Each grid epoch then
/// also gives 4058/2 corrections for the LEO satellites determined.
public struct NetworkFeed: Sendable {
    public var interval: Double
    /// Seconds between epochs of high-rate clock corrections (SSR high-rate clock messages, from
    /// `EpochDifferencedClocks`) between the filter's updates; nil for none. A divisor of `interval`.
    public var highRate: Double?
    public var holdback: Double
    public private(set) var filter: NetworkFilter
    public private(set) var ephemerides = EphemerisStore()
    /// The SSR issue and format of the corrections given out.
    public var ssr = SSRGenerator.Options()
    /// Epochs processed, and epochs whose observations came after they were processed (dropped, counted).
    public private(set) var processed = 0
    public private(set) var late = 0
    /// The last epoch processed and how it went.
    public private(set) var lastEpoch: NetworkEpoch?
    /// High-rate clock epochs processed, and the last one.
    public private(set) var highRateEpochs = 0
    public private(set) var lastHighRate: EpochDifferencedClocks.Epoch?
    private var clockChanges = EpochDifferencedClocks()
    /// The LEO satellites' orbits and clocks, from the satellite segment's onboard observations.
    public var leo = LEOOrbitDetermination()
    public private(set) var leoEphemerides = LEOEphemerisStore()
    /// Onboard epochs taken from the satellite segment, and the LEO satellites the last grid epoch corrected.
    public private(set) var onboardEpochs = 0
    /// Onboard epochs the kinematic processing positioned, and those within the fit's sigma limit; in joint processing,
    /// those the network filter used, and those whose satellite's position it then held within `leoMaximumSigma`.
    public private(set) var onboardPositioned = 0
    public private(set) var onboardFitted = 0
    public private(set) var leoCorrected = 0
    /// The GNSS orbits and clocks the LEO processing positions on, and the errors it assumes of them.
    public var leoGNSS = LEOGNSSReference()
    /// How the onboard epochs are processed.
    public var leoProcessing = LEOProcessing.kinematic
    /// Joint processing: a LEO satellite's corrections go out once the filter's formal sigma of its position is this
    /// small, m.
    public var leoMaximumSigma = 0.3
    /// Onboard epochs gathered for grid epochs not yet processed (joint processing), and the downlink's latest epoch.
    private var pendingOnboard: [GNSSTime: [SatelliteID: ObservationEpoch]] = [:]
    private var downlinkLatest: GNSSTime?
    /// The network's own GNSS corrections, as the LEO processing positions on them, and their orbit sigmas.
    private var corrections = SSRCorrections()
    private var orbitSigmas: [SatelliteID: Double] = [:]
    private var downlinks: [String: SatelliteSegmentDownlink] = [:]

    private struct Station {
        var decoder = RTCM3StreamDecoder()
        var index: Int?
        var lastTime: GNSSTime?
    }

    private var stations: [String: Station] = [:]
    /// Observations gathered for grid epochs not yet processed, by time and station index.
    private var pending: [GNSSTime: [Int: ObservationEpoch]] = [:]
    private var lastProcessed: GNSSTime?
    /// Limits: stations, and grid epochs held open.
    public static let maximumStations = 500
    public static let maximumPendingEpochs = 20

    public init(interval: Double = 30, holdback: Double = 2, options: NetworkOptions = NetworkOptions()) {
        self.interval = interval
        self.holdback = holdback
        filter = NetworkFilter(options: options)
        ssr.systems = options.systems
        ssr.reference = .antennaPhaseCentre
        ssr.accuracy = nil
    }

    /// Names of the stations in the network (with coordinates), in index order.
    public var networkStations: [String] { filter.stations.map(\.name) }

    /// One station's forwarded RTCM 3 (a record: the frames of one of its epochs, stamped `time`). Returns the SSR
    /// frames of every grid epoch this completes.
    public mutating func add(station name: String, time: GNSSTime, rtcm: [UInt8]) -> [[UInt8]] {
        guard stations[name] != nil || downlinks[name] != nil || stations.count + downlinks.count < Self.maximumStations else { return [] }
        if downlinks[name] != nil || (stations[name]?.index == nil && SatelliteSegmentDownlink.carriesSegmentMessages(rtcm)) {
            return takeDownlink(station: name, time: time, rtcm: rtcm)
        }
        var station = stations[name] ?? Station()
        var events: [RTCM3StreamEvent] = []
        station.decoder.ingest(rtcm, reference: { time }, events: &events)
        var epochs: [ObservationEpoch] = []
        for event in events {
            switch event {
            case .epoch(let e): epochs.append(e)
            case .ephemeris(let e): _ = ephemerides.add(e)
            case .stationPosition(let p):
                if let i = station.index {
                    if (filter.stations[i].position - p).norm > 0.001 { filter.move(station: i, to: p) }
                } else {
                    station.index = filter.add(NetworkStation(name: name, position: p))
                }
            default: break
            }
        }
        if let e = station.decoder.flush() { epochs.append(e) }
        var out: [[UInt8]] = []
        for epoch in epochs {
            station.lastTime = max(station.lastTime ?? epoch.time, epoch.time)
            guard let i = station.index, isOnGrid(epoch.time) || isOnHighRateGrid(epoch.time) else { continue }
            if let last = lastProcessed, !(last < epoch.time) {
                late += 1
                continue
            }
            pending[epoch.time, default: [:]][i] = epoch
        }
        stations[name] = station
        out += processReady(latest: station.lastTime)
        return out
    }

    /// LEO satellites with a determined orbit and clock now.
    public var determinedLEO: Int { lastProcessed.map { leo.determined(at: $0).count } ?? 0 }

    /// The satellite segment's record: LEO ephemerides kept, onboard epochs gathered for the network filter (joint) or
    /// positioned. Returns the SSR frames of every grid epoch this completes.
    private mutating func takeDownlink(station name: String, time: GNSSTime, rtcm: [UInt8]) -> [[UInt8]] {
        stations[name] = nil
        var downlink = downlinks[name] ?? SatelliteSegmentDownlink()
        let (ephemerides, epochs) = downlink.add(rtcm, time: time)
        downlinks[name] = downlink
        for e in ephemerides { _ = leoEphemerides.add(e) }
        onboardEpochs += epochs.count
        if leoProcessing.entersNetworkFilter {
            for (sat, epoch) in epochs {
                downlinkLatest = max(downlinkLatest ?? epoch.time, epoch.time)
                guard isOnGrid(epoch.time) else { continue }
                if let last = lastProcessed, !(last < epoch.time) {
                    late += 1
                    continue
                }
                pendingOnboard[epoch.time, default: [:]][sat] = epoch
            }
            // Bounded: onboard epochs no ground station will complete are let go (counted late).
            while pendingOnboard.count > Self.maximumPendingEpochs, let oldest = pendingOnboard.keys.min() {
                late += pendingOnboard.removeValue(forKey: oldest)?.count ?? 0
            }
        }
        guard leoProcessing.positionsKinematically else { return processReady(latest: downlinkLatest) }
        let reference = leoGNSS, corrections = self.corrections, broadcast = self.ephemerides, sigmas = orbitSigmas
        let gnss: LEOKinematicFilter.GNSSStates = { reference.state($0, at: $1, corrections: corrections, broadcast: broadcast, orbitSigmas: sigmas) }
        for (sat, epoch) in epochs {
            if let solution = leo.process(sat, epoch: epoch, gnss: gnss) {
                onboardPositioned += 1
                if solution.sigma <= leo.options.maximumSampleSigma { onboardFitted += 1 }
            }
        }
        return leoProcessing.entersNetworkFilter ? processReady(latest: downlinkLatest) : []
    }

    /// Processes whatever is pending (at the end of a replay).
    public mutating func finish() -> [[UInt8]] { processReady(latest: nil, all: true) }

    private func isOnGrid(_ t: GNSSTime) -> Bool { Self.isMultiple(t, of: interval) }

    private func isOnHighRateGrid(_ t: GNSSTime) -> Bool { highRate.map { Self.isMultiple(t, of: $0) } ?? false }

    private static func isMultiple(_ t: GNSSTime, of interval: Double) -> Bool {
        abs(t.totalSeconds - (t.totalSeconds / interval).rounded() * interval) < 1e-3
    }

    private mutating func processReady(latest: GNSSTime?, all: Bool = false) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let members = Set(stations.values.compactMap(\.index))
        while let t = pending.keys.min() {
            let gathered = pending[t] ?? [:]
            // Complete: every station has given the epoch, and in joint processing the downlink a later one (it sends its
            // satellites' epochs one after another, so the first of them at t does not say the others are in).
            let downlinkDone = !leoProcessing.entersNetworkFilter || downlinks.isEmpty || (downlinkLatest.map { t < $0 } ?? false)
            let complete = Set(gathered.keys).isSuperset(of: members) && downlinkDone
            let overdue = latest.map { $0 - t >= holdback } ?? false
            guard all || complete || overdue || pending.count > Self.maximumPendingEpochs else { break }
            pending[t] = nil
            out += process(t, gathered)
        }
        return out
    }

    private mutating func process(_ t: GNSSTime, _ observations: [Int: ObservationEpoch]) -> [[UInt8]] {
        lastProcessed = t
        guard isOnGrid(t) else {
            let epoch = clockChanges.process(time: t, observations: observations, stations: filter.stations)
            highRateEpochs += 1
            lastHighRate = epoch
            guard let highRate else { return [] }
            return Self.highRateFrames(epoch.changes, epoch: t, interval: highRate, options: ssr)
        }
        let onboard = pendingOnboard.removeValue(forKey: t) ?? [:]
        // Onboard epochs of grid epochs no station gave are let go, counted late.
        for key in pendingOnboard.keys where key < t { late += pendingOnboard.removeValue(forKey: key)?.count ?? 0 }
        let epoch = filter.process(time: t, observations: observations, ephemerides: ephemerides, onboard: onboard,
                                   leoEphemerides: leoEphemerides)
        lastEpoch = epoch
        processed += 1
        if leoProcessing == .joint {
            onboardPositioned += epoch.leoSatellites
            for estimate in filter.leoEstimates where estimate.positionSigma <= leoMaximumSigma {
                onboardFitted += 1
                leo.take(estimate, model: filter.options.leoForceModel)
            }
        }
        let estimates = filter.estimates
        NetworkCorrections.add(estimates, epoch: t, updateInterval: interval, into: &corrections)
        orbitSigmas = Dictionary(uniqueKeysWithValues: estimates.map { ($0.satellite, $0.orbitSigma) })
        if highRate != nil {
            clockChanges.restart(at: t, estimates: estimates.filter { $0.time == t })
            _ = clockChanges.process(time: t, observations: observations, stations: filter.stations)
        }
        var frames = Self.frames(of: estimates.filter { $0.time == t }, epoch: t, interval: interval, options: ssr)
        guard !downlinks.isEmpty else { return frames }
        leo.forget(olderThan: 600, at: t)
        let issue = SSRIssue(provider: ssr.providerID, solution: ssr.solutionID, iodSSR: ssr.iodSSR)
        let messages = leo.messages(at: t, broadcast: leoEphemerides, interval: interval, issue: issue)
        leoCorrected = messages.reduce(0) { $0 + $1.satellites.count }
        for m in messages {
            if let payload = try? RTCM3LEO.encode(ssr: m) { frames.append(RTCM3Framer.frame(payload)) }
        }
        return frames
    }

    /// Clock corrections' changes since the last update as SSR high-rate clock messages of epoch `t`, framed.
    public static func highRateFrames(_ changes: [SatelliteID: Double], epoch t: GNSSTime, interval: Double,
                                      options: SSRGenerator.Options) -> [[UInt8]] {
        guard let index = SSRFeed.updateIntervals.firstIndex(of: interval) else { return [] }
        var messages: [SSRMessage] = []
        for system in SSRGenerator.supportedSystems where options.systems.contains(system) {
            let satellites = changes.keys.filter { $0.system == system }.sorted().map { sat in
                var s = SSRMessage.Satellite(satellite: sat)
                s.highRateClock = changes[sat]
                return s
            }
            messages += SSRGenerator.messages(system, .highRateClock, t, satellites, interval: index, options: options)
        }
        for i in messages.indices { messages[i].multipleMessage = i < messages.count - 1 }
        return messages.compactMap { m in (try? RTCM3SSRCodec.encode(m)).map(RTCM3Framer.frame) }
    }

    /// The estimates as SSR orbit, clock and URA messages of epoch `t` (URA from each estimate's sigmas), framed.
    public static func frames(of estimates: [SatelliteEstimate], epoch t: GNSSTime, interval: Double, options: SSRGenerator.Options) -> [[UInt8]] {
        guard let index = SSRFeed.updateIntervals.firstIndex(of: interval) else { return [] }
        var messages: [SSRMessage] = []
        for system in SSRGenerator.supportedSystems where options.systems.contains(system) {
            var orbits: [SSRMessage.Satellite] = [], clocks: [SSRMessage.Satellite] = [], accuracies: [SSRMessage.Satellite] = []
            for e in estimates where e.satellite.system == system {
                guard let iod = SSRGenerator.issueOfData(e.ephemeris) else { continue }
                var o = SSRMessage.Satellite(satellite: e.satellite)
                o.iod = iod
                let offset = e.ssrOrbitOffset
                o.orbit = [offset.radial, offset.along, offset.cross, 0, 0, 0]
                orbits.append(o)
                var c = SSRMessage.Satellite(satellite: e.satellite)
                c.clock = [e.clock, 0, 0]
                clocks.append(c)
                var u = SSRMessage.Satellite(satellite: e.satellite)
                u.ura = SSRGenerator.accuracyIndex(e.rangeSigma)
                accuracies.append(u)
            }
            messages += SSRGenerator.messages(system, .orbit, t, orbits, interval: index, options: options)
            messages += SSRGenerator.messages(system, .clock, t, clocks, interval: index, options: options)
            messages += SSRGenerator.messages(system, .ura, t, accuracies, interval: index, options: options)
        }
        for i in messages.indices { messages[i].multipleMessage = i < messages.count - 1 }
        return messages.compactMap { m in (try? RTCM3SSRCodec.encode(m)).map(RTCM3Framer.frame) }
    }
}
