import GNSSCore

/// `gatewayd inspect` for u-blox logs: one object per UBX message.
public enum UBXInspector {
    public static func inspect(path: String, sink: InspectSink) throws(FormatError) {
        let source = try FileByteSource(path: path, chunkSize: 1 << 16)
        var framer = UBXFramer()
        var navigation = UBXNavigationDecoder()
        var lastTime: GNSSTime?
        var converter = UBXObservationConverter()
        func emitError(_ e: FormatError) {
            let offset: Int
            if case .byteOffset(let o) = e.location { offset = o } else { offset = -1 }
            sink.error(e.inFile(path), record: .object([("format", "ubx"), ("offset", .int(offset)), ("error", .string(e.message))]))
        }
        func handle(_ item: UBXFramer.Item) {
            switch item {
            case .error(let e): emitError(e)
            case .nmea(let offset, let sentence):
                sink.emit(.object([("format", "nmea"), ("offset", .int(offset)), ("sentence", .string(sentence))]), type: "nmea")
            case .frame(let f):
                var o: [(String, JSONValue)] = [("format", "ubx"), ("class", .int(Int(f.messageClass))), ("id", .int(Int(f.id))),
                                                ("name", .string(f.name)), ("length", .int(f.payload.count)), ("offset", .int(f.offset))]
                do {
                    switch try UBXMessage.decode(f) {
                    case .rawMeasurements(let raw):
                        let epoch = converter.epoch(raw)
                        lastTime = epoch.time
                        o += [("time", .string(epoch.time.iso8601())), ("week", .int(raw.week)), ("tow", .double(raw.receiverTimeOfWeek)),
                              ("leap_seconds", .int(raw.leapSeconds)), ("measurements", .int(raw.measurements.count)),
                              ("satellites", .int(epoch.satellites.count)), ("obs", compact(epoch))]
                    case .subframe(let s):
                        o += [("gnss", .int(Int(s.gnssId))), ("sv", .int(Int(s.svId))), ("words", .int(s.words.count))]
                        switch navigation.add(s, near: lastTime) {
                        case .kepler(let e)?:
                            o.append(("ephemeris", .object([("satellite", .string(e.satellite.description)), ("message", .string(e.message.rawValue)),
                                                            ("toe", .string(e.toe.iso8601())), ("iode", .int(e.iode)), ("sqrtA", .double(e.sqrtA)),
                                                            ("e", .double(e.eccentricity)), ("af0", .double(e.af0))])))
                        case .glonass(let g)?:
                            o.append(("ephemeris", .object([("satellite", .string(g.satellite.description)), ("message", "FDMA"),
                                                            ("toe", .string(g.toe.iso8601())), ("tb", .int(g.tb)),
                                                            ("channel", .int(g.frequencyChannel)), ("clock_bias", .double(g.clockBias))])))
                        default:
                            break
                        }
                    case .navPVT(let p):
                        o += [("itow", .int(p.timeOfWeekMilliseconds)), ("fix", .int(p.fixType)), ("satellites", .int(p.satellites)),
                              ("lat", .double(p.latitude)), ("lon", .double(p.longitude)), ("height", .double(p.height))]
                    case .navTimeGPS(let t):
                        o += [("time", .string(t.time.iso8601())), ("leap_seconds", .int(t.leapSeconds)), ("valid", .int(Int(t.valid))),
                              ("accuracy_ns", .int(t.accuracyNanoseconds))]
                    case .other: break
                    }
                    sink.emit(.object(o), type: "ubx " + f.name)
                } catch {
                    emitError(FormatError(error.kind, "\(f.name): \(error.message)", at: .byteOffset(f.offset)))
                }
        }
        }
        while let chunk = try source.next() {
            framer.append(chunk)
            while let item = framer.next() { handle(item) }
        }
        for item in framer.finish() { handle(item) }
    }

    /// One array per signal: satellite, RINEX signal, pseudorange, phase, Doppler, C/N0, LLI.
    static func compact(_ epoch: ObservationEpoch) -> JSONValue {
        var rows: [JSONValue] = []
        for sat in epoch.satellites {
            for o in sat.signals {
                rows.append(.array([.string(sat.satellite.description), .string(o.signal.description),
                                    o.pseudorange.map { .double($0) } ?? .null, o.carrierPhase.map { .double($0) } ?? .null,
                                    o.doppler.map { .double($0) } ?? .null, o.cn0.map { .double($0) } ?? .null, .int(Int(o.lli))]))
            }
        }
        return .array(rows)
    }
}
