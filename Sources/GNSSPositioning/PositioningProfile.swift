import GNSSCore

/// How one receiver is positioned: everything `PositioningEngine` needs to know before the first epoch. A daemon's
/// station, `replay --mode` and `replay --config` all describe their receiver with one of these, so the same profile
/// and the same input give the same solutions whichever way they were asked for.
public struct PositioningProfile: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable { case spp, rtk, ppp }

    public var mode: Mode
    public var dynamics: RTKOptions.Dynamics
    /// Radians; nil: the mode's default (7° for SPP and PPP, 15° for RTK).
    public var elevationMask: Double?
    /// Systems to use; nil: the mode's default (`defaultSystems`).
    public var systems: Set<GNSSSystem>?
    /// Satellites left out of every epoch, the rover's and the base's.
    public var excludedSatellites: Set<SatelliteID>
    /// SPP's ionosphere handling.
    public var ionosphere: IonosphereModel
    /// RTK: how much older than the rover's epoch the base's may be, seconds.
    public var maxBaseAge: Double
    /// PPP in kinematic mode: random walk of the position, m/√s; nil: the filter's default (a slowly moving
    /// receiver). A vehicle needs `vehicleProcessNoise`.
    public var positionProcessNoise: Double?

    /// A base recording every 30 s still serves a 1 Hz rover, its satellites' clocks carried over the interval.
    public static let defaultMaxBaseAge = 30.0

    /// Random walk of a vehicle's position, m/√s: enough for its manoeuvres, so the position is carried by each
    /// epoch's measurements (with the ambiguities and troposphere the filter keeps).
    public static let vehicleProcessNoise = 10.0

    public init(mode: Mode, dynamics: RTKOptions.Dynamics = .kinematic, elevationMask: Double? = nil,
                systems: Set<GNSSSystem>? = nil, excludedSatellites: Set<SatelliteID> = [],
                ionosphere: IonosphereModel = .ionosphereFree, maxBaseAge: Double = PositioningProfile.defaultMaxBaseAge,
                positionProcessNoise: Double? = nil) {
        self.mode = mode
        self.dynamics = dynamics
        self.elevationMask = elevationMask
        self.systems = systems
        self.excludedSatellites = excludedSatellites
        self.ionosphere = ionosphere
        self.maxBaseAge = maxBaseAge
        self.positionProcessNoise = positionProcessNoise
    }

    /// The systems each mode uses unless told otherwise: every GNSS for SPP and RTK; GPS and Galileo for PPP (the
    /// systems whose precise clocks refer to one signal pair everywhere), with the LEO satellites once their
    /// ephemerides arrive.
    public static func defaultSystems(_ mode: Mode) -> Set<GNSSSystem> {
        switch mode {
        case .spp, .rtk: [.gps, .glonass, .galileo, .beidou, .qzss]
        case .ppp: [.gps, .galileo, .leo]
        }
    }

    public static func defaultElevationMask(_ mode: Mode) -> Double {
        switch mode {
        case .spp: SPPOptions.defaultElevationMask
        case .rtk: RTKOptions.defaultElevationMask
        case .ppp: PPPOptions.defaultElevationMask
        }
    }

    /// The systems in use.
    public var activeSystems: Set<GNSSSystem> { systems ?? Self.defaultSystems(mode) }

    /// The elevation mask in use, radians.
    public var activeElevationMask: Double { elevationMask ?? Self.defaultElevationMask(mode) }

    var sppOptions: SPPOptions {
        SPPOptions(elevationMask: activeElevationMask, systems: activeSystems, ionosphere: ionosphere)
    }

    var rtkOptions: RTKOptions {
        RTKOptions(dynamics: dynamics, elevationMask: activeElevationMask, systems: activeSystems, frequencies: 2)
    }

    var pppOptions: PPPOptions {
        var options = PPPOptions(dynamics: dynamics, elevationMask: activeElevationMask, systems: activeSystems)
        if let positionProcessNoise { options.positionProcessNoise = positionProcessNoise }
        return options
    }
}

extension IonosphereModel {
    /// The model named as the command line and the configuration name it: iflc, brdc or off.
    public init?(option: String) {
        switch option {
        case "iflc": self = .ionosphereFree
        case "brdc": self = .broadcast
        case "off": self = .off
        default: return nil
        }
    }

    public var option: String {
        switch self {
        case .ionosphereFree: "iflc"
        case .broadcast: "brdc"
        case .off: "off"
        }
    }
}
