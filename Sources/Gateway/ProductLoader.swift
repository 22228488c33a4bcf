import GNSSCore
import GNSSFormats
import GNSSOrbits

/// Loads navigation and precise products from files, whatever their format
/// (recognised by content): broadcast ephemerides into an `EphemerisStore`,
/// SP3 orbits and RINEX clocks into a `PreciseEphemeris`.
public struct Products: Sendable {
    public var ephemerides = EphemerisStore()
    public var klobuchar: KlobucharCoefficients?
    public var precise = PreciseEphemeris()
    public var hasPreciseOrbits = false
    public var problems: [FormatError] = []

    public init() {}

    public mutating func loadNavigation(_ path: String) throws(FormatError) {
        let (header, ephs, errors) = try RINEXNavigationReader.readAll(path: path)
        for e in ephs { ephemerides.add(e) }
        if klobuchar == nil, let k = header.klobuchar[.gps], k.alpha.count == 4, k.beta.count == 4 { klobuchar = k }
        problems += errors
    }

    public mutating func loadSP3(_ path: String) throws(FormatError) {
        let reader = try SP3Reader(path: path)
        while let epoch = try reader.next() {
            for r in epoch.records {
                if let p = r.position { precise.addPosition(r.satellite, time: epoch.time, position: p) }
            }
        }
        hasPreciseOrbits = true
        problems += reader.errors
    }

    public mutating func loadClock(_ path: String) throws(FormatError) {
        let reader = try RINEXClockReader(path: path)
        while let r = try reader.next() {
            if let s = r.satellite, r.type == "AS" { precise.addClock(s, time: r.time, bias: r.bias) }
        }
        problems += reader.errors
    }

    public mutating func finalise() { precise.finalise() }
}
