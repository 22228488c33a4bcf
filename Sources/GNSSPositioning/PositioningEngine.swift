import GNSSCore
import GNSSOrbits

/// Why an epoch has no solution before any estimator saw it.
public enum UnsolvedReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// RTK: the base has sent no epoch at or before the rover's yet.
    case noBaseEpoch
    /// RTK: the base's latest epoch is older than the profile allows.
    case baseEpochTooOld(age: Double, limit: Double)
    /// RTK: neither the configuration nor the base's stream gave its position.
    case basePositionUnknown

    public var description: String {
        switch self {
        case .noBaseEpoch: "no base epoch"
        case .baseEpochTooOld(let age, let limit): "base epoch too old (\(Int(age.rounded())) s, limit \(Int(limit.rounded())) s)"
        case .basePositionUnknown: "base position unknown"
        }
    }

    /// The unsolved solution of an epoch at `time`.
    public func solution(at time: GNSSTime) -> Solution {
        Solution(time: time, position: .zero, quality: .none, satellites: 0, note: description)
    }
}

/// What the engine solves an epoch with: the broadcast ephemerides and ionosphere model held at that moment,
/// precise orbits and clocks where there are any, and the LEO satellites' broadcast ephemerides.
public struct PositioningProducts: Sendable {
    public var ephemerides: EphemerisStore
    public var klobuchar: KlobucharCoefficients?
    public var precise: PreciseEphemeris?
    public var leo: LEOEphemerisStore?
    /// State-space corrections to the broadcast ephemerides, as a correction stream has brought them so far.
    public var ssr: SSRCorrections?

    public init(ephemerides: EphemerisStore, klobuchar: KlobucharCoefficients? = nil, precise: PreciseEphemeris? = nil,
                leo: LEOEphemerisStore? = nil, ssr: SSRCorrections? = nil) {
        self.ephemerides = ephemerides
        self.klobuchar = klobuchar
        self.precise = precise
        self.leo = leo
        self.ssr = ssr
    }

    /// Whether PPP has more than the broadcast ephemerides for the GNSS satellites: precise orbits and clocks, or SSR
    /// corrections of more than LEO satellites.
    var hasPreciseOrbits: Bool { precise != nil || gnssCorrections != nil }

    /// The SSR corrections that serve the GNSS satellites: none when they are of LEO satellites alone (a LEO
    /// operator's stream), which leaves the GNSS satellites to their products.
    var gnssCorrections: SSRCorrections? {
        ssr.flatMap { $0.holdsOnlyLEO ? nil : $0 }
    }

    /// PPP's satellite orbits and clocks: the broadcast ephemerides with SSR corrections where a correction stream is
    /// given (and not of LEO satellites only), else precise ones where given, else broadcast alone; with the LEO
    /// satellites' own, corrected where the SSR corrections hold LEO satellites.
    func orbits(systems: Set<GNSSSystem>) -> OrbitSource {
        let gnss: OrbitSource = gnssCorrections.map { .ssr(ephemerides, $0) } ?? precise.map { .precise($0) } ?? .broadcast(ephemerides)
        guard let leo, leo.count > 0, systems.contains(.leo) else { return gnss }
        return .withLEO(gnss, leo, ssr.flatMap { $0.corrects(.leo) ? $0 : nil })
    }
}

/// A base station's epoch offered to an RTK rover, with the base's position when it is known.
public struct BaseEpoch: Sendable {
    public var epoch: ObservationEpoch
    public var position: ECEF?

    public init(epoch: ObservationEpoch, position: ECEF?) {
        self.epoch = epoch
        self.position = position
    }
}

/// The one positioning engine: SPP, RTK or PPP (LEO satellites included) for one receiver, configured by a
/// `PositioningProfile`. The daemon's stations, `replay --mode`, `replay --config`, the simulator's experiments and
/// the tests all solve through it, so one profile and one input give one result.
public struct PositioningEngine: Sendable {
    public let profile: PositioningProfile
    private let spp: SinglePointPositioner
    private var rtk: RTKFilter
    private var ppp: PPPFilter
    /// The last single-point fix: the next one's first guess (SPP, and RTK's preparation).
    private var lastSinglePosition: ECEF?

    public init(profile: PositioningProfile) {
        self.profile = profile
        spp = SinglePointPositioner(options: profile.sppOptions)
        rtk = RTKFilter(options: profile.rtkOptions)
        ppp = PPPFilter(options: profile.pppOptions)
    }

    /// The receiver's antenna models (PPP: with the satellites'; RTK: the rover's).
    public mutating func setReceiverAntenna(_ models: AntennaModels?) {
        switch profile.mode {
        case .ppp: ppp.antennas = models
        case .rtk: rtk.roverAntenna = models
        case .spp: break
        }
    }

    /// PPP on SSR: the satellites of the last epoch the corrections could not serve, by reason.
    public var uncorrectedSatellites: [String: Int] { profile.mode == .ppp ? ppp.lastUncorrected : [:] }

    /// RTK: the base's antenna models.
    public mutating func setBaseAntenna(_ models: AntennaModels?) {
        rtk.baseAntenna = models
    }

    /// Solves one epoch, in time order. RTK needs `base`: the base's epoch chosen by `BasePairing` (nil when it has
    /// none yet).
    public mutating func solve(_ epoch: ObservationEpoch, base: BaseEpoch? = nil, products: PositioningProducts) -> Solution {
        var solution = solveIncluded(epoch.excluding(profile.excludedSatellites), base: base, products: products)
        Self.reportExclusions(profile.excludedSatellites, of: epoch, in: &solution.satelliteReport)
        return solution
    }

