import GNSSCore

/// `gatewayd inspect` for RINEX observation files (plain, Hatanaka, gzip): one object per epoch.
public enum RINEXObservationInspector {
    public static func inspect(path: String, sink: InspectSink) throws(FormatError) {
        let reader = try RINEXObservationReader(path: path)
        var reported = 0
        func flushErrors() {
            while reported < reader.errors.count {
                let e = reader.errors[reported]
                sink.error(e, record: .object([("format", "rinex-obs"), ("error", .string(e.description))]))
                reported += 1
            }
        }
        flushErrors()
        while let e = try reader.next() {
            flushErrors()
            sink.emit(json(e), type: "rinex-obs epoch")
        }
        flushErrors()
    }

    static func json(_ e: ObservationEpoch) -> JSONValue {
        var sats: [(String, JSONValue)] = []
        for s in e.satellites {
            var obs: [(String, JSONValue)] = []
            for sig in s.signals {
                if let v = sig.pseudorange { obs.append(("C" + sig.signal.description, .double(v))) }
                if let v = sig.carrierPhase { obs.append(("L" + sig.signal.description, .double(v))) }
                if let v = sig.doppler { obs.append(("D" + sig.signal.description, .double(v))) }
                if let v = sig.cn0 { obs.append(("S" + sig.signal.description, .double(v))) }
            }
            sats.append((s.satellite.description, .object(obs)))
        }
        var o: [(String, JSONValue)] = [("format", "rinex-obs"), ("time", .string(e.time.iso8601(fractionDigits: 7))),
                                        ("flag", .int(Int(e.flag.rawValue))), ("satellites", .int(e.satellites.count))]
        if let c = e.receiverClockOffset { o.append(("clock_offset", .double(c))) }
        o.append(("observations", .object(sats)))
        return .object(o)
    }
}

/// `gatewayd inspect` for RINEX navigation files: one object per record.
public enum RINEXNavigationInspector {
    public static func inspect(path: String, sink: InspectSink) throws(FormatError) {
        let reader = try RINEXNavigationReader(path: path)
        var reported = 0
        func flushErrors() {
            while reported < reader.errors.count {
                let e = reader.errors[reported]
                sink.error(e, record: .object([("format", "rinex-nav"), ("error", .string(e.description))]))
                reported += 1
            }
        }
        while let record = try reader.next() {
            flushErrors()
            switch record {
            case .ephemeris(let e):
                sink.emit(json(e), type: "rinex-nav \(e.satellite.system.letter)")
            case .auxiliary(let a):
                var o: [(String, JSONValue)] = [("format", "rinex-nav"), ("record", .string(a.kind)), ("satellite", .string(a.satellite.description)),
                                                ("message", .string(a.message)), ("time", .string(a.time.iso8601())),
                                                ("values", .array(a.values.map { .double($0) }))]
                if let t = a.timeOffset {
                    o += [("code", .string(t.code)), ("sbas", t.sbasID.map { .string($0) } ?? .null), ("utc", t.utcID.map { .string($0) } ?? .null),
                          ("a0", .double(t.a0)), ("a1", .double(t.a1)), ("a2", .double(t.a2)), ("transmission_sow", .double(t.transmissionSecondOfWeek))]
                }
                if let e = a.earthOrientation {
                    o += [("xp", .double(e.xp)), ("yp", .double(e.yp)), ("ut1_utc", .double(e.ut1MinusUTC)),
                          ("transmission_sow", .double(e.transmissionSecondOfWeek))]
                }
                sink.emit(.object(o), type: "rinex-nav \(a.kind)")
            }
        }
        flushErrors()
    }

    static func json(_ e: Ephemeris) -> JSONValue {
        var o: [(String, JSONValue)] = [("format", "rinex-nav"), ("satellite", .string(e.satellite.description)),
                                        ("toe", .string(e.toe.iso8601()))]
        switch e {
        case .kepler(let k):
            o += [("message", .string(k.message.rawValue)), ("toc", .string(k.toc.iso8601())), ("iode", .int(k.iode)),
                  ("sqrtA", .double(k.sqrtA)), ("e", .double(k.eccentricity)), ("af0", .double(k.af0)), ("af1", .double(k.af1)),
                  ("health", .int(k.health))]
        case .glonass(let g):
            o += [("channel", .int(g.frequencyChannel)), ("position", .array([.double(g.position.x), .double(g.position.y), .double(g.position.z)])),
                  ("clock_bias", .double(g.clockBias)), ("health", .int(g.health))]
        case .sbas(let s):
            o += [("position", .array([.double(s.position.x), .double(s.position.y), .double(s.position.z)])), ("af0", .double(s.af0))]
        }
        return .object(o)
    }
}

/// `gatewayd inspect` for SP3 files: one object per epoch.
public enum SP3Inspector {
    public static func inspect(path: String, sink: InspectSink) throws(FormatError) {
        let reader = try SP3Reader(path: path)
        while let e = try reader.next() {
            sink.emit(.object([("format", "sp3"), ("time", .string(e.time.iso8601())), ("satellites", .int(e.records.count)),
                               ("missing_positions", .int(e.records.filter { $0.position == nil }.count))]), type: "sp3 epoch")
        }
        for e in reader.errors { sink.error(e, record: .object([("format", "sp3"), ("error", .string(e.description))])) }
    }
}

/// `gatewayd inspect` for RINEX clock files: one object per record.
public enum RINEXClockInspector {
    public static func inspect(path: String, sink: InspectSink) throws(FormatError) {
        let reader = try RINEXClockReader(path: path)
        while let r = try reader.next() {
            var o: [(String, JSONValue)] = [("format", "rinex-clk"), ("type", .string(r.type)), ("name", .string(r.name)),
                                            ("time", .string(r.time.iso8601())), ("bias", .double(r.bias))]
            if let s = r.sigma { o.append(("sigma", .double(s))) }
            sink.emit(.object(o), type: "rinex-clk \(r.type)")
        }
        for e in reader.errors { sink.error(e, record: .object([("format", "rinex-clk"), ("error", .string(e.description))])) }
    }
}
