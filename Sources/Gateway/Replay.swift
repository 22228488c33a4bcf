import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning

/// What `gatewayd replay` runs.
public struct ReplayConfiguration: Sendable {
    public enum Mode: String, Sendable, CaseIterable { case spp, rtk, ppp }
    public var mode: Mode = .spp
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
    public var systems: Set<GNSSSystem> = [.gps, .glonass, .galileo, .beidou, .qzss]
    /// Satellites left out of every rover and base epoch.
    public var excludedSatellites: Set<SatelliteID> = []
    /// Radians; nil: the engine's default for the mode (7° for SPP and PPP, 15° for RTK).
    public var elevationMask: Double?
    public var isStatic = false
    public var format: SolutionFormat = .pos
    /// Ionosphere handling for SPP: the ionosphere-free code combination where two frequencies exist.
    public var ionosphere: IonosphereModel = .ionosphereFree
    public init() {}
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
    public func run(emit: (String) -> Void) throws(FormatError) -> ReplaySummary {
        let c = configuration
        guard !c.rover.isEmpty else { throw FormatError("usage", "no rover observation file given") }
        // The first rover file is read ahead while the products load.
        // Only the systems asked for are read from RINEX files: every estimator leaves the others out.
        var firstRover: PrefetchedObservations? = PrefetchedObservations(try ObservationSources.open(c.rover[0], systems: c.systems))
        var products = try loadProducts()
        let writer = SolutionWriter(format: c.format)
        var summary = ReplaySummary()
        var headerWritten = false
        let modeName: String
        switch c.mode {
        case .spp: modeName = "single"
        case .rtk: modeName = c.isStatic ? "static" : "kinematic"
        case .ppp: modeName = c.isStatic ? "ppp-static" : "ppp-kinematic"
        }
        func output(_ s: Solution) {
            if !headerWritten {
                headerWritten = true
                for l in writer.header(program: "gatewayd replay", inputs: c.rover + c.base + c.navigation + c.sp3 + c.clock,
                                       mode: modeName, start: s.time) { emit(l) }
            }
            summary.epochs += 1
            summary.byQuality[s.quality, default: 0] += 1
            if let n = s.note, s.quality == .none { summary.notes[n.split(separator: "(").first.map(String.init) ?? n, default: 0] += 1 }
            if s.quality != .none { summary.lastSolution = s }
            if let line = writer.line(s) { emit(line) }
            progress?(summary.epochs, s.time)
        }
        let antex = try c.antex.map { path throws(FormatError) in
            let (calibrations, problems) = try ANTEXReader.readAll(path: path)
            summary.remarks += problems.map { "ANTEX: \($0)" }
            return calibrations
        }
        for roverPath in c.rover {
            let rover: PrefetchedObservations
            if let firstRover {
                rover = firstRover
            } else {
                rover = PrefetchedObservations(try ObservationSources.open(roverPath, systems: c.systems))
            }
            firstRover = nil
            if products.ephemerides.count == 0 && !products.hasPreciseOrbits && rover.isRINEX {
                throw FormatError("usage", "no navigation data: give --nav (RINEX navigation) or --sp3/--clk")
            }
            // Post-processing a stream: its ephemerides serve every epoch, also those before they were broadcast,
            // as when a capture is converted to RINEX observation and navigation files first.
            // So do its antenna descriptor and height, which RINEX gives in the header.
            var roverAntenna = rover.antenna
            if !rover.isRINEX {
                let scan = try ObservationSources.open(roverPath)
                while try scan.next() != nil { for eph in scan.takeEphemerides() { products.ephemerides.add(eph) } }
                roverAntenna = scan.antenna
            }
            switch c.mode {
            case .spp:
                let spp = SinglePointPositioner(options: SPPOptions(elevationMask: c.elevationMask ?? SPPOptions.defaultElevationMask, systems: c.systems, ionosphere: c.ionosphere))
                var last: ECEF?
                while let e = try rover.next()?.excluding(c.excludedSatellites) {
                    for eph in rover.takeEphemerides() { products.ephemerides.add(eph) }
                    let s = spp.solve(epoch: e, ephemerides: products.ephemerides, klobuchar: products.klobuchar, initial: last)
                    if s.quality != .none { last = s.position }
                    output(s)
                }
            case .rtk:
                guard !c.base.isEmpty else { throw FormatError("usage", "RTK needs --base observation files") }
                var options = RTKOptions(dynamics: c.isStatic ? .static : .kinematic, elevationMask: c.elevationMask ?? RTKOptions.defaultElevationMask, systems: c.systems)
                options.frequencies = 2
                var filter = RTKFilter(options: options)
                let firstBase = c.base[0]
                let base = PrefetchedObservations(try ObservationSources.open(firstBase, systems: c.systems))
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
                let baseEpoch = try base.next()?.excluding(c.excludedSatellites)
                let nextBase = try base.next()?.excluding(c.excludedSatellites)
                if c.basePosition == nil, let first = baseEpoch,
                   let own = Self.singlePointPosition(first, products: products, systems: c.systems),
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
                    throw FormatError("usage", "no base position: give --base-position or a base file whose header has one")
                }
                if let calibrations = antex {
                    filter.roverAntenna = Self.antennaModels(calibrations, for: roverAntenna, file: roverPath, remarks: &summary.remarks)
                    filter.baseAntenna = Self.antennaModels(calibrations, for: baseAntenna, file: firstBase, remarks: &summary.remarks)
                }
                let epochs = PreparedRTKEpochs(rover: rover, base: base, current: baseEpoch, next: nextBase,
                                               laterBaseFiles: Array(c.base.dropFirst()), excluded: c.excludedSatellites,
                                               basePosition: basePosition, preparer: filter, ephemerides: products.ephemerides,
                                               klobuchar: products.klobuchar)
                while let item = try epochs.next() {
                    switch item {
                    case .prepared(let epoch): output(filter.process(epoch))
                    case .noBase(let time): output(Solution(time: time, position: .zero, quality: .none, satellites: 0, note: "no base epoch"))
                    }
                }
            case .ppp:
                var options = PPPOptions(dynamics: c.isStatic ? .static : .kinematic, elevationMask: c.elevationMask ?? PPPOptions.defaultElevationMask,
                                         systems: c.systems.intersection([.gps, .galileo, .beidou, .qzss, .glonass]))
                if !products.hasPreciseOrbits { options.systems = c.systems }
                if products.leo.count > 0, c.systems.contains(.leo) { options.systems.insert(.leo) }
                var filter = PPPFilter(options: options)
                if let calibrations = antex {
                    filter.antennas = Self.antennaModels(calibrations, for: roverAntenna, file: roverPath, remarks: &summary.remarks)
                } else if products.hasPreciseOrbits && roverPath == c.rover[0] {
                    summary.remarks.append(Self.noSatelliteAntennaRemark(products.clockAntennaModels))
                }
                var orbits: OrbitSource = products.hasPreciseOrbits ? .precise(products.precise) : .broadcast(products.ephemerides)
                if products.leo.count > 0 { orbits = .withLEO(orbits, products.leo) }
                while let e = try rover.next()?.excluding(c.excludedSatellites) {
                    output(filter.process(epoch: e, orbits: orbits, ephemerides: products.ephemerides))
                }
            }
        }
        return summary
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
