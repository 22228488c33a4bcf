import GNSSCore

extension RTCM3Message {
    /// The message type number.
    public var messageType: Int {
        switch self {
        case .msm(let m): m.messageType
        case .legacyObservations(let l): l.messageType
        case .stationCoordinates(let s): s.antennaHeight == nil ? 1005 : 1006
        case .descriptors(let d): d.messageType
        case .glonassBiases: 1230
        case .systemParameters: 1013
        case .ephemeris(_, let t): t
        case .ssr(let s): s.messageType
        case .leoEphemeris: RTCM3LEO.messageType
        case .unsupported(let t): t
        }
    }

    /// Summary key, as pyrtcm names messages (`1077`, `4076_025`); the project's LEO messages are
    /// `4058_1` (ephemeris), `4058_2` (SSR) and `4058_7` (MSM7).
    public var identity: String {
        switch self {
        case .ssr(let s):
            if let sub = s.igsSubtype { return "4076_" + (sub < 10 ? "00" : (sub < 100 ? "0" : "")) + String(sub) }
            if s.system == .leo { return "\(RTCM3LEO.messageType)_\(RTCM3LEO.ssrSubtype)" }
        case .leoEphemeris: return "\(RTCM3LEO.messageType)_\(RTCM3LEO.ephemerisSubtype)"
        case .msm(let m) where m.system == .leo: return "\(RTCM3LEO.messageType)_\(RTCM3LEO.msm7Subtype)"
        default: break
        }
        return String(messageType)
    }

    /// One JSON object: `format`, `type`, then the decoded fields. MSM and legacy observation epochs are given as
    /// broadcast (`epoch_ms`);
    /// with a `reference` time (from the caller or from an ephemeris earlier in the stream) the resolved GPS time
    /// is added as `gps_time`, so the output never depends on the date it is produced.
    public func json(offset: Int, payload: [UInt8], reference: GNSSTime? = nil) -> JSONValue {
        var o: [(String, JSONValue)] = [("format", "rtcm3"), ("type", .int(messageType)), ("offset", .int(offset))]
        func d(_ v: Double?, _ digits: Double = 1e4) -> JSONValue { v.map { .double(($0 * digits).rounded() / digits) } ?? .null }
        switch self {
        case .msm(let m):
            o += [("station", .int(m.stationID)), ("system", .string(m.system.description)), ("msm", .int(m.msmType)),
                  ("epoch_ms", .int(m.epochMilliseconds)), ("multiple", .bool(m.multipleMessage)), ("iods", .int(m.iods))]
            if let day = m.glonassDay { o.append(("glonass_day", .int(day))) }
            if m.system == .leo {
                o.append(("subtype", .int(RTCM3LEO.msm7Subtype)))
                if let first = m.satellites.first { o.append(("prn_block", .int(MSMSignals.prnBlock(first.satellite)))) }
            }
            if let reference { o.append(("gps_time", .string(m.time(near: reference).iso8601(fractionDigits: 3)))) }
            o.append(("satellites", .array(m.satellites.map { s in
                var so: [(String, JSONValue)] = [("sat", .string(s.satellite.description)), ("rough_range_ms", d(s.roughRangeMilliseconds, 1e9))]
                if let e = s.extendedInfo { so.append(("ext", .int(e))) }
                if let r = s.roughRate { so.append(("rough_rate", .double(r))) }
                return .object(so)
            })))
            o.append(("cells", .array(m.cells.map { c in
                .object([("sat", .string(c.satellite.description)), ("signal", .string(c.signal.description)),
                         ("pseudorange", d(c.pseudorange)), ("phase_range", d(c.phaseRange)), ("rate", d(c.phaseRangeRate)),
                         ("cnr", d(c.cnr)), ("lock", .int(c.lockIndicator)), ("lock_s", d(c.lockTime, 1e3)), ("half_cycle", .bool(c.halfCycleAmbiguity))])
            })))
        case .legacyObservations(let l):
            o += [("station", .int(l.stationID)), ("system", .string(l.system.description)),
                  ("epoch_ms", .int(l.epochMilliseconds)), ("synchronous", .bool(l.synchronous))]
            if let reference { o.append(("gps_time", .string(l.time(near: reference).iso8601(fractionDigits: 3)))) }
            o.append(("satellites", .array(l.satellites.map { s in
                var so: [(String, JSONValue)] = [("sat", .string(s.satellite.description))]
                if let k = s.glonassChannel { so.append(("channel", .int(k))) }
                so += [("l1_code", .int(s.l1Code)), ("l1_pseudorange", d(s.l1Pseudorange)),
                       ("l1_phase_minus_range", d(s.l1PhaseMinusRange)), ("l1_lock", .int(s.l1Lock)), ("l1_cnr", d(s.l1CNR))]
                if let c = s.l2Code {
                    so += [("l2_code", .int(c)), ("l2_range_difference", d(s.l2PseudorangeDifference)),
                           ("l2_phase_minus_l1_range", d(s.l2PhaseMinusL1Range)), ("l2_lock", .int(s.l2Lock)), ("l2_cnr", d(s.l2CNR))]
                }
                return .object(so)
            })))
        case .stationCoordinates(let s):
            o += [("station", .int(s.stationID)), ("itrf_year", .int(s.itrfYear)),
                  ("ecef", .array([d(s.position.x), d(s.position.y), d(s.position.z)])),
                  ("gps", .bool(s.gps)), ("glonass", .bool(s.glonass)), ("galileo", .bool(s.galileo)),
                  ("reference_station", .bool(s.referenceStation))]
            if let h = s.antennaHeight { o.append(("antenna_height", d(h))) }
        case .descriptors(let x):
            o += [("station", .int(x.stationID)), ("antenna", .string(x.antennaDescriptor)), ("setup_id", .int(x.antennaSetupID))]
            if let v = x.antennaSerial { o.append(("antenna_serial", .string(v))) }
            if let v = x.receiverType { o.append(("receiver", .string(v))) }
            if let v = x.receiverFirmware { o.append(("firmware", .string(v))) }
            if let v = x.receiverSerial { o.append(("receiver_serial", .string(v))) }
        case .glonassBiases(let b):
            o += [("station", .int(b.stationID)), ("aligned", .bool(b.aligned)),
                  ("biases", .array(b.biases.map { d($0, 100) }))]
        case .systemParameters(let p):
            o += [("station", .int(p.stationID)), ("mjd", .int(p.mjd)), ("seconds_of_day", .int(p.secondsOfDay)),
                  ("leap_seconds", .int(p.leapSeconds)), ("messages", .array(p.messages.map { .int($0.type) }))]
        case .ephemeris(let e, _):
            o.append(("satellite", .string(e.satellite.description)))
            o.append(("toe", .string(e.toe.iso8601(fractionDigits: 0))))
            o += RTCM3EphemerisCodec.json(payload: payload[...])
        case .ssr(let s):
            if let sub = s.igsSubtype { o += [("igs_subtype", .int(sub)), ("igs_version", .int(s.igsVersion))] }
            if s.system == .leo { o.append(("subtype", .int(RTCM3LEO.ssrSubtype))) }
            o += [("system", .string(s.system.description)), ("kind", .string(s.kind.rawValue)), ("epoch_s", .int(s.epochSeconds)),
                  ("update_interval", .int(s.updateInterval)), ("multiple", .bool(s.multipleMessage)), ("iod_ssr", .int(s.iodSSR)),
                  ("provider", .int(s.providerID)), ("solution", .int(s.solutionID))]
            if s.kind == .vtec {
                o.append(("quality", d(s.vtecQuality)))
                o.append(("layers", .array(s.layers.map { .array($0.map { d($0) }) })))
            } else {
                o.append(("satellites", .array(s.satellites.map { sat in
                    var so: [(String, JSONValue)] = [("sat", .string(sat.satellite.description))]
                    if let v = sat.iod { so.append(("iod", .int(v))) }
                    if let v = sat.orbit { so.append(("orbit", .array(v.map { d($0, 1e6) }))) }
                    if let v = sat.clock { so.append(("clock", .array(v.map { d($0, 1e8) }))) }
                    if let v = sat.highRateClock { so.append(("hr_clock", d(v))) }
                    if let v = sat.ura { so.append(("ura", .int(v))) }
                    if !sat.codeBiases.isEmpty {
                        so.append(("code_biases", .object(sat.codeBiases.map { (String($0.signal), d($0.bias, 100)) })))
                    }
                    if !sat.phaseBiases.isEmpty {
                        so.append(("phase_biases", .object(sat.phaseBiases.map { (String($0.signal), d($0.bias, 1e4)) })))
                    }
                    return .object(so)
                })))
            }
        case .leoEphemeris(let e):
            // Coefficients in full: they are exact multiples of the broadcast resolution.
            let ms = roundedInt(e.reference.secondOfWeek * 1000)
            o += [("subtype", .int(RTCM3LEO.ephemerisSubtype)), ("satellite", .string(e.satellite.description)),
                  ("reference", .string(e.reference.iso8601(fractionDigits: 3))), ("week", .int(e.reference.gpsWeek)),
                  ("tow_ms", .int(ms)), ("half_width", .double(e.halfWidth)), ("issue", .int(e.issue)), ("healthy", .bool(e.healthy)),
                  ("x", .array(e.x.map { .double($0) })), ("y", .array(e.y.map { .double($0) })),
                  ("z", .array(e.z.map { .double($0) })), ("clock", .array(e.clock.map { .double($0) }))]
        case .unsupported:
            o.append(("decoded", false))
        }
        return .object(o)
    }
}

