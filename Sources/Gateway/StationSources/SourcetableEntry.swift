import Foundation

/// A mountpoint's `STR` record in a caster's sourcetable, as a client reads it (fields: `STR`, mountpoint,
/// identifier, format, format details, carrier, navigation systems, network, country, latitude, longitude, NMEA,
/// solution, …): what the stream carries and whether the caster needs the user's position (NMEA `1`) for it.
struct SourcetableEntry: Equatable {
    var mountpoint: String
    var format: String
    var formatDetails: String
    /// 0: no carrier phase, 1: L1, 2: L1 and L2.
    var carrier: String
    var navigationSystems: String
    /// Whether the caster needs an NMEA GGA sentence from the client.
    var needsGGA: Bool

    /// The record of `line`, or nil when it is not an `STR` record naming a mountpoint.
    init?<S: StringProtocol>(_ line: S) {
        let fields = line.split(separator: ";", omittingEmptySubsequences: false).map { String($0.prefix(200)) }
        guard fields.count >= 2, fields[0] == "STR", !fields[1].isEmpty else { return nil }
        func field(_ i: Int) -> String { i < fields.count ? fields[i].trimmingCharacters(in: .whitespaces) : "" }
        mountpoint = fields[1]
        format = field(3)
        formatDetails = field(4)
        carrier = field(5)
        navigationSystems = field(6)
        needsGGA = field(11) == "1"
    }

    /// The `STR` records of a sourcetable.
    static func entries(_ table: [UInt8]) -> [SourcetableEntry] {
        String(decoding: table, as: UTF8.self).split(whereSeparator: \.isNewline).compactMap { SourcetableEntry($0) }
    }

    /// The record in a line of the log.
    var summary: String {
        let carriers = ["0": "none", "1": "L1", "2": "L1+L2"]
        return "format \(format.isEmpty ? "?" : format)"
            + (formatDetails.isEmpty ? "" : " (\(formatDetails))")
            + ", carrier \(carriers[carrier] ?? (carrier.isEmpty ? "?" : carrier))"
            + ", systems \(navigationSystems.isEmpty ? "?" : navigationSystems)"
            + ", needs GGA: \(needsGGA ? "yes" : "no")"
    }
}
