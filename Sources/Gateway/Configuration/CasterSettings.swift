import DaemonSupport
import NIOSSL
import Yams

/// Reading `caster:`: `listen`, the users (`users:` inline, `users_file`), `max_clients`, `client_buffer_bytes` and
/// `request_timeout`, `tls` (`certificate`, `key`), and the pushed mountpoints (`sources`, `source_timeout`).
extension SettingsChecker {
    static let casterKeys: Set<String> = ["listen", "users", "users_file", "max_clients", "client_buffer_bytes", "request_timeout", "tls", "sources",
                                              "source_timeout"]
    /// The largest users file read.
    static let usersFileLimit = 1 << 20
    /// The largest PEM file (certificate chain, key) read.
    static let pemFileLimit = 1 << 20

    mutating func caster(_ n: Node) -> CasterConfiguration? {
        guard case .mapping(let m) = n else {
            problem(n, "caster must be a mapping (listen, users or users_file, max_clients, client_buffer_bytes, request_timeout)")
            return nil
        }
        let e = entries(m, allowed: Self.casterKeys, context: "caster")
        guard let listenNode = e["listen"]?.value else {
            problem(n, "caster needs a listen address (host:port)")
            return nil
        }
        guard let listen = address(listenNode, "caster.listen") else { return nil }
        var c = CasterConfiguration(listen: listen)
        c.line = n.mark?.line ?? 0
        var ok = true
        func fail(_ node: Node, _ message: String) {
            problem(node, message)
            ok = false
        }
        var seen: Set<String> = []
        if let v = e["users"]?.value {
            if case .sequence(let seq) = v {
                for item in seq {
                    guard let u = casterUser(item) else { ok = false; continue }
                    if !seen.insert(u.name).inserted { fail(item, "caster: user '\(u.name)' is given twice") }
                    c.users.append(u)
                }
            } else {
                fail(v, "caster.users must be a list of {name, password} (and optionally mountpoints)")
            }
        }
        if let v = e["users_file"]?.value, let path = string(v, "caster.users_file") {
            if let users = casterUsersFile(path, at: v) {
                for u in users where !seen.insert(u.name).inserted { fail(v, "caster: user '\(u.name)' of users_file is given twice") }
                c.users += users
            } else {
                ok = false
            }
        }
        if c.users.isEmpty {
            fail(n, "caster needs users (users: [{name, password}] or users_file): its mountpoints are served with basic authentication")
        }
        if let v = e["max_clients"]?.value {
            if let x = v.int, CasterConfiguration.maxClientsRange.contains(x) { c.maxClients = x } else {
                fail(v, "caster.max_clients must be a whole number from 1 to 100000")
            }
        }
        if let v = e["client_buffer_bytes"]?.value {
            if let x = v.int, CasterConfiguration.clientBufferRange.contains(x) { c.clientBufferBytes = x } else {
                fail(v, "caster.client_buffer_bytes must be a byte count from 16 KiB to 64 MiB")
            }
        }
        if let v = e["request_timeout"]?.value {
            if let x = v.float, CasterConfiguration.requestTimeoutRange.contains(x) { c.requestTimeout = x } else {
                fail(v, "caster.request_timeout must be seconds from 0.5 to 300")
            }
        }
        if let v = e["sources"]?.value {
            if case .sequence(let seq) = v {
                var mounts: Set<String> = []
                for item in seq {
                    guard let source = casterSource(item) else { ok = false; continue }
                    if !mounts.insert(source.mountpoint).inserted { fail(item, "caster: source mountpoint '\(source.mountpoint)' is given twice") }
                    c.sources.append(source)
                }
            } else {
                fail(v, "caster.sources must be a list of {mountpoint, password} (and optionally user)")
            }
        }
        if let v = e["source_timeout"]?.value {
            if let x = v.float, CasterConfiguration.sourceTimeoutRange.contains(x) { c.sourceTimeout = x } else {
                fail(v, "caster.source_timeout must be seconds from 1 to 3600")
            }
        }
        if let v = e["tls"]?.value {
            if let tls = casterTLS(v) { c.tls = tls } else { ok = false }
        }
        if listen.isAllInterfaces {
            warning(listenNode, "caster.listen \(listen) listens on all interfaces: the corrections are served to any network this host is on, "
                                + "to whoever has a user's password; keep the configuration file 0640")
        }
        return ok ? c : nil
    }