    /// Adds the satellites the configuration excludes to a report of the epoch's other satellites, in the epoch's
    /// order (where the engine reached the satellites at all).
    static func reportExclusions(_ excluded: Set<SatelliteID>, of epoch: ObservationEpoch, in report: inout [SatelliteUse]) {
        guard !excluded.isEmpty, !report.isEmpty else { return }
        var merged: [SatelliteUse] = []
        merged.reserveCapacity(epoch.satellites.count)
        var k = 0
        for o in epoch.satellites {
            if excluded.contains(o.satellite) {
                merged.append(.unused(o.satellite, .excludedByConfiguration))
            } else if k < report.count, report[k].satellite == o.satellite {
                merged.append(report[k])
                k += 1
            }
        }
        if k < report.count { merged += report[k...] }
        report = merged
    }

    private mutating func solveIncluded(_ epoch: ObservationEpoch, base: BaseEpoch?, products: PositioningProducts) -> Solution {
        switch profile.mode {
        case .spp:
            let s = spp.solve(epoch: epoch, ephemerides: products.ephemerides, klobuchar: products.klobuchar, initial: lastSinglePosition,
                              corrections: products.gnssCorrections)
            if s.quality != .none { lastSinglePosition = s.position }
            return s
        case .ppp:
            let s = ppp.process(epoch: epoch, orbits: products.orbits(systems: profile.activeSystems), ephemerides: products.ephemerides)
            guard !products.hasPreciseOrbits, s.quality == .ppp else { return s }
            return Self.broadcastOnly(s, single: spp.solve(epoch: epoch, ephemerides: products.ephemerides,
                                                           klobuchar: products.klobuchar, initial: s.position))
        case .rtk:
            let usable: (epoch: ObservationEpoch, position: ECEF)
            switch usableBase(base, at: epoch.time) {
            case .success(let b): usable = b
            case .failure(let reason): return reason.solution(at: epoch.time)
            }
            let prepared = preparer.prepare(rover: epoch, base: usable.epoch.excluding(profile.excludedSatellites), basePosition: usable.position,
                                            products: products, initial: &lastSinglePosition)
            return rtk.process(prepared)
        }
    }

    /// What PPP on broadcast ephemerides says of itself. The filter's covariance knows the measurements' noise, not
    /// the broadcast orbits' and clocks' errors (metres, and lasting hours, which no filter averages away): the
    /// single-point fix's covariance, weighted by each satellite's broadcast accuracy (URA, SISA), is added to it,
    /// and the solution is labelled single, with the reason, until precise products or SSR corrections are given.
    static func broadcastOnly(_ s: Solution, single: Solution) -> Solution {
        var out = s
        out.quality = .single
        out.note = broadcastOnlyNote
        let floor = single.quality == .none ? [25.0, 25, 25, 0, 0, 0] : single.covariance
        out.covariance = zip(s.covariance, floor).map { $0 + $1 }
        return out
    }

    /// The note of a PPP solution on broadcast ephemerides alone.
    public static let broadcastOnlyNote = "PPP on broadcast ephemerides (metre-level): no precise orbits and clocks or SSR corrections"

    /// RTK: why a base epoch cannot serve a rover epoch at `time`, nil when it can.
    public func unusable(_ base: BaseEpoch?, at time: GNSSTime) -> UnsolvedReason? {
        if case .failure(let reason) = usableBase(base, at: time) { return reason }
        return nil
    }

    /// RTK: the base's epoch and position when they can serve a rover epoch at `time`, else why not.
    private func usableBase(_ base: BaseEpoch?, at time: GNSSTime) -> Result<(epoch: ObservationEpoch, position: ECEF), UnsolvedReason> {
        guard let base else { return .failure(.noBaseEpoch) }
        let age = abs(time - base.epoch.time)
        guard age <= profile.maxBaseAge else { return .failure(.baseEpochTooOld(age: age, limit: profile.maxBaseAge)) }
        guard let position = base.position else { return .failure(.basePositionUnknown) }
        return .success((base.epoch, position))
    }

    /// RTK: what prepares epochs for `process(prepared:)`, on another thread if need be (a replay prepares the next
    /// epochs while the filter works). It carries the profile and antennas, none of the filter's state.
    public var preparer: RTKPreparer { RTKPreparer(filter: rtk, excluded: profile.excludedSatellites) }

    /// RTK: processes an epoch made by `preparer`, in time order.
    public mutating func process(prepared: RTKFilter.PreparedEpoch) -> Solution {
        rtk.process(prepared)
    }
}

/// Makes RTK epochs ready for the filter, each single-point fix starting from the one before it; the rover's
/// satellites the profile excludes are left out here and reported so.
public struct RTKPreparer: Sendable {
    let filter: RTKFilter
    let excluded: Set<SatelliteID>

    public func prepare(rover: ObservationEpoch, base: ObservationEpoch, basePosition: ECEF, products: PositioningProducts,
                        initial: inout ECEF?) -> RTKFilter.PreparedEpoch {
        var epoch = filter.prepare(rover: rover.excluding(excluded), base: base, basePosition: basePosition,
                                   ephemerides: products.ephemerides, klobuchar: products.klobuchar, initial: initial)
        PositioningEngine.reportExclusions(excluded, of: rover, in: &epoch.report)
        if let p = epoch.singlePointPosition { initial = p }
        return epoch
    }

    public var systems: Set<GNSSSystem> { filter.options.systems }
}

/// Which of a base's epochs serves a rover epoch: the one of the same time (within `RTKOptions.epochTolerance`), else
/// the latest before it (the base's data late, as over a network, or recorded less often).
public enum BasePairing {
    /// Whether a base epoch at `base` may serve a rover epoch at `rover`: it is not later than the rover's.
    public static func precedes(_ base: GNSSTime, _ rover: GNSSTime) -> Bool {
        base - rover <= RTKOptions.epochTolerance
    }
}
