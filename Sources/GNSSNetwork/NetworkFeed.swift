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
public struct NetworkFeed: Sendable {
    public var interval: Double
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
        guard stations[name] != nil || stations.count < Self.maximumStations else { return [] }
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
            guard let i = station.index, isOnGrid(epoch.time) else { continue }
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

    /// Processes whatever is pending (at the end of a replay).
    public mutating func finish() -> [[UInt8]] { processReady(latest: nil, all: true) }

    private func isOnGrid(_ t: GNSSTime) -> Bool {
        abs(t.totalSeconds - (t.totalSeconds / interval).rounded() * interval) < 1e-3
    }

    private mutating func processReady(latest: GNSSTime?, all: Bool = false) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let members = Set(stations.values.compactMap(\.index))
        while let t = pending.keys.min() {
            let gathered = pending[t] ?? [:]
            let complete = Set(gathered.keys).isSuperset(of: members)
            let overdue = latest.map { $0 - t >= holdback } ?? false
            guard all || complete || overdue || pending.count > Self.maximumPendingEpochs else { break }
            pending[t] = nil
            out += process(t, gathered)
        }
        return out
    }

    private mutating func process(_ t: GNSSTime, _ observations: [Int: ObservationEpoch]) -> [[UInt8]] {
        lastEpoch = filter.process(time: t, observations: observations, ephemerides: ephemerides)
        lastProcessed = t
        processed += 1
        return Self.frames(of: filter.estimates.filter { $0.time == t }, epoch: t, interval: interval, options: ssr)
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
