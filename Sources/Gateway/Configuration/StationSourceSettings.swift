import DaemonSupport
import GNSSCore
import NIOSSL
import Yams

/// A station's source settings: `listen: HOST:PORT` (UDP) or `source: URL`, and for the sources the gateway
/// connects to, `no_data_timeout`, for NTRIP `ntrip_version`, `gga` and `sourcetable`, and for NTRIP over TLS `trust_anchor`.
extension SettingsChecker {
    /// The station's source, each problem reported; nil when there is none or it is wrong.
    mutating func stationSource(_ e: [String: (key: Node, value: Node)], station: Node) -> StationSource? {
        switch (e["listen"]?.value, e["source"]?.value) {
        case (let l?, nil):
            return address(l, "listen").map { .udp($0) }
        case (nil, let s?):
            guard let text = string(s, "source") else { return nil }
            switch StationSource.parse(text) {
            case .success(let source): return source
            case .failure(let refusal):
                problem(s, refusal.description)
                return nil
            }
        case (_?, let s?):
            problem(s, "give either listen (short for source: udp://HOST:PORT) or source, not both")
            return nil
        case (nil, nil):
            problem(station, "station needs 'listen' (UDP HOST:PORT) or 'source' (udp://HOST:PORT, tcp://HOST:PORT, ntrip://[USER:PASSWORD@]HOST:PORT/MOUNT or ntrips://…)")
            return nil
        }
    }

    /// The client settings of `source`; nil when one is wrong (reported) or given to a source it does not apply to.
    mutating func clientSettings(_ e: [String: (key: Node, value: Node)], source: StationSource) -> (noDataTimeout: Double, ntrip: NTRIPOptions)? {
        var ok = true
        var timeout = 10.0
        var options = NTRIPOptions()
        func fail(_ n: Node, _ message: String) {
            problem(n, message)
            ok = false
        }
        let isNTRIP = if case .ntrip = source { true } else { false }
        let isTLS = if case .ntrip(let m) = source { m.secure } else { false }
        if let v = e["no_data_timeout"]?.value {
            if source.remoteAddress == nil {
                fail(v, "no_data_timeout applies to the sources the gateway connects to (tcp://, ntrip://), not to \(source)")
            } else if let t = v.float, StationConfiguration.noDataTimeoutRange.contains(t) {
                timeout = t
            } else {
                fail(v, "no_data_timeout must be seconds from 1 to 3600")
            }
        }
        if let v = e["ntrip_version"]?.value {
            if !isNTRIP {
                fail(v, "ntrip_version applies to an ntrip:// source only")
            } else if let n = v.int, n == 1 || n == 2 {
                options.version = n
            } else {
                fail(v, "ntrip_version must be 1 or 2")
            }
        }
        if let v = e["gga"]?.value {
            if !isNTRIP {
                fail(v, "gga (the position sent to an NTRIP caster) applies to an ntrip:// source only")
            } else if v.string == "solution" {
                options.ggaFromSolution = true
            } else if case .mapping(let m) = v {
                let g = entries(m, allowed: ["lat", "lon", "height", "interval", "from"], context: "gga")
                if let f = g["from"]?.value {
                    if f.string == "solution" { options.ggaFromSolution = true } else { fail(f, "gga.from must be solution") }
                }
                let lat = g["lat"]?.value.float, lon = g["lon"]?.value.float, height = g["height"]?.value.float ?? 0
                if let lat, let lon, (-90...90).contains(lat), (-180...180).contains(lon), (-1000...100_000).contains(height) {
                    options.ggaPosition = Geodetic(latitudeDegrees: lat, longitudeDegrees: lon, height: height)
                } else if !options.ggaFromSolution || g["lat"] != nil || g["lon"] != nil {
                    fail(v, "gga needs lat and lon in degrees (-90 to 90, -180 to 180) and height in metres above the ellipsoid, or from: solution")
                }
                if let i = g["interval"]?.value {
                    if let s = i.float, (1...600).contains(s) { options.ggaInterval = s } else { fail(i, "gga.interval must be seconds from 1 to 600") }
                }
            } else {
                fail(v, "gga must be solution, or a mapping {lat, lon, height, interval} or {from: solution, interval}")
            }
        }
        if let v = e["sourcetable"]?.value {
            if !isNTRIP {
                fail(v, "sourcetable (whether the caster's sourcetable is checked for the mountpoint) applies to an ntrip:// source only")
            } else if let b = v.bool {
                options.sourcetable = b
            } else {
                fail(v, "sourcetable must be true or false")
            }
        }
        if let v = e["trust_anchor"]?.value, let path = string(v, "trust_anchor") {
            if !isTLS {
                fail(v, "trust_anchor (the certificates an NTRIP caster's must chain to) applies to an ntrips:// source only")
            } else {
                do {
                    if try NIOSSLCertificate.fromPEMFile(path).isEmpty { fail(v, "trust_anchor '\(path)' holds no PEM certificate") }
                    options.trustAnchor = path
                } catch {
                    fail(v, "trust_anchor '\(path)': cannot read PEM certificates (\(error))")
                }
            }
        }
        return ok ? (timeout, options) : nil
    }
}
