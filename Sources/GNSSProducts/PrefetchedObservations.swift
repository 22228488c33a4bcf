import Foundation
import GNSSCore
import GNSSFormats

/// An observation source read ahead on a thread of its own: decoding the file
/// (Hatanaka, gzip, RINEX text) overlaps with loading products and with
/// positioning, on a second core. Epochs come out in the same order, each with
/// the ephemerides the stream had carried by then, so results are those of
/// reading in line; at most `capacity` epochs wait in memory. The reading
/// thread holds the source and the queue, not this object, so dropping it
/// early stops the reading.
public final class PrefetchedObservations: ObservationSource {
    public let name: String
    public let approximatePosition: ECEF?
    public let antenna: ReceiverAntenna?
    public let isRINEX: Bool
    private let queue: BoundedQueue<Item>
    private var current: [Ephemeris] = []

    private struct Item {
        var epoch: ObservationEpoch
        var ephemerides: [Ephemeris]
    }

    /// Takes over `source`: nothing else may use it afterwards.
    public init(_ source: ObservationSource, capacity: Int = 256) {
        name = source.name
        approximatePosition = source.approximatePosition
        antenna = source.antenna
        isRINEX = source is RINEXObservationSource
        queue = BoundedQueue.start(name: "prefetch", capacity: capacity,
                                   produce: { () throws(FormatError) in try source.next().map { Item(epoch: $0, ephemerides: source.takeEphemerides()) } },
                                   problems: { source.problems })
    }

    public func next() throws(FormatError) -> ObservationEpoch? {
        let item = try queue.take()
        current = item?.ephemerides ?? []
        return item?.epoch
    }

    public func takeEphemerides() -> [Ephemeris] {
        defer { current = [] }
        return current
    }

    /// The reader's problems, once it has reached the end of the file.
    public var problems: [FormatError] { queue.problems }

    deinit { queue.stop() }
}
