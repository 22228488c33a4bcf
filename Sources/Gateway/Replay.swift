import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts

/// When a replay's recorded streams (RTCM 3, UBX) give their broadcast ephemerides to the engine.
public enum EphemerisTiming: String, Sendable, CaseIterable {
    /// Every ephemeris of a stream serves every epoch, also those before it was broadcast, as after converting
    /// the capture to RINEX observation and navigation files.
    case ahead
    /// Each ephemeris from its arrival on, as the live daemon receives them.
    case asReceived = "as-received"
}

/// What `gatewayd replay --mode` runs: one receiver's profile and its files.
public struct ReplayConfiguration: Sendable {
    public var profile = PositioningProfile(mode: .spp)
    public var rover: [String] = []
    public var base: [String] = []
    public var navigation: [String] = []
    public var sp3: [String] = []
    public var clock: [String] = []
    /// LEO broadcast ephemerides (JSON lines), for LEO-augmented PPP.
    public var leo: [String] = []
    /// ANTEX antenna models: PPP's satellite and receiver phase centres, RTK's rover and base antennas, with the
    /// antenna heights of the files' headers.
    public var antex: String?
    public var basePosition: ECEF?
    public var ephemerides: EphemerisTiming = .ahead
    /// Recorded correction streams (RTCM 3 SSR) for PPP on the broadcast ephemerides.
    public var ssr: [String] = []
    /// What the streams' RTCM SSR orbit corrections refer to (IGS SSR's are the centre of mass's by definition).
    public var ssrReference: SSRReferencePoint = .antennaPhaseCentre
    /// Seconds after its epoch a correction becomes usable, as a live stream's delivery delays it.
    public var ssrLatency: Double = 0
    public var format: SolutionFormat = .pos
    /// JSON: write each epoch's per-satellite report too.
    public var satelliteReport = false
    public init() {}
}

/// A replay asked for something its inputs cannot give (no rover, RTK without a base, no navigation data): the
/// command line's mistake, not the files'.
public struct ReplayUsageError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// Counts of what a replay produced, for the summary.
public struct ReplaySummary: Sendable {
    public var epochs = 0
    public var byQuality: [SolutionQuality: Int] = [:]
    public var lastSolution: Solution?
    public var notes: [String: Int] = [:]
    /// What the run applied or left out that the user should know (antenna models found or not).
    public var remarks: [String] = []
}

/// Runs recorded observation files through a positioning engine and writes
/// one solution line per epoch.
public struct ReplayRunner {
    public var configuration: ReplayConfiguration
    public var progress: ((Int, GNSSTime) -> Void)?

    public init(configuration: ReplayConfiguration) {
        self.configuration = configuration
    }

    public func loadProducts() throws(FormatError) -> Products {
        try Products.load(navigation: configuration.navigation, sp3: configuration.sp3, clock: configuration.clock, leo: configuration.leo)
    }

