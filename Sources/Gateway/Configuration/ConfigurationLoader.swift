import DPCLink
import DaemonSupport
import Foundation
import GNSSCore
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import JetStream
import Yams

/// Reads and validates a gateway configuration. Every problem is reported
/// with the file and line it concerns; loading collects them all rather than
/// stopping at the first. Relative paths are resolved against the working directory.
public enum ConfigurationLoader {
    public typealias Problem = ConfigurationProblem

    /// The outcome of loading: the configuration when there is no problem, every problem found, and the warnings
    /// (settings that work but deserve the operator's attention).
    public struct Outcome: Sendable {
        public var configuration: GatewayConfiguration?
        public var problems: [Problem]
        public var warnings: [Problem] = []
    }

    public static func load(path: String) -> Outcome {
        outcome(YAMLSettings.load(path: path))
    }

    public static func parse(_ text: String, file: String) -> Outcome {
        outcome(YAMLSettings.parse(text, file: file))
    }

    private static func outcome(_ document: YAMLSettings.Document) -> Outcome {
        guard var checker = document.checker, let top = document.top else {
            return Outcome(configuration: nil, problems: document.problems)
        }
        let config = checker.readGateway(top)
        return Outcome(configuration: checker.problems.isEmpty ? config : nil, problems: checker.problems, warnings: checker.warnings)
    }
}

extension SettingsChecker {
    /// The direct link to one dpcd: its address and the shared key.
    mutating func readDirectLink(_ m: Node.Mapping, at v: Node, into c: inout GatewayConfiguration) {
        let d = entries(m, allowed: ["transport", "address", "key", "key_file"], context: "dpc")
        if let a = d["address"]?.value { c.dpcAddress = address(a, "dpc.address") } else { problem(v, "dpc needs an address") }
        switch (d["key"]?.value, d["key_file"]?.value) {
        case (let k?, nil): c.dpcKey = sharedKey(k, "dpc.key")
        case (nil, let k?): c.dpcKeyFile = sharedKeyFile(k, "dpc.key_file")
        case (_?, _?): problem(v, "dpc: give either key or key_file, not both")
        case (nil, nil): problem(v, "dpc needs the shared key: key (hex) or key_file")
        }
    }

