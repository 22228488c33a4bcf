import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts

/// A replay's RTK epochs made ready on a thread of their own: each rover epoch with the base's epoch `BasePairing`
/// chooses (the base's files one after the other), its single-point fix and its satellite pairs (the engine's
/// `RTKPreparer`), while the engine's filter works on the epochs before, on the other core. The single-point fixes
/// chain from one epoch to the next as in `PositioningEngine.solve`, so both give the same solutions.
final class PreparedRTKEpochs {
    /// Each with the rover's epoch as read, for what follows its signals.
    enum Item {
        case prepared(RTKFilter.PreparedEpoch, ObservationEpoch)
        /// A rover epoch no base epoch can serve.
        case unsolved(ObservationEpoch, UnsolvedReason)
    }

    private let queue: BoundedQueue<Item>

    /// Takes over the sources: nothing else may use them afterwards. `base` has already given `current` and `next`.
    init(rover: PrefetchedObservations, base: PrefetchedObservations, current: ObservationEpoch?, next: ObservationEpoch?,
         laterBaseFiles: [String], basePosition: ECEF, engine: PositioningEngine, products: PositioningProducts,
         capacity: Int = 64) {
        let pairing = Pairing(rover: rover, base: base, current: current, next: next, laterBaseFiles: laterBaseFiles,
                              basePosition: basePosition, engine: engine, products: products)
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
        let basePosition: ECEF
        /// A copy of the engine, for its profile and its preparer only: its filter stays with the caller.
        let engine: PositioningEngine
        let preparer: RTKPreparer
        var products: PositioningProducts
        var lastPosition: ECEF?

        init(rover: PrefetchedObservations, base: PrefetchedObservations, current: ObservationEpoch?, next: ObservationEpoch?,
             laterBaseFiles: [String], basePosition: ECEF, engine: PositioningEngine, products: PositioningProducts) {
            self.rover = rover
            self.base = base
            self.current = current
            self.next = next
            self.laterBaseFiles = laterBaseFiles.makeIterator()
            self.basePosition = basePosition
            self.engine = engine
            self.preparer = engine.preparer
            self.products = products
        }

        func nextItem() throws(FormatError) -> Item? {
            let excluded = engine.profile.excludedSatellites
            // The rover's excluded satellites are left out (and reported so) by the preparer.
            guard let e = try rover.next() else { return nil }
            for eph in rover.takeEphemerides() { products.ephemerides.add(eph) }
            // Advance the base to the latest epoch that may serve the rover's.
            while let nb = next, BasePairing.precedes(nb.time, e.time) {
                current = nb
                next = try base.next()?.excluding(excluded)
                if next == nil, let f = laterBaseFiles.next() {
                    base = PrefetchedObservations(try ObservationSources.open(f, systems: preparer.systems))
                    next = try base.next()?.excluding(excluded)
                }
            }
            let offered = current.map { BaseEpoch(epoch: $0, position: basePosition) }
            if let reason = engine.unusable(offered, at: e.time) { return .unsolved(e, reason) }
            guard let b = current else { return .unsolved(e, .noBaseEpoch) }
            return .prepared(preparer.prepare(rover: e, base: b, basePosition: basePosition, products: products, initial: &lastPosition), e)
        }
    }
}
