import GNSSCore

extension RTCM3EphemerisCodec {
    /// The ephemeris as one RTCM 3 JSON object: `"format":"rtcm3"`, `"type"`, the satellite, `toe` as an ISO 8601
    /// GPS time (as RINEX navigation and UBX ephemerides give it), then the broadcast fields in broadcast units
    /// (seconds of week, semicircles, metres) under their `jsonKey`. Angles also appear in radians (`*_rad`).
    /// Falls back to an `"error"` member when the ephemeris has no such message.
    public static func json(_ ephemeris: Ephemeris, messageType: Int) -> JSONValue {
        var o: [(String, JSONValue)] = [("format", .string("rtcm3")), ("type", .int(messageType)),
                                        ("satellite", .string(ephemeris.satellite.description)),
                                        ("toe", .string(ephemeris.toe.iso8601(fractionDigits: 0)))]
        do throws(FormatError) {
            let payload = try encode(ephemeris)
            let fields = try unpack(payload[...])
            guard fields.messageType == messageType else {
                o.append(("error", .string("ephemeris encodes as \(fields.messageType), not \(messageType)")))
                return .object(o)
            }
            let angles: Set<String> = ["m0", "deltaN", "omega0", "i0", "omega", "omegaDot", "idot"]
            for (name, value) in fields.values where name != "reserved" && name != "spare" {
                o.append((jsonKey(name), .double(value)))
                if angles.contains(name) { o.append((name + "_rad", .double(value * Constants.semicircle))) }
            }
        } catch {
            o.append(("error", .string(error.description)))
        }
        return .object(o)
    }

    /// The JSON key of a broadcast field: its name, except the clock and ephemeris reference times, given in
    /// seconds of week as broadcast, which are `toc_seconds` and `toe_seconds` (`toe` is the resolved time).
    static func jsonKey(_ field: String) -> String {
        switch field {
        case "toe": "toe_seconds"
        case "toc": "toc_seconds"
        default: field
        }
    }
}