    mutating func readGateway(_ top: Node.Mapping) -> GatewayConfiguration {
        var c = GatewayConfiguration()
        let e = entries(top, allowed: ["gateway_id", "control_socket", "metrics", "state_directory", "spool", "dpc", "products", "solutions", "stations",
                                       "udp_receive_buffer", "ssr_publish", "caster"],
                        context: "configuration")
        if let v = e["gateway_id"]?.value, let s = string(v, "gateway_id") { c.gatewayID = s }
        if let v = e["control_socket"]?.value { readControlSocket(v, into: &c) }
        if let v = e["metrics"]?.value { c.metrics = metricsEndpoint(v, limits: &c.metricsLimits) }
        if let v = e["udp_receive_buffer"]?.value {
            if let n = v.int, GatewayConfiguration.udpReceiveBufferRange.contains(n) { c.udpReceiveBuffer = n } else {
                problem(v, "udp_receive_buffer must be a byte count from 64 KiB to 1 GiB")
            }
        }
        if let v = e["state_directory"]?.value, let s = string(v, "state_directory") {
            c.stateDirectory = s
            c.spoolDirectory = (s as NSString).appendingPathComponent("spool")
        }
        if let v = e["spool"]?.value {
            if case .mapping(let m) = v {
                let s = entries(m, allowed: ["directory", "max_bytes"], context: "spool")
                if let d = s["directory"]?.value, let p = string(d, "spool.directory") { c.spoolDirectory = p }
                if let b = s["max_bytes"]?.value {
                    if let n = b.int, n >= 1 << 20, n <= 1 << 50 { c.spoolMaxBytes = n } else { problem(b, "spool.max_bytes must be a byte count from 1 MiB to 1 PiB") }
                }
            } else { problem(v, "spool must be a mapping (directory, max_bytes)") }
        }
        if let v = e["dpc"]?.value {
            if case .mapping(let m) = v {
                let transportNode = m.first { $0.key.string == "transport" }?.value
                switch transportNode.map({ $0.string ?? "" }) ?? "link" {
                case "link":
                    readDirectLink(m, at: v, into: &c)
                case "jetstream":
                    c.dpcJetStream = jetStream(m, at: v, context: "dpc", durable: false, otherKeys: ["transport"])
                default:
                    problem(transportNode, "dpc.transport must be link (the direct link, the default) or jetstream")
                }
            } else { problem(v, "dpc must be a mapping (address, key or key_file; or transport: jetstream with servers)") }
        }
        if let v = e["solutions"]?.value {
            if case .mapping(let m) = v {
                let s = entries(m, allowed: ["directory", "format"], context: "solutions")
                if let d = s["directory"]?.value { c.solutionDirectory = string(d, "solutions.directory") } else { problem(v, "solutions needs a directory") }
                if let f = s["format"]?.value {
                    if let name = f.string, let format = SolutionFormat(rawValue: name) { c.solutionFormat = format } else {
                        problem(f, "solutions.format must be pos, json or nmea")
                    }
                }
            } else { problem(v, "solutions must be a mapping (directory, format)") }
        }
        if let v = e["products"]?.value {
            if case .mapping(let m) = v {
                let p = entries(m, allowed: ["navigation", "sp3", "clock", "antex"], context: "products")
                if let n = p["navigation"]?.value { c.navigation = paths(n, "products.navigation") }
                if let n = p["sp3"]?.value { c.sp3 = paths(n, "products.sp3") }
                if let n = p["clock"]?.value { c.clock = paths(n, "products.clock") }
                if let n = p["antex"]?.value, let path = string(n, "products.antex") { c.antex = path }
            } else { problem(v, "products must be a mapping (navigation, sp3, clock, antex)") }
        }
        if let v = e["stations"]?.value {
            if case .sequence(let seq) = v {
                for item in seq { if let s = station(item) { c.stations.append(s) } }
            } else { problem(v, "stations must be a list") }
        } else {
            problem(nil, "no stations: the gateway has nothing to listen to")
        }
        if let v = e["ssr_publish"]?.value { c.ssrPublish = ssrPublish(v, products: c) }
        if let v = e["caster"]?.value { c.caster = caster(v) }
        crossCheck(&c, stationsNode: e["stations"]?.value)
        if let caster = c.caster { crossCheck(caster, stations: c.stations, published: c.ssrPublish?.name) }
        return c
    }

    /// `control_socket: PATH`, or as a mapping `path: PATH` with the socket's limits (`connectionLimitKeys`).
    mutating func readControlSocket(_ v: Node, into c: inout GatewayConfiguration) {
        guard case .mapping(let m) = v else {
            if let s = string(v, "control_socket") { c.controlSocket = s }
            return
        }
        let e = entries(m, allowed: Self.connectionLimitKeys.union(["path"]), context: "control_socket")
        if let p = e["path"]?.value {
            if let s = string(p, "control_socket.path") { c.controlSocket = s }
        } else {
            problem(v, "control_socket needs a path")
        }
        c.controlSocketLimits = connectionLimits(e, context: "control_socket", defaults: c.controlSocketLimits)
    }

