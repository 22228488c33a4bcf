import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts

/// A receiver's recorded files solved by the positioning engine as `gatewayd replay --mode` solves them: the product
/// files loaded first; a stream's broadcast ephemerides all given ahead of its epochs, and each epoch's own joining
/// them; an ANTEX file's models with the rover's and the base's antennas (their headers', or a stream's descriptor); RTK's base epochs
/// paired with the rover's by `BasePairing`, at the base header's position.
struct RecordedReceiver {
    var profile: PositioningProfile
    var rover: String
    var base: String?
    var navigation: [String] = []
    var sp3: [String] = []
    var clock: [String] = []
    var antex: String?

    /// What the engine made of the epochs: how many, the solutions with a position (those a replay writes), and the
    /// other epochs' notes up to their first parenthesis, counted (as a replay's summary counts them).
    struct Outcome {
        var epochs = 0
        var solutions: [Solution] = []
        var unsolved: [String: Int] = [:]
    }

    init(_ profile: PositioningProfile, rover: String, base: String? = nil, navigation: [String] = []) {
        self.profile = profile
        self.rover = rover
        self.base = base
        self.navigation = navigation
    }

    func solve() throws -> Outcome {
        var products = try Products.load(navigation: navigation, sp3: sp3, clock: clock, antex: antex)
        let systems = profile.activeSystems
        let source = try ObservationSources.open(rover, systems: systems)
        var antenna = source.antenna
        if !(source is RINEXObservationSource) {
            let scan = try ObservationSources.open(rover)
            while try scan.next() != nil {
                for e in scan.takeEphemerides() { products.ephemerides.add(e) }
            }
            antenna = scan.antenna
        }
        var engine = PositioningEngine(profile: profile)
        let baseSource = try base.map { try ObservationSources.open($0, systems: systems) }
        if antex != nil {
            func models(_ antenna: ReceiverAntenna?) -> AntennaModels {
                let type = antenna?.type ?? ""
                return AntennaModels(calibrations: products.antennas, receiverType: type.isEmpty ? nil : type,
                                     eccentricity: antenna?.eccentricity ?? ENU(east: 0, north: 0, up: 0))
            }
            engine.setReceiverAntenna(models(antenna))
            if let baseSource { engine.setBaseAntenna(models(baseSource.antenna)) }
        }
        let basePosition = baseSource?.approximatePosition
        var baseCurrent: ObservationEpoch?
        var baseNext = try baseSource?.next()
        var outcome = Outcome()
        while let epoch = try source.next() {
            for e in source.takeEphemerides() { products.ephemerides.add(e) }
            var offered: BaseEpoch?
            if let baseSource {
                while let b = baseNext, BasePairing.precedes(b.time, epoch.time) {
                    baseCurrent = b
                    baseNext = try baseSource.next()
                }
                offered = baseCurrent.map { BaseEpoch(epoch: $0, position: basePosition) }
            }
            let current = PositioningProducts(ephemerides: products.ephemerides, klobuchar: products.klobuchar,
                                              precise: products.hasPreciseOrbits ? products.precise : nil)
            let s = engine.solve(epoch, base: offered, products: current)
            outcome.epochs += 1
            if s.quality != .none, s.position.x.isFinite, s.position.y.isFinite, s.position.z.isFinite {
                outcome.solutions.append(s)
            } else if let note = s.note {
                outcome.unsolved[note.split(separator: "(").first.map(String.init) ?? note, default: 0] += 1
            }
        }
        return outcome
    }

    func solutions() throws -> [Solution] { try solve().solutions }
}
