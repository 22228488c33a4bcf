import DaemonSupport
import GNSSCore
import GNSSOrbits
import GNSSPositioning
import JetStream

/// One station the gateway listens to.
public struct StationConfiguration: Sendable, Hashable {
    public enum StreamFormat: String, Sendable, CaseIterable { case rtcm3, ubx, leo }
    /// A reference station's observations become corrections for the DPC; a rover is positioned; a corrections
    /// stream brings SSR corrections to the PPP stations.
    public enum Role: String, Sendable, CaseIterable { case reference, rover, corrections }
    public enum Processing: String, Sendable, CaseIterable { case none, spp, rtk, ppp }

    public var name: String
    /// Where the station's stream comes from: a UDP port (`listen:`), a TCP server or an NTRIP mountpoint.
    public var source: StationSource
    /// The UDP address a station listens on; nil when the gateway connects to its source instead.
    public var listen: NetworkAddress? { source.listenAddress }
    /// A client source (TCP, NTRIP): after this many seconds without a byte the connection is dropped and made again.
    public var noDataTimeout: Double = 10
    public static let noDataTimeoutRange = 1.0...3600.0
    /// An NTRIP source's protocol version and upstream position.
    public var ntrip = NTRIPOptions()
    /// Source addresses allowed to send to this station (empty: any; UDP only).
    public var allow: [String]
    public var format: StreamFormat
    public var role: Role
    /// Known antenna position (reference stations); nil to take it from the stream's 1005/1006.
    public var position: ECEF?
    public var processing: Processing
    /// The reference station an RTK rover is processed against.
    public var reference: String?
    /// How the station is positioned (nil with processing `none`): the same profile `replay --mode` writes.
    public var profile: PositioningProfile?
    /// PPP: the corrections stream (a station of role corrections) whose SSR it applies; the file's first when not
    /// named, none when the file has none.
    public var corrections: String?
    /// A corrections stream: what its RTCM SSR orbit corrections refer to (IGS SSR's are the centre of mass's).
    public var ssrReference: SSRReferencePoint = .antennaPhaseCentre
    /// Casters the station's corrections (its mountpoint's frames) are pushed to as an NTRIP server.
    public var push: [PushTarget] = []
    /// Line of the station's entry in the file, for messages.
    public var line: Int

    public init(name: String, listen: NetworkAddress, allow: [String] = [], format: StreamFormat = .rtcm3, role: Role = .rover,
                position: ECEF? = nil, processing: Processing, reference: String? = nil, profile: PositioningProfile? = nil,
                line: Int = 0) {
        self.name = name
        source = .udp(listen)
        self.allow = allow
        self.format = format
        self.role = role
        self.position = position
        self.processing = processing
        self.reference = reference
        self.profile = profile ?? Self.defaultProfile(processing: processing, role: role)
        self.line = line
    }

    /// A station's profile unless its entry says otherwise: a reference station is static, a rover a vehicle.
    public static func defaultProfile(processing: Processing, role: Role) -> PositioningProfile? {
        let mode: PositioningProfile.Mode
        switch processing {
        case .none: return nil
        case .spp: mode = .spp
        case .rtk: mode = .rtk
        case .ppp: mode = .ppp
        }
        return PositioningProfile(mode: mode, dynamics: role == .reference ? .static : .kinematic,
                                  positionProcessNoise: role == .reference ? nil : PositioningProfile.vehicleProcessNoise)
    }
}

/// An SSR stream the gateway makes from its configured products (SP3 and clock files against the broadcast
/// ephemerides), at the pace of its stations' data: a corrections stream its PPP stations may apply, sent to UDP
/// destinations as RTCM 3 frames.
public struct SSRPublishConfiguration: Sendable, Hashable {
    /// The stream's name, as PPP stations name it with `corrections:`.
    public var name = "PRODUCTS"
    public var destinations: [NetworkAddress] = []
    public var systems: Set<GNSSSystem> = [.gps, .galileo]
    public var orbitInterval = 60.0
    public var clockInterval = 5.0
    public var format = "rtcm"
    /// nil: the antenna phase centre with an ANTEX file, else the centre of mass.
    public var reference: SSRReferencePoint?
    /// The URA sent with each orbit update, metres; nil for none.
    public var accuracy: Double? = 0.01
    public var line = 0

    public init() {}
}

/// Everything `gatewayd run` needs, read from YAML by `ConfigurationLoader`.
public struct GatewayConfiguration: Sendable {
    public var gatewayID: String = "gateway"
    public var controlSocket: String = "/run/gatewayd/control.sock"
    /// The control socket's connections: cap, idle timeout, longest request line.
    public var controlSocketLimits: ConnectionLimits = .controlSocket
    public var metrics: NetworkAddress? = NetworkAddress(host: "127.0.0.1", port: 9464)
    /// The metrics endpoint's connections: cap, idle timeout, largest request.
    public var metricsLimits: ConnectionLimits = .metricsEndpoint
    /// The receive buffer asked for each station port's socket (`SO_RCVBUF`); the kernel caps it at
    /// `net.core.rmem_max` for an unprivileged daemon, and the startup log says what each socket got.
    public var udpReceiveBuffer: Int = 4 << 20
    public static let udpReceiveBufferRange = (64 << 10)...(1 << 30)
    public var stateDirectory: String = "/var/lib/gatewayd"
    public var spoolDirectory: String = "/var/lib/gatewayd/spool"
    public var spoolMaxBytes: Int = 1 << 30
    /// The direct link to a dpcd (`dpc: {address, key}`).
    public var dpcAddress: NetworkAddress?
    /// A JetStream cluster instead of the direct link (`dpc: {transport: jetstream, servers, …}`).
    public var dpcJetStream: JetStreamSettings?
    public var dpcKeyFile: String?
    /// The shared key as hex text, when given inline instead of in a file.
    public var dpcKey: String?
    public var navigation: [String] = []
    public var sp3: [String] = []
    public var clock: [String] = []
    /// ANTEX file: satellite antenna models with precise orbits, and each PPP station's receiver antenna as its
    /// stream describes it (1007/1008/1033 antenna descriptor; positions from a stream are its antenna reference point's).
    public var antex: String?
    public var stations: [StationConfiguration] = []
    /// An SSR stream made from the products, if any.
    public var ssrPublish: SSRPublishConfiguration?
    /// Where each station's solutions are logged (`NAME.pos|json|nmea`), if anywhere.
    public var solutionDirectory: String?
    public var solutionFormat: SolutionFormat = .json
    /// The NTRIP caster serving the reference stations' corrections, if any.
    public var caster: CasterConfiguration?

    public init() {}
}
