/// One continuous arc of a code multipath series (one satellite, one signal, no slip or gap): its values less the
/// first one (so that the sums of squares keep their millimetres next to ambiguities of thousands of kilometres),
/// summed over the whole arc and in one-minute bins for the last hour. The arc's mean is removed when its
/// deviations are asked for, as teqc removes each arc's mean.
public struct MultipathArc: Sendable {
    private var offset: Double?
    public private(set) var total = Moments.zero
    private var window = HourWindow<Moments>()

    public init() {}

    public var count: Int { Int(total.count) }

    public mutating func add(_ value: Double, minute: Int64) {
        let origin = offset ?? value
        offset = origin
        let m = Moments(value - origin)
        total = total + m
        window.add(m, minute: minute)
    }

    private var mean: Double { total.count > 0 ? total.sum / total.count : 0 }

    /// Values and their squared deviations from the arc's mean, over the whole arc.
    public var deviations: Tally { Tally(count: total.count, sum: total.squaredDeviations(about: mean)) }

    /// Values and their squared deviations from the arc's mean over the hour ending at `latest`.
    public func hourDeviations(endingAt latest: Int64) -> Tally {
        let m = mean
        return window.sum(endingAt: latest) { Tally(count: $0.count, sum: $0.squaredDeviations(about: m)) }
    }

    /// Values and their squared deviations from the arc's mean, minute by minute over the hour ending at `latest`.
    public func deviations(endingAt latest: Int64) -> [(minute: Int64, value: Tally)] {
        let m = mean
        return window.bins(endingAt: latest).map { ($0.minute, Tally(count: $0.value.count, sum: $0.value.squaredDeviations(about: m))) }
    }
}
