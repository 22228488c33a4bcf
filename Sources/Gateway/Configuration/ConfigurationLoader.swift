import Foundation
import GNSSCore
import GNSSFormats
import Yams

/// Reads and validates a gateway configuration. Every problem is reported
/// with the file and line it concerns; loading collects them all rather than
/// stopping at the first. Relative paths are resolved against the working directory.
public enum ConfigurationLoader {
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// The outcome of loading: the configuration when there is no problem, and every problem found.
    public struct Outcome: Sendable {
        public var configuration: GatewayConfiguration?
        public var problems: [Problem]
    }

    public static func load(path: String) -> Outcome {
        guard let data = FileManager.default.contents(atPath: path) else {
            return Outcome(configuration: nil, problems: [Problem(file: path, line: 0, message: "cannot read the file")])
        }
        guard data.count < 4 << 20 else {
            return Outcome(configuration: nil, problems: [Problem(file: path, line: 0, message: "file larger than 4 MiB")])
        }
        return parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) -> Outcome {
        var checker = Checker(file: file)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return Outcome(configuration: nil, problems: [Problem(file: file, line: Self.line(of: error), message: "YAML: \(Self.message(of: error))")])
        } catch {
            return Outcome(configuration: nil, problems: [Problem(file: file, line: 0, message: "YAML: \(error)")])
        }
        guard let root = node, case .mapping(let top) = root else {
            return Outcome(configuration: nil,
                           problems: [Problem(file: file, line: node?.mark?.line ?? 1, message: "the configuration must be a mapping of settings")])
        }
        let config = checker.read(top)
        return Outcome(configuration: checker.problems.isEmpty ? config : nil, problems: checker.problems)
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 0
        }
    }

    static func message(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

/// Walks the YAML tree, collecting the configuration and the problems.
struct Checker {
    let file: String
    var problems: [ConfigurationLoader.Problem] = []

    init(file: String) { self.file = file }

    mutating func problem(_ node: Node?, _ message: String) {
        problems.append(.init(file: file, line: node?.mark?.line ?? 0, message: message))
    }

    /// Key/value pairs of a mapping, reporting keys outside `allowed`.
    mutating func entries(_ mapping: Node.Mapping, allowed: Set<String>, context: String) -> [String: (key: Node, value: Node)] {
        var out: [String: (Node, Node)] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { problem(k, "\(context): keys must be text"); continue }
            if !allowed.contains(key) {
                problem(k, "\(context): unknown setting '\(key)' (expected one of \(allowed.sorted().joined(separator: ", ")))")
            } else if out[key] != nil {
                problem(k, "\(context): '\(key)' is given twice")
            } else {
                out[key] = (k, v)
            }
        }
        return out
    }

    mutating func string(_ n: Node, _ what: String) -> String? {
        guard case .scalar(let s) = n, !s.string.isEmpty else { problem(n, "\(what) must be text"); return nil }
        return s.string
    }

    mutating func address(_ n: Node, _ what: String) -> NetworkAddress? {
        guard let s = string(n, what) else { return nil }
        guard let a = NetworkAddress(s) else { problem(n, "\(what) '\(s)' is not host:port with a port 1–65535"); return nil }
        return a
    }

    mutating func paths(_ n: Node, _ what: String) -> [String] {
        switch n {
        case .scalar: return string(n, what).map { [$0] } ?? []
        case .sequence(let seq): return seq.compactMap { string($0, what) }
        default: problem(n, "\(what) must be a path or a list of paths"); return []
        }
    }

    mutating func read(_ top: Node.Mapping) -> GatewayConfiguration {
        var c = GatewayConfiguration()
        let e = entries(top, allowed: ["gateway_id", "control_socket", "metrics", "state_directory", "spool", "dpc", "products", "stations"],
                        context: "configuration")
        if let v = e["gateway_id"]?.value, let s = string(v, "gateway_id") { c.gatewayID = s }
        if let v = e["control_socket"]?.value, let s = string(v, "control_socket") { c.controlSocket = s }
        if let v = e["metrics"]?.value {
            if v.string == "off" { c.metrics = nil } else { c.metrics = address(v, "metrics") }
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
                let d = entries(m, allowed: ["address", "key_file"], context: "dpc")
                if let a = d["address"]?.value { c.dpcAddress = address(a, "dpc.address") } else { problem(v, "dpc needs an address") }
                if let k = d["key_file"]?.value { c.dpcKeyFile = string(k, "dpc.key_file") } else { problem(v, "dpc needs a key_file (the shared key)") }
            } else { problem(v, "dpc must be a mapping (address, key_file)") }
        }
        if let v = e["products"]?.value {
            if case .mapping(let m) = v {
                let p = entries(m, allowed: ["navigation", "sp3", "clock"], context: "products")
                if let n = p["navigation"]?.value { c.navigation = paths(n, "products.navigation") }
                if let n = p["sp3"]?.value { c.sp3 = paths(n, "products.sp3") }
                if let n = p["clock"]?.value { c.clock = paths(n, "products.clock") }
            } else { problem(v, "products must be a mapping (navigation, sp3, clock)") }
        }
        if let v = e["stations"]?.value {
            if case .sequence(let seq) = v {
                for item in seq { if let s = station(item) { c.stations.append(s) } }
            } else { problem(v, "stations must be a list") }
        } else {
            problem(nil, "no stations: the gateway has nothing to listen to")
        }
        crossCheck(c, stationsNode: e["stations"]?.value)
        return c
    }

    mutating func station(_ n: Node) -> StationConfiguration? {
        guard case .mapping(let m) = n else { problem(n, "a station must be a mapping"); return nil }
        let e = entries(m, allowed: ["name", "listen", "allow", "format", "role", "position", "processing", "reference"], context: "station")
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
        let listen = required("listen").flatMap { address($0, "listen") }
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
        let processing = choice("processing", StationConfiguration.Processing.self, default: .spp)
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
        }
        var reference: String?
        if let r = e["reference"]?.value { reference = string(r, "reference") }
        guard ok, let name, let listen else { return nil }
        return StationConfiguration(name: name, listen: listen, allow: allow, format: format, role: role, position: position,
                                    processing: processing, reference: reference, line: line)
    }

    mutating func crossCheck(_ c: GatewayConfiguration, stationsNode: Node?) {
        var names: [String: Int] = [:]
        var ports: [NetworkAddress: [StationConfiguration]] = [:]
        for s in c.stations {
            if let first = names[s.name] {
                problems.append(.init(file: file, line: s.line, message: "station '\(s.name)' is already defined at line \(first)"))
            } else {
                names[s.name] = s.line
            }
            ports[s.listen, default: []].append(s)
        }
        for (address, sharing) in ports where sharing.count > 1 {
            // A shared port is fine when every station on it names the sources it accepts, and none overlap.
            let lists = sharing.map { Set($0.allow) }
            let overlap = lists.contains(where: \.isEmpty) || lists.indices.contains { i in lists.indices.contains { j in i < j && !lists[i].isDisjoint(with: lists[j]) } }
            if overlap {
                for s in sharing.dropFirst() {
                    problems.append(.init(file: file, line: s.line,
                                          message: "station '\(s.name)' listens on \(address) like '\(sharing[0].name)': a shared port needs distinct 'allow' lists"))
                }
            }
        }
        for s in c.stations {
            switch s.processing {
            case .rtk:
                guard let ref = s.reference else {
                    problems.append(.init(file: file, line: s.line, message: "station '\(s.name)' uses RTK but names no 'reference' station"))
                    continue
                }
                guard let base = c.stations.first(where: { $0.name == ref }) else {
                    problems.append(.init(file: file, line: s.line, message: "station '\(s.name)': reference '\(ref)' is not a station of this file"))
                    continue
                }
                if base.role != .reference {
                    problems.append(.init(file: file, line: s.line, message: "station '\(s.name)': '\(ref)' is not a reference station (role: reference)"))
                }
            default:
                if s.reference != nil {
                    problems.append(.init(file: file, line: s.line, message: "station '\(s.name)': 'reference' is only used with processing: rtk"))
                }
            }
        }
    }
}
