import GNSSCore

/// Gathers the MSMs of one epoch (one per system, the multiple-message bit
/// set on all but the last) into one `ObservationEpoch`; legacy observation
/// messages (1001–1004, 1009–1012) join it the same way by their synchronous flag. An epoch is also
/// closed when a message of a later time arrives, so a lost last message
/// delays nothing beyond the next epoch.
public struct MSMEpochAssembler: Sendable {
    private var pending: ObservationEpoch?
    private var pendingStation: Int?
    /// GLONASS channels learned from 1020 ephemerides, for MSM4/6 which do not carry them.
    public var glonassChannels = GlonassChannels()
    /// Epochs dropped because no reference time was known yet to resolve their time of week.
    public private(set) var droppedWithoutTime = 0
    /// Phase continuity and loss of lock across the legacy observation messages of consecutive epochs.
    public private(set) var legacyTracker = LegacyObservationTracker()
    /// BeiDou MSMs whose epoch was stamped in GPS time rather than BDT, merged into their epoch.
    public private(set) var beidouStampedInGPSTime = 0

    public init() {}

    /// Adds one MSM; returns the epochs it completes (zero, one, or two when a new epoch flushes an older one).
    public mutating func add(_ msm: MSMMessage, reference: GNSSTime?) -> [ObservationEpoch] {
        guard let reference else {
            droppedWithoutTime += msm.multipleMessage ? 0 : 1
            return []
        }
        var time = msm.time(near: reference)
        // Some receivers stamp BeiDou MSMs in GPS time instead of BDT: inside an epoch the multiple-message
        // bit says is still open, a BeiDou time exactly 14 s after it is that epoch.
        if msm.system == .beidou, let p = pending, pendingStation == msm.stationID, abs(time - p.time - 14) < 1e-4 {
            time = p.time
            beidouStampedInGPSTime += 1
        }
        return merge(msm.observations(glonassChannels: glonassChannels), time: time, station: msm.stationID,
                     more: msm.multipleMessage)
    }

    /// Adds one legacy observation message (1001–1004, 1009–1012): its synchronous GNSS flag plays the part of
    /// the multiple-message bit, so legacy and MSM messages of one epoch make one epoch.
    public mutating func add(_ legacy: LegacyObservations, reference: GNSSTime?) -> [ObservationEpoch] {
        guard let reference else {
            droppedWithoutTime += legacy.synchronous ? 0 : 1
            return []
        }
        for s in legacy.satellites where s.satellite.system == .glonass {
            if let k = s.glonassChannel { glonassChannels[s.satellite.prn] = k }
        }
        let observations = legacyTracker.observations(legacy, glonassChannels: glonassChannels)
        return merge(observations, time: legacy.time(near: reference), station: legacy.stationID, more: legacy.synchronous)
    }

    /// Merges one message's observations into the epoch being assembled; `more` says the epoch continues.
    private mutating func merge(_ obs: [SatelliteObservation], time: GNSSTime, station: Int, more: Bool) -> [ObservationEpoch] {
        var out: [ObservationEpoch] = []
        if let p = pending, abs(p.time - time) > 1e-4 || pendingStation != station {
            out.append(p)
            pending = nil
        }
        var epoch = pending ?? ObservationEpoch(time: time)
        // Let go of the pending copy before changing it, so its satellites are changed in place rather than
        // copied whole for every message of the epoch.
        pending = nil
        for o in obs {
            guard let i = epoch.satellites.firstIndex(where: { $0.satellite == o.satellite }) else {
                epoch.satellites.append(o)
                continue
            }
            // A signal sent again within the epoch replaces the earlier one: an epoch holds at most one of each
            // satellite's signals, however long a stream keeps it open (the multiple-message bit set, one time).
            for signal in o.signals {
                if let j = epoch.satellites[i].signals.firstIndex(where: { $0.signal == signal.signal }) {
                    epoch.satellites[i].signals[j] = signal
                } else {
                    epoch.satellites[i].signals.append(signal)
                }
            }
        }
        pendingStation = station
        if more {
            pending = epoch
        } else {
            pending = nil
            out.append(epoch)
        }
        return out
    }

    /// The epoch still open at the end of a stream.
    public mutating func flush() -> ObservationEpoch? {
        defer { pending = nil }
        return pending
    }
}

/// Reads an RTCM 3 capture as a stream of observation epochs, collecting the
/// ephemerides and station coordinates it carries on the way. Each epoch comes
/// with the ephemerides that came before it in the stream and after the epoch
/// before, as a live station receives them (both read through `RTCM3StreamDecoder`).
public final class RTCM3EpochReader {
    public let path: String
    private let source: FileByteSource
    private var stream = RTCM3StreamDecoder()
    private var events: [RTCM3StreamEvent] = []
    /// Epochs complete and not yet returned, each with the ephemerides that preceded it.
    private var ready: [(epoch: ObservationEpoch, ephemerides: [Ephemeris])] = []
    private var finished = false
    /// Ephemerides decoded since the last epoch was completed.
    private var unattached: [Ephemeris] = []
    /// Those of the epoch `next` returned last (and at the end, any that followed the last epoch).
    private var ephemerides: [Ephemeris] = []
    public private(set) var stationPosition: ECEF?
    /// The antenna as the stream describes it (antenna and radome, 1007/1008/1033).
    public private(set) var antennaDescriptor: String?
    public private(set) var errors: [FormatError] = []

    public init(path: String) throws(FormatError) {
        self.path = path
        source = try FileByteSource(path: path, chunkSize: 1 << 16)
    }

    /// The ephemerides that came before the epoch `next` returned last; at the end of the stream, those after the
    /// last epoch.
    public func takeEphemerides() -> [Ephemeris] {
        defer { ephemerides.removeAll(keepingCapacity: true) }
        return ephemerides
    }

    private func complete(_ epoch: ObservationEpoch) {
        ready.append((epoch, unattached))
        unattached.removeAll()
    }

    private func handleEvents() {
        for event in events {
            switch event {
            case .epoch(let e): complete(e)
            case .ephemeris(let e): unattached.append(e)
            case .stationPosition(let p): stationPosition = p
            case .descriptors(let d): antennaDescriptor = d.antennaDescriptor
            case .problem(let e): errors.append(e.inFile(path))
            case .frame, .stationID, .ssr: break
            }
        }
        events.removeAll(keepingCapacity: true)
    }

    public func next() throws(FormatError) -> ObservationEpoch? {
        while ready.isEmpty {
            if finished {
                ephemerides += unattached
                unattached.removeAll()
                return nil
            }
            if let chunk = try source.next() {
                stream.ingest(chunk, events: &events)
            } else {
                finished = true
                stream.finish(events: &events)
                if let last = stream.flush() { events.append(.epoch(last)) }
            }
            handleEvents()
        }
        let (epoch, preceding) = ready.removeFirst()
        ephemerides += preceding
        return epoch
    }
}
