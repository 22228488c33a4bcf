import DaemonSupport
import NIOSSL
import Yams

/// A station's `push:` list: each caster as a URL (`ntrip://USER:PASSWORD@HOST:PORT/MOUNT`, `ntrips://…`) or a
/// mapping `{url, ntrip_version, trust_anchor}`.
extension SettingsChecker {
    /// The targets of `push`; nil when one is wrong (reported).
    mutating func pushTargets(_ n: Node, role: StationConfiguration.Role) -> [PushTarget]? {
        guard case .sequence(let items) = n else {
            problem(n, "push must be a list of ntrip://USER:PASSWORD@HOST:PORT/MOUNT URLs or {url, ntrip_version, trust_anchor} mappings")
            return nil
        }
        if role == .rover {
            problem(n, "push sends a station's corrections: it needs role reference or corrections")
            return nil
        }
        var targets: [PushTarget] = []
        var ok = true
        for item in items {
            if let t = pushTarget(item) {
                if targets.contains(where: { $0.mountpoint.caster == t.mountpoint.caster && $0.mountpoint.mountpoint == t.mountpoint.mountpoint }) {
                    problem(item, "push: \(t) is given twice")
                    ok = false
                }
                targets.append(t)
            } else {
                ok = false
            }
        }
        return ok ? targets : nil
    }

    private mutating func pushTarget(_ n: Node) -> PushTarget? {
        var urlNode = n
        var versionNode: Node?, anchorNode: Node?
        if case .mapping(let m) = n {
            let e = entries(m, allowed: ["url", "ntrip_version", "trust_anchor"], context: "push target")
            guard let u = e["url"]?.value else {
                problem(n, "a push target needs a url (ntrip://USER:PASSWORD@HOST:PORT/MOUNT)")
                return nil
            }
            urlNode = u
            versionNode = e["ntrip_version"]?.value
            anchorNode = e["trust_anchor"]?.value
        }
        guard let text = string(urlNode, "push url") else { return nil }
        let mountpoint: NTRIPMountpoint
        let scheme = text.prefix { $0 != ":" }.lowercased()
        guard scheme == "ntrip" || scheme == "ntrips", text.dropFirst(scheme.count).hasPrefix("://") else {
            problem(urlNode, "push '\(StationSource.redacted(text))' must be ntrip://USER:PASSWORD@HOST:PORT/MOUNT or ntrips://…")
            return nil
        }
        switch NTRIPMountpoint.parse(String(text.dropFirst(scheme.count + 3)), secure: scheme == "ntrips", passwordOnly: true) {
        case .success(let m):
            mountpoint = m
        case .failure(let refusal):
            problem(urlNode, "push: " + refusal.description)
            return nil
        }
        var target = PushTarget(mountpoint: mountpoint)
        if let v = versionNode {
            guard let x = v.int, x == 1 || x == 2 else {
                problem(v, "push ntrip_version must be 1 (SOURCE) or 2 (POST)")
                return nil
            }
            target.version = x
        }
        if mountpoint.password == nil {
            problem(urlNode, "push '\(mountpoint)' needs a password (ntrip://USER:PASSWORD@… or ntrip://:PASSWORD@…)")
            return nil
        }
        if target.version == 1, mountpoint.password?.contains(" ") == true {
            problem(urlNode, "push '\(mountpoint)': NTRIP 1.0 sends the password on the request line, so it must have no spaces")
            return nil
        }
        if let v = anchorNode, let path = string(v, "push trust_anchor") {
            guard mountpoint.secure else {
                problem(v, "trust_anchor applies to an ntrips:// push target only")
                return nil
            }
            do {
                if try NIOSSLCertificate.fromPEMFile(path).isEmpty {
                    problem(v, "trust_anchor '\(path)' holds no PEM certificate")
                    return nil
                }
            } catch {
                problem(v, "trust_anchor '\(path)': cannot read PEM certificates (\(error))")
                return nil
            }
            target.trustAnchor = path
        }
        return target
    }
}