    /// Processes everything; `emit` receives each output line (header lines first).
    /// Throws a `ReplayUsageError` for what the command line left out, a `FormatError` for unreadable input.
    public func run(emit: (String) -> Void) throws -> ReplaySummary {
        let c = configuration
        let profile = c.profile
        let systems = profile.activeSystems
        guard !c.rover.isEmpty else { throw ReplayUsageError("no rover observation file given") }
        // The first rover file is read ahead while the products load.
        // Only the systems asked for are read from RINEX files: every estimator leaves the others out.
        var firstRover: PrefetchedObservations? = PrefetchedObservations(try ObservationSources.open(c.rover[0], systems: systems))
        var products = try loadProducts()
        let writer = SolutionWriter(format: c.format, satelliteReport: c.satelliteReport)
        var summary = ReplaySummary()
        var headerWritten = false
        let modeName: String
        switch profile.mode {
        case .spp: modeName = "single"
        case .rtk: modeName = profile.dynamics == .static ? "static" : "kinematic"
        case .ppp: modeName = profile.dynamics == .static ? "ppp-static" : "ppp-kinematic"
        }
        // With the satellite report, each rover epoch's signals are followed as a live station follows them.
        var locks = c.satelliteReport ? SignalLockTracker() : nil
        func output(_ s: Solution, epoch: ObservationEpoch) {
            locks?.update(epoch, engineSlips: s.satelliteReport.filter(\.cycleSlip).map(\.satellite))
            if !headerWritten {
                headerWritten = true
                for l in writer.header(program: "gatewayd replay", inputs: c.rover + c.base + c.navigation + c.sp3 + c.clock,
                                       mode: modeName, start: s.time) { emit(l) }
            }
            summary.epochs += 1
            summary.byQuality[s.quality, default: 0] += 1
            if let n = s.note, s.quality == .none { summary.notes[n.split(separator: "(").first.map(String.init) ?? n, default: 0] += 1 }
            if s.quality != .none { summary.lastSolution = s }
            if let line = writer.line(s, epoch: epoch, locks: locks) { emit(line) }
            progress?(summary.epochs, s.time)
        }
        let antex = try c.antex.map { path in
            let (calibrations, problems) = try ANTEXReader.readAll(path: path)
            summary.remarks += problems.map { "ANTEX: \($0)" }
            return calibrations
        }
        var engine = PositioningEngine(profile: profile)
        if !c.ssr.isEmpty && profile.mode == .rtk { throw ReplayUsageError("--ssr corrections serve --mode ppp and spp") }
        var corrections: SSRTimeline?
        for roverPath in c.rover {
            let rover: PrefetchedObservations
            if let firstRover {
                rover = firstRover
            } else {
                rover = PrefetchedObservations(try ObservationSources.open(roverPath, systems: systems))
            }
            firstRover = nil
            if products.ephemerides.count == 0 && !products.hasPreciseOrbits && rover.isRINEX {
                throw ReplayUsageError("no navigation data: give --nav (RINEX navigation) or --sp3/--clk")
            }
            // A stream gives its antenna descriptor and height in messages, which RINEX gives in the header; looking
            // ahead, its ephemerides serve every epoch. The stream is read through first only for what is wanted of it:
            // all of it to look ahead, up to its antenna descriptor for the antenna models.
            var roverAntenna = rover.antenna
            let ahead = c.ephemerides == .ahead
            if !rover.isRINEX, ahead || antex != nil {
                let scan = try ObservationSources.open(roverPath)
                var more = true
                while more, ahead || scan.antenna == nil {
                    more = try scan.next() != nil
                    if ahead { for eph in scan.takeEphemerides() { products.ephemerides.add(eph) } }
                }
                roverAntenna = scan.antenna
            }
            if let calibrations = antex {
                engine.setReceiverAntenna(Self.antennaModels(calibrations, for: roverAntenna, file: roverPath, remarks: &summary.remarks))
            } else if profile.mode == .ppp, products.hasPreciseOrbits, roverPath == c.rover[0] {
                summary.remarks.append(Self.noSatelliteAntennaRemark(products.clockAntennaModels))
            }
            if profile.mode == .ppp, !products.hasPreciseOrbits, c.ssr.isEmpty, roverPath == c.rover[0] {
                summary.remarks.append("no precise orbits and clocks (--sp3, --clk) or SSR corrections: PPP on broadcast ephemerides "
                                       + "is metre-level, its solutions labelled single with the broadcast accuracy in their sigmas")
            }
            switch profile.mode {
            case .spp, .ppp:
                while let e = try rover.next() {
                    for eph in rover.takeEphemerides() { products.ephemerides.add(eph) }
                    if !c.ssr.isEmpty && corrections == nil {
                        corrections = try readCorrections(near: e.time, into: &products, remarks: &summary.remarks)
                    }
                    corrections?.advance(to: e.time)
                    output(engine.solve(e, products: products.positioning(ssr: corrections?.held)), epoch: e)
                }
            case .rtk:
                guard !c.base.isEmpty else { throw ReplayUsageError("RTK needs --base observation files") }
                let firstBase = c.base[0]
                let base = PrefetchedObservations(try ObservationSources.open(firstBase, systems: systems))
                var knownBase = c.basePosition ?? base.approximatePosition
                var baseAntenna = base.antenna
                if !base.isRINEX {
                    // A stream gives its position (the antenna reference point's) and antenna in 1005/1006 and
                    // 1007/1008/1033 frames, not up front.
                    let scan = try ObservationSources.open(firstBase)
                    while try scan.next() != nil, knownBase == nil || scan.antenna == nil {}
                    knownBase = knownBase ?? scan.approximatePosition
                    baseAntenna = scan.antenna
                }
                let baseEpoch = try base.next()?.excluding(profile.excludedSatellites)
                let nextBase = try base.next()?.excluding(profile.excludedSatellites)
                if c.basePosition == nil, let first = baseEpoch,
                   let own = Self.singlePointPosition(first, products: products, systems: systems),
                   knownBase.map({ $0.distance(to: own) > Self.baseHeaderTolerance }) ?? true {
                    // A header position far from where the base's own observations put it (a typo, another
                    // station's) would leave every epoch single; the base's single-point fix stands in.
                    let why = knownBase.map { "is \(Self.kilometres($0.distance(to: own))) from its single-point fix" } ?? "gives no position"
                    summary.remarks.append("base \(firstBase): the header \(why); using the single-point position of its first epoch, "
                                           + String(format: "%.3f,%.3f,%.3f", own.x, own.y, own.z)
                                           + " (metres from the truth, and the rover with it): give --base-position for a surveyed one")
                    knownBase = own
                }
                guard let basePosition = knownBase else {
                    throw ReplayUsageError("no base position: give --base-position or a base file whose header has one")
                }
                if let calibrations = antex {
                    engine.setBaseAntenna(Self.antennaModels(calibrations, for: baseAntenna, file: firstBase, remarks: &summary.remarks))
                }
                let epochs = PreparedRTKEpochs(rover: rover, base: base, current: baseEpoch, next: nextBase,
                                               laterBaseFiles: Array(c.base.dropFirst()), basePosition: basePosition, engine: engine,
                                               products: products.positioning())
                while let item = try epochs.next() {
                    switch item {
                    case .prepared(let prepared, let epoch): output(engine.process(prepared: prepared), epoch: epoch)
                    case .unsolved(let epoch, let reason): output(reason.solution(at: epoch.time), epoch: epoch)
                    }
                }
            }
        }
        if let refused = corrections?.feed.refused, !refused.isEmpty {
            summary.remarks.append("SSR messages not applied: " + refused.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
        }
        return summary
    }

    /// Reads the correction streams, their times resolved near the first epoch's; their ephemerides join the others.
    func readCorrections(near time: GNSSTime, into products: inout Products,
                         remarks: inout [String]) throws(FormatError) -> SSRTimeline {
        let c = configuration
        let capture = try SSRCapture.read(c.ssr, near: time, latency: c.ssrLatency, rtcmReference: c.ssrReference)
        for e in capture.ephemerides { products.ephemerides.add(e) }
        for e in capture.leoEphemerides { _ = products.leo.add(e) }
        let types = capture.messages.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        var remark = "SSR: \(capture.timeline.count) corrections from \(types.isEmpty ? "no SSR messages" : types)"
        if let span = capture.timeline.span {
            remark += ", usable \(span.lowerBound.iso8601(fractionDigits: 0)) to \(span.upperBound.iso8601(fractionDigits: 0))"
        }
        if !capture.errors.isEmpty { remark += "; \(capture.errors.count) unreadable frames, the first: \(capture.errors[0])" }
        remarks.append(remark)
        return capture.timeline
    }

    /// What PPP on precise orbits leaves out without an ANTEX file: the satellites' phase-centre offsets from their
    /// centre of mass, whose horizontal part turns with the satellite's yaw and moves kinematic positions by
    /// decimetres over hours.
    static func noSatelliteAntennaRemark(_ productModels: [String], option: String = "--atx") -> String {
        let made = productModels.isEmpty ? "" : "; the clock products were computed with \(productModels.joined(separator: ", ")): give it with \(option)"
        return "no \(option): satellite and receiver antenna phase centres are not applied (kinematic positions can be off by a decimetre or more)" + made
    }

    /// How far a base file's header position may lie from the base's own single-point fix (metres): header
    /// positions are approximate, single-point fixes good to metres, a position hundreds of metres off is wrong.
    static let baseHeaderTolerance = 100.0

    /// A base epoch's own single-point position, when it has one.
    static func singlePointPosition(_ epoch: ObservationEpoch, products: Products, systems: Set<GNSSSystem>) -> ECEF? {
        let spp = SinglePointPositioner(options: SPPOptions(systems: systems))
        let fix = spp.solve(epoch: epoch, ephemerides: products.ephemerides, klobuchar: products.klobuchar)
        return fix.quality == .single ? fix.position : nil
    }

    static func kilometres(_ metres: Double) -> String {
        metres >= 1000 ? String(format: "%.1f km", metres / 1000) : "\(Int(metres.rounded())) m"
    }

    /// The antenna models for an observation file's antenna, and a remark saying which calibration it got.
    static func antennaModels(_ calibrations: [AntennaCalibration], for antenna: ReceiverAntenna?, file: String,
                              remarks: inout [String]) -> AntennaModels {
        let type = antenna?.type ?? ""
        let models = AntennaModels(calibrations: calibrations, receiverType: type.isEmpty ? nil : type,
                                   eccentricity: antenna?.eccentricity ?? ENU(east: 0, north: 0, up: 0))
        let e = models.eccentricity
        let height = String(format: "antenna reference point %.4f m up, %.4f east, %.4f north of the marker", e.up, e.east, e.north)
        if type.isEmpty {
            remarks.append("\(file): no antenna type given; \(height)")
        } else if let c = models.receiver {
            remarks.append("\(file): receiver antenna \(c.type) from the ANTEX file; \(height)")
        } else {
            remarks.append("\(file): \(type) is not in the ANTEX file, its phase centre not applied; \(height)")
        }
        return models
    }
}
