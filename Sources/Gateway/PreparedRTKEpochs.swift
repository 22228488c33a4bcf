import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning

/// A replay's RTK epochs made ready on a thread of their own: each rover epoch with the base's latest epoch at or
/// before it (the base's files one after the other), its single-point fix and its satellite pairs
/// (`RTKFilter.prepare`), while the filter works on the epochs before, on the other core. Each single-point fix
/// starts from the one before it instead of the filter's last position, which moves it by less than its iteration's
/// tolerance.
final class PreparedRTKEpochs {
    enum Item {
        case prepared(RTKFilter.PreparedEpoch)
        /// A rover epoch with no base epoch within 30 s of it.
        case noBase(GNSSTime)
    }

    private let queue: BoundedQueue<Item>

    /// Takes over the sources: nothing else may use them afterwards. `base` has already given `current` and `next`.
    init(rover: PrefetchedObservations, base: PrefetchedObservations, current: ObservationEpoch?, next: ObservationEpoch?,
         laterBaseFiles: [String], excluded: Set<SatelliteID>, basePosition: ECEF, preparer: RTKFilter,
         ephemerides: EphemerisStore, klobuchar: KlobucharCoefficients?, capacity: Int = 64) {
        let pairing = Pairing(rover: rover, base: base, current: current, next: next, laterBaseFiles: laterBaseFiles,
                              excluded: excluded, basePosition: basePosition, preparer: preparer, ephemerides: ephemerides,
                              klobuchar: klobuchar)
        queue = BoundedQueue.start(name: "rtk-prepare", capacity: capacity,
                                   produce: { () throws(FormatError) in try pairing.nextItem() })
    }

    func next() throws(FormatError) -> Item? { try queue.take() }

    deinit { queue.stop() }

    /// The state of the preparing thread.
    private final class Pairing {
        let rover: PrefetchedObservations
        var base: PrefetchedObservations
        var current: ObservationEpoch?
        var next: ObservationEpoch?
        var laterBaseFiles: IndexingIterator<[String]>
        let excluded: Set<SatelliteID>
        let basePosition: ECEF
        let preparer: RTKFilter
        var ephemerides: EphemerisStore
        let klobuchar: KlobucharCoefficients?
        var lastPosition: ECEF?

        init(rover: PrefetchedObservations, base: PrefetchedObservations, current: ObservationEpoch?, next: ObservationEpoch?,
             laterBaseFiles: [String], excluded: Set<SatelliteID>, basePosition: ECEF, preparer: RTKFilter,
             ephemerides: EphemerisStore, klobuchar: KlobucharCoefficients?) {
            self.rover = rover
            self.base = base
            self.current = current
            self.next = next
            self.laterBaseFiles = laterBaseFiles.makeIterator()
            self.excluded = excluded
            self.basePosition = basePosition
            self.preparer = preparer
            self.ephemerides = ephemerides
            self.klobuchar = klobuchar
        }

        func nextItem() throws(FormatError) -> Item? {
            guard let e = try rover.next()?.excluding(excluded) else { return nil }
            for eph in rover.takeEphemerides() { ephemerides.add(eph) }
            // Advance the base to the latest epoch at or before the rover's.
            while let nb = next, nb.time - e.time <= RTKOptions.epochTolerance {
                current = nb
                next = try base.next()?.excluding(excluded)
                if next == nil, let f = laterBaseFiles.next() {
                    base = PrefetchedObservations(try ObservationSources.open(f, systems: preparer.options.systems))
                    next = try base.next()?.excluding(excluded)
                }
            }
            guard let b = current, abs(e.time - b.time) <= 30 else { return .noBase(e.time) }
            let epoch = preparer.prepare(rover: e, base: b, basePosition: basePosition, ephemerides: ephemerides,
                                         klobuchar: klobuchar, initial: lastPosition)
            if let p = epoch.singlePointPosition { lastPosition = p }
            return .prepared(epoch)
        }
    }
}
