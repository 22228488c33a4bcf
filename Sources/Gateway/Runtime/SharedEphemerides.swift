import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import Synchronization

/// The broadcast ephemerides of every stream and product file, shared by all
/// stations: an ephemeris that arrives on one station's stream serves them all.
public final class SharedEphemerides: Sendable {
    private struct State {
        var store: EphemerisStore
        var leo: LEOEphemerisStore
        var clue = EphemerisTimeClue()
        /// Each corrections stream's SSR, by station name.
        var corrections: [String: CorrectionStream] = [:]
    }

    private let state: Mutex<State>

    public init(_ initial: EphemerisStore = EphemerisStore(), leo: LEOEphemerisStore = LEOEphemerisStore()) {
        state = Mutex(State(store: initial, leo: leo))
    }

    /// Adds a LEO satellite's broadcast ephemeris; false when it was held already.
    public func add(leo e: LEOEphemeris) -> Bool {
        state.withLock { $0.leo.add(e) }
    }

    /// The LEO ephemerides held, to solve with.
    public func leoSnapshot() -> LEOEphemerisStore { state.withLock { $0.leo } }

    /// Adds ephemerides that came in a stream: returns those that were new (not held already), for forwarding, and
    /// how many were set aside for a reference time that disagrees with the other satellites' (`EphemerisTimeClue`).
    public func add(_ ephemerides: [Ephemeris]) -> (new: [Ephemeris], setAside: Int) {
        guard !ephemerides.isEmpty else { return ([], 0) }
        return state.withLock { s in
            var new: [Ephemeris] = []
            var setAside = 0
            for e in ephemerides {
                let admitted = s.clue.admit(e)
                if admitted.isEmpty { setAside += 1 }
                new += admitted.filter { s.store.add($0) }
            }
            return (new, setAside)
        }
    }

    /// Adds the ephemerides of product files (navigation files the configuration names): all held, trusted.
    public func add(products ephemerides: [Ephemeris]) {
        state.withLock { s in
            for e in ephemerides where s.store.add(e) { s.clue.follow(e.toe) }
        }
    }

    /// Takes an SSR message of corrections stream `stream`; `near` resolves its time until the stream's own messages
    /// do. Returns the corrections the message gave and the stream's newest correction time.
    public func add(ssr message: SSRMessage, stream: String, reference: SSRReferencePoint,
                    near: GNSSTime?) -> (updates: [SSRUpdate], newest: GNSSTime?) {
        state.withLock { s in
            // In place: the stream's corrections are not copied out of the dictionary and back.
            s.corrections[stream, default: CorrectionStream(reference: reference)].add(message, near: near)
            let taken = s.corrections[stream]!
            return (taken.lastUpdates, taken.newest.values.max())
        }
    }

    /// The corrections streams that have sent something, by name.
    public var correctionStreams: [String] { state.withLock { $0.corrections.keys.sorted() } }

    /// A corrections stream's state, for its status and metrics (a copy: the next message then copies the stream's
    /// corrections once, so not for every message of a replay).
    public func correctionStream(_ stream: String) -> CorrectionStream? {
        state.withLock { $0.corrections[stream] }
    }

    /// The corrections of a stream held now, to solve with (nil before its first message).
    public func corrections(_ stream: String) -> SSRCorrections? {
        state.withLock { $0.corrections[stream]?.corrections }
    }

    /// A copy to solve with (copy-on-write: cheap until the next update).
    public func snapshot() -> EphemerisStore { state.withLock { $0.store } }

    /// The latest reference time of the ephemerides held that agree with each other, a clue to the streams' time
    /// (`EphemerisTimeClue`).
    public var latestTime: GNSSTime? { state.withLock { $0.clue.time } }

    public var count: Int { state.withLock { $0.store.count } }
}

/// The latest epoch and antenna position of each reference station, for the RTK rovers processed against them.
public final class ReferenceEpochs: Sendable {
    public struct Entry: Sendable {
        public var epoch: ObservationEpoch
        public var position: ECEF?
        /// The station's antenna as its stream describes it, for the rovers' antenna models.
        public var antennaType: String?
    }

    /// Each station's recent epochs, oldest first: the last `retention` seconds, at most `capacity`.
    private let entries = Mutex<[String: [Entry]]>([:])
    /// How long a reference station's epochs are kept for the rovers: the engine's default base age, so a rover whose
    /// data arrive later than its reference's still finds the epoch of its own time.
    public static let retention = PositioningProfile.defaultMaxBaseAge
    /// Epochs kept per station at most (a minute of a 1 Hz stream).
    public static let capacity = 64

    public init() {}

    public func publish(_ station: String, epoch: ObservationEpoch, position: ECEF?, antennaType: String? = nil) {
        entries.withLock { all in
            // In place: the station's list is not copied out of the dictionary and back at every epoch.
            Self.append(Entry(epoch: epoch, position: position, antennaType: antennaType), to: &all[station, default: []])
        }
    }

    private static func append(_ entry: Entry, to recent: inout [Entry]) {
        recent.append(entry)
        recent.removeAll { entry.epoch.time - $0.epoch.time > retention }
        if recent.count > capacity { recent.removeFirst(recent.count - capacity) }
    }

    public func latest(_ station: String) -> Entry? { entries.withLock { $0[station]?.last } }

    /// The station's epoch to pair with a rover epoch at `time`: the one of the same time, else the latest before
    /// it (the reference's data late, as over a network), else the earliest kept (the reference ahead, as when
    /// recorded streams are replayed faster than real time).
    public func matching(_ station: String, at time: GNSSTime) -> Entry? {
        entries.withLock { all in
            guard let recent = all[station] else { return nil }
            return recent.last { BasePairing.precedes($0.epoch.time, time) } ?? recent.first
        }
    }

    public func remove(_ station: String) { _ = entries.withLock { $0.removeValue(forKey: station) } }
}