    /// `tls: {certificate, key}`: PEM files, read now so that a wrong one is reported at its line.
    private mutating func casterTLS(_ n: Node) -> (certificate: String, key: String)? {
        guard case .mapping(let m) = n else {
            problem(n, "caster.tls must be a mapping {certificate, key} (PEM files)")
            return nil
        }
        let e = entries(m, allowed: ["certificate", "key"], context: "caster.tls")
        guard let certificateNode = e["certificate"]?.value, let keyNode = e["key"]?.value else {
            problem(n, "caster.tls needs certificate and key (PEM files)")
            return nil
        }
        guard let certificate = string(certificateNode, "caster.tls.certificate"), let key = string(keyNode, "caster.tls.key") else { return nil }
        var ok = true
        do {
            let pem = try SmallFile(path: certificate, limit: Self.pemFileLimit).bytes
            if try NIOSSLCertificate.fromPEMBytes(pem).isEmpty {
                problem(certificateNode, "caster.tls.certificate '\(certificate)' holds no PEM certificate")
                ok = false
            }
        } catch let error as SmallFileError {
            problem(certificateNode, "caster.tls.certificate '\(certificate)': \(error.description)")
            ok = false
        } catch {
            problem(certificateNode, "caster.tls.certificate '\(certificate)': not PEM certificates (\(error))")
            ok = false
        }
        do {
            _ = try NIOSSLPrivateKey(bytes: try SmallFile(path: key, limit: Self.pemFileLimit).bytes, format: .pem)
        } catch let error as SmallFileError {
            problem(keyNode, "caster.tls.key '\(key)': \(error.description)")
            ok = false
        } catch {
            problem(keyNode, "caster.tls.key '\(key)': not a PEM private key (\(error))")
            ok = false
        }
        return ok ? (certificate, key) : nil
    }

    /// One inline user: `{name, password}`, optionally `mountpoints: [A, B]`.
    private mutating func casterUser(_ n: Node) -> CasterConfiguration.User? {
        guard case .mapping(let m) = n else {
            problem(n, "a caster user must be a mapping {name, password}")
            return nil
        }
        let e = entries(m, allowed: ["name", "password", "mountpoints"], context: "caster user")
        guard let nameNode = e["name"]?.value, let passwordNode = e["password"]?.value else {
            problem(n, "a caster user needs a name and a password")
            return nil
        }
        guard let name = string(nameNode, "caster user name"), let password = string(passwordNode, "caster user password") else { return nil }
        if let why = Self.casterUserProblem(name: name, password: password) {
            problem(nameNode, why)
            return nil
        }
        var user = CasterConfiguration.User(name: name, password: password)
        if let v = e["mountpoints"]?.value {
            let names = Self.items(v)
            if names.isEmpty || names.contains(where: { !Self.isMountpointName($0) }) {
                problem(v, "caster user '\(name)': mountpoints must list station names, as [GMSD, BASE]")
                return nil
            }
            user.mountpoints = Set(names)
        }
        return user
    }

    /// One pushed mountpoint: `{mountpoint, password}`, optionally `user` (which an NTRIP 2.0 `POST` must give).
    private mutating func casterSource(_ n: Node) -> CasterConfiguration.Source? {
        guard case .mapping(let m) = n else {
            problem(n, "a caster source must be a mapping {mountpoint, password}")
            return nil
        }
        let e = entries(m, allowed: ["mountpoint", "user", "password"], context: "caster source")
        guard let mountNode = e["mountpoint"]?.value, let passwordNode = e["password"]?.value else {
            problem(n, "a caster source needs a mountpoint and a password")
            return nil
        }
        guard let mountpoint = string(mountNode, "caster source mountpoint"), let password = string(passwordNode, "caster source password") else {
            return nil
        }
        guard Self.isMountpointName(mountpoint) else {
            problem(mountNode, "caster source mountpoint '\(mountpoint)' must be up to 32 letters, digits, '-' or '_'")
            return nil
        }
        var user: String?
        if let u = e["user"]?.value {
            guard let name = string(u, "caster source user") else { return nil }
            user = name
        }
        // The same rules as a user's: the credentials travel in basic authentication (NTRIP 1.0: on the request line).
        if let why = Self.casterUserProblem(name: user ?? "source", password: password) {
            problem(user == nil ? passwordNode : n, "caster source '\(mountpoint)': " + why)
            return nil
        }
        if password.contains(" ") {
            problem(passwordNode, "caster source '\(mountpoint)': the password must have no spaces (NTRIP 1.0 sends it on the request line)")
            return nil
        }
        return CasterConfiguration.Source(mountpoint: mountpoint, user: user, password: password)
    }

