import GNSSCore

/// Writes broadcast Keplerian ephemerides (GPS, QZSS, Galileo, BeiDou, NavIC)
/// as a RINEX 4.02 mixed navigation file: one `> EPH` record per ephemeris,
/// the broadcast orbit lines in the RINEX 3 layout beneath it.
public struct RINEXNavigationWriter: Sendable {
    public var program = "gnss-sim"

    public init() {}

    public func header() -> String {
        RINEXText.line(String(format: "%9.2f", 4.02) + String(repeating: " ", count: 11) + RINEXText.left("NAVIGATION DATA", 20) + "M",
                       "RINEX VERSION / TYPE")
            + RINEXText.line(RINEXText.left(program, 20) + RINEXText.left("", 20) + RINEXText.left(RINEXText.fileDate, 20), "PGM / RUN BY / DATE")
            + RINEXText.line("", "END OF HEADER")
    }

    /// The whole file: header and the records in time order (satellite order within a time).
    public func file(_ ephemerides: [KeplerEphemeris]) -> String {
        ephemerides.sorted { ($0.toc, $0.satellite) < ($1.toc, $1.satellite) }.reduce(header()) { $0 + record($1) }
    }

    private static let uraMetres: [Double] = [2.4, 3.4, 4.85, 6.85, 9.65, 13.65, 24, 48, 96, 192, 384, 768, 1536, 3072, 6144]

    /// One `> EPH` record.
    public func record(_ e: KeplerEphemeris) -> String {
        let beidou = e.satellite.system == .beidou
        let offset = beidou ? GNSSTime.bdtMinusGPST : 0
        let c = e.toc.calendar(in: beidou ? .beidou : .gps)
        let week = beidou ? (e.toe + offset).gpsWeek - GNSSTime.beidouWeekOffset : e.toe.gpsWeek
        let accuracy = e.satellite.system == .galileo ? GalileoSISA.metres(index: e.accuracyIndex) : Self.uraMetres[min(max(e.accuracyIndex, 0), 14)]
        let transmission = e.transmissionTime.map { ($0 + offset).secondOfWeek } ?? 0.999999999999e9
        let delays = e.groupDelays + [0, 0]
        let values: [Double] = [
            e.af0, e.af1, e.af2,
            Double(e.iode), e.crs, e.meanMotionDifference, e.meanAnomaly,
            e.cuc, e.eccentricity, e.cus, e.sqrtA,
            e.toeSeconds, e.cic, e.rightAscension, e.cis,
            e.inclination, e.crc, e.argumentOfPerigee, e.rightAscensionRate,
            e.inclinationRate, Double(e.satellite.system == .galileo ? e.dataSources : e.codesOnL2), Double(week), Double(e.l2PDataFlag),
            accuracy, Double(e.health), delays[0], e.satellite.system == .galileo || beidou ? delays[1] : Double(e.iodc),
            transmission, beidou ? Double(e.iodc) : e.fitInterval,
        ]
        var text = "> EPH \(e.satellite) \(e.message.rawValue)\n"
        text += "\(e.satellite)" + String(format: " %04d %02d %02d %02d %02d %02d", c.year, c.month, c.day, c.hour, c.minute, Int(c.second.rounded()))
        text += values[0..<3].map(Self.number).joined() + "\n"
        var i = 3
        while i < values.count {
            text += "    " + values[i..<min(i + 4, values.count)].map(Self.number).joined() + "\n"
            i += 4
        }
        return text
    }

    static func number(_ v: Double) -> String { String(format: "%19.12E", v) }
}