    mutating func station(_ n: Node) -> StationConfiguration? {
        guard case .mapping(let m) = n else { problem(n, "a station must be a mapping"); return nil }
        let e = entries(m, allowed: Self.profileKeys.union(["name", "listen", "source", "ntrip_version", "gga", "no_data_timeout", "sourcetable", "trust_anchor", "allow", "format", "role", "position", "processing", "reference", "corrections", "ssr_reference", "push"]), context: "station")
        let line = n.mark?.line ?? 0
        var ok = true
        func required(_ key: String) -> Node? {
            if let v = e[key]?.value { return v }
            problem(n, "station needs '\(key)'")
            ok = false
            return nil
        }
        let name = required("name").flatMap { string($0, "station name") }
        if let name, name.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) || name.count > 32 {
            problem(e["name"]?.value, "station name '\(name)' must be up to 32 letters, digits, '-' or '_'")
            ok = false
        }
        let source = stationSource(e, station: n)
        if source == nil { ok = false }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, default d: T) -> T where T.RawValue == String {
            guard let v = e[key]?.value else { return d }
            guard let s = v.string, let value = T(rawValue: s) else {
                problem(v, "\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
                ok = false
                return d
            }
            return value
        }
        let format = choice("format", StationConfiguration.StreamFormat.self, default: .rtcm3)
        let role = choice("role", StationConfiguration.Role.self, default: .rover)
        let processing = choice("processing", StationConfiguration.Processing.self, default: format == .leo || role == .corrections ? .none : .spp)
        if role == .corrections {
            if format != .rtcm3, let f = e["format"]?.value {
                problem(f, "a corrections stream (role: corrections) is RTCM 3 SSR: format must be rtcm3")
                ok = false
            }
            if processing != .none, let p = e["processing"]?.value {
                problem(p, "a corrections stream (role: corrections) carries SSR corrections, not a station to position: processing must be none")
                ok = false
            }
        }
        let ssrReference = choice("ssr_reference", SSRReferencePoint.self, default: .antennaPhaseCentre)
        if role != .corrections, let v = e["ssr_reference"]?.value {
            problem(v, "ssr_reference declares what a corrections stream's orbits refer to: only with role: corrections")
            ok = false
        }
        var corrections: String?
        if let v = e["corrections"]?.value {
            corrections = string(v, "corrections")
            if processing != .ppp && processing != .spp {
                problem(v, "corrections names the SSR stream a PPP or SPP station applies: only with processing: ppp or spp")
                ok = false
            }
        }
        if format == .leo, processing != .none, let p = e["processing"]?.value {
            problem(p, "the satellite segment's stream (format: leo) carries LEO ephemerides and onboard observations, not a station to position: processing must be none")
            ok = false
        }
        var position: ECEF?
        if let p = e["position"]?.value {
            if case .sequence(let seq) = p, seq.count == 3, let x = seq[0].float, let y = seq[1].float, let z = seq[2].float,
               (6.2e6...6.5e6).contains(ECEF(x, y, z).norm) {
                position = ECEF(x, y, z)
            } else {
                problem(p, "position must be [x, y, z] in metres (ECEF) on the Earth's surface")
                ok = false
            }
        }
        var allow: [String] = []
        if let a = e["allow"]?.value {
            if case .sequence(let seq) = a { allow = seq.compactMap { string($0, "allow entry") } } else { problem(a, "allow must be a list of addresses"); ok = false }
            if let source, source.listenAddress == nil {
                problem(a, "allow lists who may send to a UDP port: not with source \(source)")
                ok = false
            }
        }
        var client: (noDataTimeout: Double, ntrip: NTRIPOptions)?
        if let source {
            client = clientSettings(e, source: source)
            if client == nil { ok = false }
        }
        var reference: String?
        if let r = e["reference"]?.value { reference = string(r, "reference") }
        var profile = StationConfiguration.defaultProfile(processing: processing, role: role)
        if profile != nil {
            if !readProfile(e, into: &profile!) { ok = false }
        } else if let key = Self.profileKeys.first(where: { e[$0] != nil }), let v = e[key]?.value {
            problem(v, "\(key) needs a processing mode (spp, rtk or ppp)")
            ok = false
        }
        var push: [PushTarget] = []
        if let v = e["push"]?.value {
            if let targets = pushTargets(v, role: role) { push = targets } else { ok = false }
        }
        guard ok, let name, let source, let client else { return nil }
        var station = StationConfiguration(name: name, listen: NetworkAddress(host: "", port: 0), allow: allow, format: format, role: role,
                                           position: position, processing: processing, reference: reference, profile: profile, line: line)
        station.source = source
        station.noDataTimeout = client.noDataTimeout
        station.ntrip = client.ntrip
        station.corrections = corrections
        station.ssrReference = ssrReference
        station.push = push
        return station
    }

    /// `ssr_publish`: the SSR stream made from the products (which must include SP3 and clock files).
    mutating func ssrPublish(_ n: Node, products c: GatewayConfiguration) -> SSRPublishConfiguration? {
        guard case .mapping(let m) = n else {
            problem(n, "ssr_publish must be a mapping (name, destinations, systems, orbit_interval, clock_interval, format, reference, ura)")
            return nil
        }
        let e = entries(m, allowed: ["name", "destinations", "systems", "orbit_interval", "clock_interval", "format", "reference", "ura"],
                        context: "ssr_publish")
        var p = SSRPublishConfiguration()
        p.line = n.mark?.line ?? 0
        var ok = true
        func fail(_ node: Node, _ message: String) {
            problem(node, message)
            ok = false
        }
        if c.sp3.isEmpty || c.clock.isEmpty {
            fail(n, "ssr_publish makes SSR from the products: give products.sp3 and products.clock")
        }
        if let v = e["name"]?.value, let s = string(v, "ssr_publish.name") {
            if s.isEmpty || s.count > 32 || s.contains(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                fail(v, "ssr_publish.name '\(s)' must be up to 32 letters, digits, '-' or '_'")
            } else {
                p.name = s
            }
        }
        if let v = e["destinations"]?.value {
            if case .sequence(let seq) = v {
                p.destinations = seq.compactMap { address($0, "ssr_publish destination") }
            } else {
                fail(v, "ssr_publish.destinations must be a list of HOST:PORT (UDP)")
            }
        }
        if let v = e["systems"]?.value {
            if let systems = Self.systems(v), systems.isSubset(of: SSRGenerator.supportedSystems) { p.systems = systems } else {
                fail(v, "ssr_publish.systems must list G, R, E, J or C")
            }
        }
        let intervals = SSRFeed.updateIntervals
        for (key, path) in [("orbit_interval", \SSRPublishConfiguration.orbitInterval), ("clock_interval", \.clockInterval)] {
            guard let v = e[key]?.value else { continue }
            if let x = v.float, intervals.contains(x) { p[keyPath: path] = x } else {
                fail(v, "ssr_publish.\(key) must be an SSR update interval: \(intervals.map { String(Int($0)) }.joined(separator: ", ")) s")
            }
        }
        if let v = e["format"]?.value {
            if let f = v.string, ["rtcm", "igs"].contains(f) { p.format = f } else { fail(v, "ssr_publish.format must be rtcm or igs") }
        }
        if let v = e["reference"]?.value {
            if let r = v.string.flatMap(SSRReferencePoint.init(rawValue:)) { p.reference = r } else { fail(v, "ssr_publish.reference must be apc or com") }
        }
        if p.reference == .antennaPhaseCentre && c.antex == nil {
            fail(e["reference"]?.value ?? n, "ssr_publish.reference apc needs products.antex (the satellites' antenna offsets)")
        }
        if let v = e["ura"]?.value {
            if let x = v.float, x >= 0, x <= 5 { p.accuracy = x > 0 ? x : nil } else { fail(v, "ssr_publish.ura must be metres from 0 (none) to 5") }
        }
        return ok ? p : nil
    }

    /// A list as a sequence (`[G, E]`) or comma-separated text (`"G,E"`).
    static func items(_ n: Node) -> [String] {
        if case .sequence(let seq) = n { return seq.compactMap(\.string) }
        return (n.string ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// A list of system letters; nil when it is empty or an item is not one.
    static func systems(_ n: Node) -> Set<GNSSSystem>? {
        let letters = items(n)
        let systems = letters.compactMap { $0.count == 1 ? $0.first.flatMap(GNSSSystem.init(letter:)) : nil }
        return systems.isEmpty || systems.count != letters.count ? nil : Set(systems)
    }

    /// A station's positioning settings beside `processing`, each what `replay --mode` takes as an option.
    static let profileKeys: Set<String> = ["systems", "elevation_mask", "dynamics", "exclude", "ionosphere", "max_base_age", "position_noise"]

    /// Reads the profile keys a station gives; false when one is wrong (each problem reported).
    mutating func readProfile(_ e: [String: (key: Node, value: Node)], into profile: inout PositioningProfile) -> Bool {
        var ok = true
        func fail(_ n: Node, _ message: String) {
            problem(n, message)
            ok = false
        }
        if let v = e["systems"]?.value {
            if let systems = Self.systems(v) { profile.systems = systems } else {
                fail(v, "systems must be a list of system letters (G, R, E, C, J, I, S, L), as [G, E] or \"G,E\"")
            }
        }
        if let v = e["exclude"]?.value {
            let names = Self.items(v)
            let satellites = names.compactMap { $0.count == 3 ? SatelliteID(rinex: $0) : nil }
            if satellites.count != names.count { fail(v, "exclude must be a list of satellites by RINEX name, as [G05, E14]") } else {
                profile.excludedSatellites = Set(satellites)
            }
        }
        if let v = e["elevation_mask"]?.value {
            if let d = v.float, d >= 0, d < 90 { profile.elevationMask = d * Constants.degreesToRadians } else {
                fail(v, "elevation_mask must be degrees from 0 to 90")
            }
        }
        if let v = e["dynamics"]?.value {
            if let s = v.string, let d = RTKOptions.Dynamics(rawValue: s) { profile.dynamics = d } else {
                fail(v, "dynamics must be static or kinematic")
            }
        }
        if let v = e["ionosphere"]?.value {
            if let s = v.string, let model = IonosphereModel(option: s) { profile.ionosphere = model } else {
                fail(v, "ionosphere must be iflc, brdc or off")
            }
        }
        if let v = e["max_base_age"]?.value {
            if let a = v.float, a > 0, a <= 3600 { profile.maxBaseAge = a } else { fail(v, "max_base_age must be seconds from 0 to 3600") }
        }
        if let v = e["position_noise"]?.value {
            if let q = v.float, q >= 0, q <= 1000 { profile.positionProcessNoise = q } else {
                fail(v, "position_noise must be m/√s from 0 to 1000")
            }
        }
        return ok
    }

    mutating func crossCheck(_ c: inout GatewayConfiguration, stationsNode: Node?) {
        var names: [String: Int] = [:]
        var ports: [NetworkAddress: [StationConfiguration]] = [:]
        for s in c.stations {
            if let first = names[s.name] {
                problem(line: s.line, "station '\(s.name)' is already defined at line \(first)")
            } else {
                names[s.name] = s.line
            }
            if let listen = s.listen { ports[listen, default: []].append(s) }
        }
        for (address, sharing) in ports where sharing.count > 1 {
            // A shared port is fine when every station on it names the sources it accepts, and none overlap.
            let lists = sharing.map { Set($0.allow) }
            let overlap = lists.contains(where: \.isEmpty) || lists.indices.contains { i in lists.indices.contains { j in i < j && !lists[i].isDisjoint(with: lists[j]) } }
            if overlap {
                for s in sharing.dropFirst() {
                    problem(line: s.line, "station '\(s.name)' listens on \(address) like '\(sharing[0].name)': a shared port needs distinct 'allow' lists")
                }
            }
        }
        let fromDPC = c.stations.filter { $0.source == .dpc }
        for s in fromDPC where s.role != .corrections || (c.dpcAddress == nil && c.dpcJetStream == nil) {
            problem(line: s.line, "station '\(s.name)': source dpc:// is the DPC's corrections over the link or JetStream: it needs role: corrections and a dpc section")
        }
        for s in fromDPC.dropFirst() {
            problem(line: s.line, "station '\(s.name)': only one station takes the DPC's corrections ('\(fromDPC[0].name)' does)")
        }
        let correctionStreams = c.stations.filter { $0.role == .corrections }.map(\.name) + (c.ssrPublish.map { [$0.name] } ?? [])
        if let p = c.ssrPublish, c.stations.contains(where: { $0.name == p.name }) {
            problem(line: p.line, "ssr_publish.name '\(p.name)' is the name of a station: give the published stream another")
        }
        for i in c.stations.indices where c.stations[i].processing == .ppp || c.stations[i].corrections != nil {
            let s = c.stations[i]
            if let named = s.corrections {
                if !correctionStreams.contains(named) {
                    problem(line: s.line, "station '\(s.name)': corrections '\(named)' is not a corrections stream of this file (role: corrections, or ssr_publish)")
                }
            } else {
                c.stations[i].corrections = correctionStreams.first
            }
        }
        for s in c.stations {
            switch s.processing {
            case .rtk:
                guard let ref = s.reference else {
                    problem(line: s.line, "station '\(s.name)' uses RTK but names no 'reference' station")
                    continue
                }
                guard let base = c.stations.first(where: { $0.name == ref }) else {
                    problem(line: s.line, "station '\(s.name)': reference '\(ref)' is not a station of this file")
                    continue
                }
                if base.role != .reference {
                    problem(line: s.line, "station '\(s.name)': '\(ref)' is not a reference station (role: reference)")
                }
            default:
                if s.reference != nil {
                    problem(line: s.line, "station '\(s.name)': 'reference' is only used with processing: rtk")
                }
            }
        }
    }
}