/// `gatewayd inspect` for RTCM 3 streams.
public enum RTCM3Inspector {
    /// - Parameter referenceTime: a time near the recording, to print MSM epochs as calendar times; without it
    ///   they are printed as calendar times only once an ephemeris in the stream has given the week.
    public static func inspect(path: String, sink: InspectSink, referenceTime: GNSSTime? = nil) throws(FormatError) {
        let source = try FileByteSource(path: path, chunkSize: 1 << 16)
        var framer = RTCM3Framer()
        var decoder = RTCM3Decoder(referenceTime: referenceTime)
        func drain() {
            while let item = framer.next() {
                switch item {
                case .frame(let f):
                    do {
                        let m = try decoder.decode(f)
                        sink.emit(m.json(offset: f.offset, payload: f.payload, reference: decoder.referenceTime), type: "rtcm3 " + m.identity)
                    } catch {
                        sink.error(error.inFile(path), record: .object([("format", "rtcm3"), ("type", .int(f.messageType)),
                                                                          ("offset", .int(f.offset)), ("error", .string(error.message))]))
                    }
                case .error(let e):
                    sink.error(e.inFile(path), record: .object([("format", "rtcm3"), ("offset", .int(offsetOf(e))),
                                                                ("error", .string(e.message))]))
                }
            }
        }
        while let chunk = try source.next() {
            framer.append(chunk)
            drain()
        }
        if let e = framer.finish() {
            sink.error(e.inFile(path), record: .object([("format", "rtcm3"), ("offset", .int(offsetOf(e))), ("error", .string(e.message))]))
        }
    }

    static func offsetOf(_ e: FormatError) -> Int {
        if case .byteOffset(let o) = e.location { return o }
        return -1
    }
}
