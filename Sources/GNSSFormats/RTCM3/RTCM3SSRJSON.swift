import GNSSCore

extension RTCM3SSRCodec {
    /// Whether the frame is an SSR message this codec decodes. For 4076 the IGS SSR subtype (the 8 bits
    /// after the 3-bit version) must be one of the orbit/clock/combined/high-rate clock/code bias/phase
    /// bias/URA numbers of GPS (21–27), GLONASS (41–47), Galileo (61–67), QZSS (81–87), BeiDou (101–107),
    /// SBAS (121–127), or 201 (VTEC).
    public static func handles(messageType: Int, payload: ArraySlice<UInt8>) -> Bool {
        guard handles(messageType: messageType) else { return false }
        guard messageType == 4076 else { return true }
        var r = BitReader(payload)
        guard let type = try? r.uint(12), type == 4076, (try? r.uint(3)) != nil, let subtype = try? r.uint(8) else { return false }
        if subtype == 201 { return true }
        return igsSystems.contains { subtype >= $0.0 && subtype - $0.0 < igsKinds.count }
    }
}

extension SSRMessage: JSONRepresentable {
    /// `"format":"rtcm3"`, `"type"`, header, then per-satellite corrections in metres, metres per
    /// second and the broadcast signal identifiers.
    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("format", .string("rtcm3")), ("type", .int(messageType))]
        if let sub = igsSubtype { o += [("igs_subtype", .int(sub)), ("igs_version", .int(igsVersion))] }
        if system == .leo { o.append(("subtype", .int(RTCM3LEO.ssrSubtype))) }
        o += [("system", .string(system.description)), ("kind", .string(kind.rawValue)), ("epoch_s", .int(epochSeconds)),
              ("update_interval", .int(updateInterval)), ("multiple", .bool(multipleMessage)), ("iod_ssr", .int(iodSSR)),
              ("provider", .int(providerID)), ("solution", .int(solutionID))]
        if let v = referenceDatum { o.append(("datum", .int(v))) }
        if let v = dispersiveConsistent { o.append(("dispersive_consistent", .bool(v))) }
        if let v = mwConsistent { o.append(("mw_consistent", .bool(v))) }
        if kind == .vtec {
            if let q = vtecQuality { o.append(("quality", .double(q))) }
            o.append(("layers", .array(layers.map { .array($0.map { JSONValue.double($0) }) })))
            return .object(o)
        }
        o.append(("satellites", .array(satellites.map { sat in
            var so: [(String, JSONValue)] = [("sat", .string(sat.satellite.description))]
            if let v = sat.iod { so.append(("iod", .int(v))) }
            if let v = sat.iodCRC { so.append(("iod_crc", .int(v))) }
            if let v = sat.toeModulo { so.append(("toe_modulo", .int(v))) }
            if let v = sat.orbit, v.count == 6 {
                so += [("radial", .double(v[0])), ("along", .double(v[1])), ("cross", .double(v[2])),
                       ("radial_rate", .double(v[3])), ("along_rate", .double(v[4])), ("cross_rate", .double(v[5]))]
            }
            if let v = sat.clock { so.append(("clock", .array(v.map { JSONValue.double($0) }))) }
            if let v = sat.highRateClock { so.append(("hr_clock", .double(v))) }
            if let v = sat.ura { so.append(("ura", .int(v))) }
            if let v = sat.yaw { so.append(("yaw", .array(v.map { JSONValue.double($0) }))) }
            if !sat.codeBiases.isEmpty {
                so.append(("code_biases", .array(sat.codeBiases.map {
                    .object([("signal", .int($0.signal)), ("bias", .double($0.bias))])
                })))
            }
            if !sat.phaseBiases.isEmpty {
                so.append(("phase_biases", .array(sat.phaseBiases.map {
                    .object([("signal", .int($0.signal)), ("bias", .double($0.bias)), ("integer", .bool($0.integer)),
                             ("wide_lane", .int($0.wideLaneInteger)), ("discontinuity", .int($0.discontinuityCounter))])
                })))
            }
            return .object(so)
        })))
        return .object(o)
    }
}
