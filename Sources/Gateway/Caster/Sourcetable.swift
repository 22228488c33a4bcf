import DaemonSupport
import Foundation
import GNSSCore

/// The caster's sourcetable: one `STR` record per mountpoint, then `ENDSOURCETABLE`, as NTRIP defines it (fields:
/// mountpoint, identifier, format, format details, carrier, navigation systems, network, country, latitude,
/// longitude, NMEA, solution, generator, compression, authentication, fee, bit rate, misc).
struct Sourcetable {
    struct Mountpoint {
        var name: String
        /// The station's coordinates, from the configuration or its stream; nil while unknown.
        var position: ECEF?
        var content: MountpointContent
    }

    var network: String
    var mountpoints: [Mountpoint]

    static let generator = "gnss-gateway/\(SoftwareVersion.number)"

    /// The records, CRLF-terminated, ending with `ENDSOURCETABLE`.
    var text: String {
        var lines: [String] = []
        for m in mountpoints.sorted(by: { $0.name < $1.name }) {
            let geodetic = m.position.map { $0.geodetic() }
            let degrees = Constants.radiansToDegrees
            let fields: [String] = [
                "STR", m.name, m.name, "RTCM 3.3", m.content.formatDetails, m.content.carriesObservations ? "2" : "0",
                m.content.navigationSystems, Self.field(network), "",
                geodetic.map { String(format: "%.2f", $0.latitude * degrees) } ?? "0.00",
                geodetic.map { String(format: "%.2f", $0.longitude * degrees) } ?? "0.00",
                "0", "0", Self.generator, "none", "B", "N", m.content.bitRate.map(String.init) ?? "0", "none",
            ]
            lines.append(fields.joined(separator: ";"))
        }
        lines.append("ENDSOURCETABLE")
        return lines.map { $0 + "\r\n" }.joined()
    }

    /// A value as a sourcetable field: no `;` and nothing outside printable ASCII.
    static func field(_ s: String) -> String {
        String(s.prefix(64).map { $0 == ";" || !$0.isASCII || $0.isNewline ? "_" : $0 })
    }
}