    /// `users_file`: one user a line as `NAME:PASSWORD`; blank lines and lines starting with `#` are skipped.
    private mutating func casterUsersFile(_ path: String, at n: Node) -> [CasterConfiguration.User]? {
        let file: SmallFile
        do {
            file = try SmallFile(path: path, limit: Self.usersFileLimit)
        } catch {
            problem(n, "caster.users_file \(path): \(error.description)")
            return nil
        }
        var users: [CasterConfiguration.User] = []
        var ok = true
        // Split as bytes: as text, CR LF is one character.
        let lines = file.bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (i, raw) in lines.enumerated() {
            let line = String(decoding: raw.last == 0x0D ? raw.dropLast() : raw, as: UTF8.self)[...]
            if line.allSatisfy(\.isWhitespace) || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                problem(n, "caster.users_file \(path) line \(i + 1): expected NAME:PASSWORD")
                ok = false
                continue
            }
            let name = String(line[..<colon]), password = String(line[line.index(after: colon)...])
            if let why = Self.casterUserProblem(name: name, password: password) {
                problem(n, "caster.users_file \(path) line \(i + 1): \(why)")
                ok = false
                continue
            }
            users.append(CasterConfiguration.User(name: name, password: password))
        }
        if file.permissions & 0o007 != 0 {
            warning(n, "caster.users_file \(path) can be read by any user of this host (mode \(String(file.permissions, radix: 8))): make it 0640")
        }
        return ok ? users : nil
    }

    /// Why a user name or password cannot be used with basic authentication, nil when it can.
    static func casterUserProblem(name: String, password: String) -> String? {
        if name.isEmpty || name.count > 64 || name.contains(":") || name.contains(where: { $0.isWhitespace || !$0.isASCII }) {
            return "caster user name '\(name)' must be 1 to 64 ASCII characters, without spaces or ':'"
        }
        if password.isEmpty || password.count > 128 || password.contains(where: { $0.isNewline }) {
            return "caster user '\(name)': the password must be 1 to 128 characters on one line"
        }
        return nil
    }

    /// A station name as a mountpoint: up to 32 letters, digits, `-` or `_`.
    static func isMountpointName(_ s: String) -> Bool {
        !s.isEmpty && s.count <= 32 && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }
}

extension SettingsChecker {
    /// The caster against the station list: its mountpoints are the reference and corrections stations (and the
    /// `ssr_publish` stream), which users may be restricted to, and which no pushed mountpoint may take.
    mutating func crossCheck(_ caster: CasterConfiguration, stations: [StationConfiguration], published: String?) {
        let references = Set(stations.filter { $0.role == .reference }.map(\.name))
        let served = Set(stations.filter { $0.role != .rover }.map(\.name) + (published.map { [$0] } ?? []))
        for s in caster.sources where served.contains(s.mountpoint) {
            problem(line: caster.line, "caster source mountpoint '\(s.mountpoint)' is a station's mountpoint already: name it otherwise")
        }
        let pushed = Set(caster.sources.map(\.mountpoint))
        if references.isEmpty && pushed.isEmpty {
            warning(line: caster.line, "caster: no station has role: reference, so the caster has no mountpoint to serve")
        }
        for u in caster.users {
            for m in (u.mountpoints ?? []).sorted() where !served.contains(m) && !pushed.contains(m) {
                problem(line: caster.line, "caster user '\(u.name)': mountpoint '\(m)' is not a station or a source of this file")
            }
        }
    }
}
