import Foundation
import GNSSCore

/// Text forms of solutions: RTKLIB's ECEF `.pos` format (so RTKLIB's own
/// tools read it), one JSON object per epoch, or NMEA GGA sentences.
public enum SolutionFormat: String, Sendable, CaseIterable {
    case pos, json, nmea
}

public struct SolutionWriter: Sendable {
    public let format: SolutionFormat
    /// JSON: each line also carries the engine's per-satellite report (`satellite_report`); the other formats have
    /// no place for it and are unchanged.
    public var satelliteReport = false

    public init(format: SolutionFormat, satelliteReport: Bool = false) {
        self.format = format
        self.satelliteReport = satelliteReport
    }

    /// Header lines (only `pos` has any).
    public func header(program: String, inputs: [String], mode: String, start: GNSSTime?) -> [String] {
        guard format == .pos else { return [] }
        var lines = ["% program   : \(program)"]
        for i in inputs { lines.append("% inp file  : \(i)") }
        if let start {
            let c = start.gpsCalendar
            lines.append(String(format: "%% obs start : %04d/%02d/%02d %02d:%02d:%04.1f GPST (week%04d %8.1fs)",
                                c.year, c.month, c.day, c.hour, c.minute, c.second, start.gpsWeek, start.secondOfWeek))
        }
        lines.append("% pos mode  : \(mode)")
        lines.append("%")
        lines.append("% (x/y/z-ecef=WGS84,Q=1:fix,2:float,3:sbas,4:dgps,5:single,6:ppp,ns=# of satellites)")
        lines.append("%  GPST                      x-ecef(m)      y-ecef(m)      z-ecef(m)   Q  ns   sdx(m)   sdy(m)   sdz(m)  sdxy(m)  sdyz(m)  sdzx(m) age(s)  ratio")
        return lines
    }

    /// The line for one solution, or nil for an epoch without a position. With `epoch` and `locks` (the station's
    /// signals followed up to that epoch), JSON's satellite report gives each satellite's signals with their lock time
    /// and slips too.
    public func line(_ s: Solution, epoch: ObservationEpoch? = nil, locks: SignalLockTracker? = nil) -> String? {
        guard s.quality != .none, s.position.x.isFinite, s.position.y.isFinite, s.position.z.isFinite else { return nil }
        switch format {
        case .pos: return posLine(s)
        case .json: return jsonLine(s, epoch: epoch, locks: locks)
        case .nmea: return ggaSentence(s)
        }
    }

    /// Signed square root, as RTKLIB writes covariances.
    private static func sqrtSigned(_ v: Double) -> Double {
        guard v.isFinite else { return 0 }
        return v < 0 ? -(-v).squareRoot() : v.squareRoot()
    }

    private func posLine(_ s: Solution) -> String {
        // Round to the millisecond first so 59.9996 s does not print as 60.000.
        let t = GNSSTime(seconds: s.time.seconds, fraction: (s.time.fraction * 1000).rounded() / 1000)
        let c = t.gpsCalendar
        var line: [UInt8] = []
        line.reserveCapacity(160)
        func integer(_ v: Int, _ width: Int, zeros: Bool = true) { FixedPointText.append(v, width: width, zeroPadded: zeros, to: &line) }
        func fixed(_ v: Double, _ decimals: Int, _ width: Int) { FixedPointText.append(v, decimals: decimals, width: width, to: &line) }
        func text(_ t: StaticString) { line.append(contentsOf: UnsafeBufferPointer(start: t.utf8Start, count: t.utf8CodeUnitCount)) }
        integer(c.year, 4); text("/"); integer(c.month, 2); text("/"); integer(c.day, 2); text(" ")
        integer(c.hour, 2); text(":"); integer(c.minute, 2); text(":")
        FixedPointText.append(c.second, decimals: 3, width: 6, zeroPadded: true, to: &line)
        for v in [s.position.x, s.position.y, s.position.z] { text(" "); fixed(v, 4, 14) }
        text(" "); integer(Int(s.quality.rawValue), 3, zeros: false)
        text(" "); integer(s.satellites, 3, zeros: false)
        for k in 0..<6 { text(" "); fixed(Self.sqrtSigned(k < s.covariance.count ? s.covariance[k] : 0), 4, 8) }
        text(" "); fixed(s.age, 2, 6)
        text(" "); fixed(min(s.ratio, 999.9), 1, 6)
        return String(decoding: line, as: UTF8.self)
    }

