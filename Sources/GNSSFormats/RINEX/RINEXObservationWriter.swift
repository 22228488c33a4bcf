import Foundation
import GNSSCore

/// Writes RINEX 3.05 or 4.02 observation files from `ObservationEpoch`s, so a
/// stream can be recorded the way receivers and converters write it.
public struct RINEXObservationWriter {
    public var version: Double
    public var markerName: String
    public var receiverType: String
    public var antennaType: String
    public var approximatePosition: ECEF?
    public var interval: Double?
    /// Observation codes per system; collect them with `observationTypes(for:)` when unknown.
    public var observationTypes: [GNSSSystem: [ObservationCode]]
    public var glonassChannels = GlonassChannels()
    public var program = "gatewayd"

    public init(version: Double = 3.05, markerName: String = "GATEWAY", receiverType: String = "", antennaType: String = "",
                approximatePosition: ECEF? = nil, interval: Double? = nil, observationTypes: [GNSSSystem: [ObservationCode]]) {
        self.version = version
        self.markerName = markerName
        self.receiverType = receiverType
        self.antennaType = antennaType
        self.approximatePosition = approximatePosition
        self.interval = interval
        self.observationTypes = observationTypes
    }

    /// Every code present in `epochs`, per system, in the customary C, L, D, S order by signal.
    public static func observationTypes(for epochs: [ObservationEpoch]) -> [GNSSSystem: [ObservationCode]] {
        var signals: [GNSSSystem: Set<SignalCode>] = [:]
        var kinds: [GNSSSystem: [SignalCode: Set<Character>]] = [:]
        for e in epochs {
            for s in e.satellites {
                for o in s.signals {
                    signals[s.satellite.system, default: []].insert(o.signal)
                    var k = kinds[s.satellite.system, default: [:]][o.signal, default: []]
                    if o.pseudorange != nil { k.insert("C") }
                    if o.carrierPhase != nil { k.insert("L") }
                    if o.doppler != nil { k.insert("D") }
                    if o.cn0 != nil { k.insert("S") }
                    kinds[s.satellite.system, default: [:]][o.signal] = k
                }
            }
        }
        var out: [GNSSSystem: [ObservationCode]] = [:]
        for (sys, set) in signals {
            var codes: [ObservationCode] = []
            for sig in set.sorted() {
                for kind in [ObservableKind.pseudorange, .carrierPhase, .doppler, .signalStrength]
                where kinds[sys]?[sig]?.contains(kind.rawValue) == true {
                    codes.append(ObservationCode(kind: kind, signal: sig))
                }
            }
            out[sys] = codes
        }
        return out
    }

    /// The header text, ending with END OF HEADER.
    public func header(firstEpoch: GNSSTime?) -> String {
        var h = ""
        h += RINEXText.line(String(format: "%9.2f", version) + String(repeating: " ", count: 11) + RINEXText.left("OBSERVATION DATA", 20) + "M",
                       "RINEX VERSION / TYPE")
        h += RINEXText.line(RINEXText.left(program, 20) + RINEXText.left("", 20) + RINEXText.left(RINEXText.fileDate, 20), "PGM / RUN BY / DATE")
        h += RINEXText.line(markerName, "MARKER NAME")
        if version >= 4 { h += RINEXText.line("GEODETIC", "MARKER TYPE") }
        h += RINEXText.line(RINEXText.left("", 20) + RINEXText.left("", 40), "OBSERVER / AGENCY")
        h += RINEXText.line(RINEXText.left("", 20) + RINEXText.left(receiverType, 20) + RINEXText.left("", 20), "REC # / TYPE / VERS")
        h += RINEXText.line(RINEXText.left("", 20) + RINEXText.left(antennaType, 20), "ANT # / TYPE")
        if let p = approximatePosition {
            h += RINEXText.line(String(format: "%14.4f%14.4f%14.4f", p.x, p.y, p.z), "APPROX POSITION XYZ")
        }
        h += RINEXText.line(String(format: "%14.4f%14.4f%14.4f", 0.0, 0.0, 0.0), "ANTENNA: DELTA H/E/N")
        for sys in observationTypes.keys.sorted() {
            guard let codes = observationTypes[sys], !codes.isEmpty else { continue }
            var i = 0
            while i < codes.count {
                let chunk = codes[i..<min(codes.count, i + 13)]
                let head = i == 0 ? "\(sys.letter)  " + RINEXText.right(String(codes.count), 3) : String(repeating: " ", count: 6)
                h += RINEXText.line(head + chunk.map { " " + $0.description }.joined(), "SYS / # / OBS TYPES")
                i += 13
            }
        }
        if let interval { h += RINEXText.line(String(format: "%10.3f", interval), "INTERVAL") }
        if let t = firstEpoch {
            let c = t.gpsCalendar
            h += RINEXText.line(String(format: "%6d%6d%6d%6d%6d%13.7f     GPS", c.year, c.month, c.day, c.hour, c.minute, c.second),
                           "TIME OF FIRST OBS")
        }
        let channels = glonassChannels.all
        if !channels.isEmpty {
            var i = 0
            while i < channels.count {
                let chunk = channels[i..<min(channels.count, i + 8)]
                let head = i == 0 ? RINEXText.right(String(channels.count), 3) + " " : "    "
                h += RINEXText.line(head + chunk.map { "R" + String(format: "%02d", $0.slot) + " " + RINEXText.right(String($0.channel), 2) + " " }.joined(),
                               "GLONASS SLOT / FRQ #")
                i += 8
            }
        }
        h += RINEXText.line("", "END OF HEADER")
        return h
    }

    /// One epoch record.
    public func epoch(_ e: ObservationEpoch) -> String {
        let c = e.time.gpsCalendar
        var s = String(format: "> %04d %02d %02d %02d %02d%11.7f  %d%3d", c.year, c.month, c.day, c.hour, c.minute, c.second,
                       Int(e.flag.rawValue), e.satellites.count)
        if let clock = e.receiverClockOffset { s += String(repeating: " ", count: 6) + String(format: "%15.12f", clock) }
        s += "\n"
        for sat in e.satellites {
            guard let codes = observationTypes[sat.satellite.system] else { continue }
            var line = sat.satellite.description
            for code in codes {
                let o = sat.signal(code.signal)
                var value: Double?
                switch code.kind {
                case .pseudorange: value = o?.pseudorange
                case .carrierPhase: value = o?.carrierPhase
                case .doppler: value = o?.doppler
                case .signalStrength: value = o?.cn0
                default: value = nil
                }
                if let v = value, abs(v) < 1e10 {
                    line += String(format: "%14.3f", v)
                    let lli = code.kind == .carrierPhase ? Int(o?.lli ?? 0) : 0
                    let ssi = code.kind == .carrierPhase || code.kind == .pseudorange ? Int(o?.signalStrengthIndicator ?? 0) : 0
                    line += lli == 0 ? " " : String(lli)
                    line += ssi == 0 ? " " : String(ssi)
                } else {
                    line += String(repeating: " ", count: 16)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            s += line + "\n"
        }
        return s
    }
}