    private func jsonLine(_ s: Solution, epoch: ObservationEpoch?, locks: SignalLockTracker?) -> String {
        let g = s.position.geodetic()
        let sig = s.sigma
        func fixed(_ v: Double, _ digits: Int) -> String { v.isFinite ? FixedPointText.string(v, decimals: digits) : "null" }
        var out = "{\"time\":\"\(s.time.iso8601(fractionDigits: 3))\""
        out += ",\"ecef\":[\(fixed(s.position.x, 4)),\(fixed(s.position.y, 4)),\(fixed(s.position.z, 4))]"
        out += ",\"llh\":[\(fixed(g.latitudeDegrees, 9)),\(fixed(g.longitudeDegrees, 9)),\(fixed(g.height, 4))]"
        out += ",\"quality\":\"\(s.quality)\",\"satellites\":\(s.satellites)"
        out += ",\"sigma\":[\(fixed(sig.x, 4)),\(fixed(sig.y, 4)),\(fixed(sig.z, 4))]"
        out += ",\"age\":\(fixed(s.age, 2)),\"ratio\":\(fixed(s.ratio, 2))"
        if let v = s.velocity { out += ",\"velocity\":[\(fixed(v.x, 4)),\(fixed(v.y, 4)),\(fixed(v.z, 4))]" }
        if let note = s.note {
            out += ",\"note\":\"" + note.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        if satelliteReport { out += ",\"satellite_report\":" + Self.reportJSON(s.satelliteReport, epoch: epoch, locks: locks) }
        return out + "}"
    }

    /// The per-satellite report as a JSON array, every key written (`null` where there is no value): `sat` (RINEX
    /// name), `used`, `reason` (why not), `code_residual` and `phase_residual` (m, post-fit, to 0.1 mm), `cycle_slip`
    /// (the engine's own detection); with `epoch` and `locks`, `signals`: each observed signal's `signal` (RINEX code),
    /// `lock_time` (s, to 0.1 s) and `slips`, as `gatewayctl satellites` shows them.
    static func reportJSON(_ report: [SatelliteUse], epoch: ObservationEpoch?, locks: SignalLockTracker?) -> String {
        func metres(_ v: Double?) -> String { v.map { $0.isFinite ? FixedPointText.string($0, decimals: 4) : "null" } ?? "null" }
        var out = "["
        for (i, u) in report.enumerated() {
            if i > 0 { out += "," }
            out += "{\"sat\":\"\(u.satellite)\",\"used\":\(u.used),\"reason\":"
            out += u.reason.map { "\"\($0.rawValue)\"" } ?? "null"
            out += ",\"code_residual\":\(metres(u.codeResidual)),\"phase_residual\":\(metres(u.phaseResidual))"
            out += ",\"cycle_slip\":\(u.cycleSlip)"
            if let epoch, let locks {
                out += ",\"signals\":["
                for (k, signal) in (epoch.satellite(u.satellite)?.signals ?? []).enumerated() {
                    let lock = locks.lock(u.satellite, signal.signal)
                    out += (k > 0 ? "," : "") + "{\"signal\":\"\(signal.signal)\",\"lock_time\":"
                    out += lock.map { FixedPointText.string($0.time, decimals: 1) } ?? "null"
                    out += ",\"slips\":" + (lock.map { String($0.slips) } ?? "null") + "}"
                }
                out += "]"
            }
            out += "}"
        }
        return out + "]"
    }

    /// NMEA 0183 GGA with UTC time and height above the ellipsoid (geoid separation 0).
    private func ggaSentence(_ s: Solution) -> String {
        let g = s.position.geodetic()
        let utc = s.time.utcCalendar
        let lat = abs(g.latitudeDegrees), lon = abs(g.longitudeDegrees)
        let latDeg = Int(lat), lonDeg = Int(lon)
        let quality: Int
        switch s.quality {
        case .fixed: quality = 4
        case .float, .ppp: quality = 5
        case .dgps, .sbas: quality = 2
        case .single: quality = 1
        case .none: quality = 0
        }
        var body: [UInt8] = []
        body.reserveCapacity(96)
        func integer(_ v: Int, _ width: Int = 0) { FixedPointText.append(v, width: width, zeroPadded: true, to: &body) }
        func fixed(_ v: Double, _ decimals: Int, _ width: Int = 0) {
            FixedPointText.append(v, decimals: decimals, width: width, zeroPadded: true, to: &body)
        }
        func text(_ t: String) { body.append(contentsOf: t.utf8) }
        text("GPGGA,"); integer(utc.hour, 2); integer(utc.minute, 2); fixed(utc.second, 2, 5)
        text(","); integer(latDeg, 2); fixed((lat - Double(latDeg)) * 60, 7, 10); text(g.latitude >= 0 ? ",N," : ",S,")
        integer(lonDeg, 3); fixed((lon - Double(lonDeg)) * 60, 7, 10); text(g.longitude >= 0 ? ",E," : ",W,")
        integer(quality); text(","); integer(min(s.satellites, 99), 2); text(",")
        fixed(s.dop?.horizontal ?? 0, 1); text(","); fixed(g.height, 3); text(",M,0.000,M,"); fixed(s.age, 1); text(",")
        let checksum = body.reduce(UInt8(0), ^)
        let hex = Array("0123456789ABCDEF".utf8)
        return "$" + String(decoding: body, as: UTF8.self) + "*" + String(decoding: [hex[Int(checksum >> 4)], hex[Int(checksum & 15)]], as: UTF8.self)
    }
}
