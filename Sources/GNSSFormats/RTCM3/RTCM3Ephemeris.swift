import GNSSCore

/// RTCM 3 broadcast ephemeris messages: 1019 GPS, 1020 GLONASS, 1041 NavIC,
/// 1042 BeiDou, 1044 QZSS, 1045 Galileo F/NAV, 1046 Galileo I/NAV. Each
/// Keplerian message is described once as a field table, so decoding and
/// encoding cannot disagree.
public enum RTCM3EphemerisCodec {
    public static let messageTypes: Set<Int> = [1019, 1020, 1041, 1042, 1044, 1045, 1046]

    enum Kind { case u, s, sm }
    struct Field {
        let name: String
        let bits: Int
        let kind: Kind
        let scale: Double
    }

    private static func f(_ name: String, _ bits: Int, _ kind: Kind, _ scale: Double = 1) -> Field {
        Field(name: name, bits: bits, kind: kind, scale: scale)
    }

    static let p5 = 0x1p-5, p19 = 0x1p-19, p29 = 0x1p-29, p31 = 0x1p-31, p33 = 0x1p-33, p43 = 0x1p-43, p55 = 0x1p-55
    static let orbitGPS: [Field] = [f("crs", 16, .s, p5), f("deltaN", 16, .s, p43), f("m0", 32, .s, p31), f("cuc", 16, .s, p29),
                                    f("e", 32, .u, p33), f("cus", 16, .s, p29), f("sqrtA", 32, .u, p19), f("toe", 16, .u, 16),
                                    f("cic", 16, .s, p29), f("omega0", 32, .s, p31), f("cis", 16, .s, p29), f("i0", 32, .s, p31),
                                    f("crc", 16, .s, p5), f("omega", 32, .s, p31), f("omegaDot", 24, .s, p43)]

    static let layouts: [Int: [Field]] = [
        1019: [f("prn", 6, .u), f("week", 10, .u), f("ura", 4, .u), f("codeL2", 2, .u), f("idot", 14, .s, p43), f("iode", 8, .u),
               f("toc", 16, .u, 16), f("af2", 8, .s, p55), f("af1", 16, .s, p43), f("af0", 22, .s, p31), f("iodc", 10, .u)]
            + orbitGPS + [f("tgd", 8, .s, p31), f("health", 6, .u), f("l2p", 1, .u), f("fit", 1, .u)],
        1044: [f("prn", 4, .u), f("toc", 16, .u, 16), f("af2", 8, .s, p55), f("af1", 16, .s, p43), f("af0", 22, .s, p31),
               f("iode", 8, .u)] + orbitGPS
            + [f("idot", 14, .s, p43), f("codeL2", 2, .u), f("week", 10, .u), f("ura", 4, .u), f("health", 6, .u),
               f("tgd", 8, .s, p31), f("iodc", 10, .u), f("fit", 1, .u)],
        1042: [f("prn", 6, .u), f("week", 13, .u), f("ura", 4, .u), f("idot", 14, .s, p43), f("iode", 5, .u), f("toc", 17, .u, 8),
               f("af2", 11, .s, 0x1p-66), f("af1", 22, .s, 0x1p-50), f("af0", 24, .s, p33), f("iodc", 5, .u),
               f("crs", 18, .s, 0x1p-6), f("deltaN", 16, .s, p43), f("m0", 32, .s, p31), f("cuc", 18, .s, p31), f("e", 32, .u, p33),
               f("cus", 18, .s, p31), f("sqrtA", 32, .u, p19), f("toe", 17, .u, 8), f("cic", 18, .s, p31), f("omega0", 32, .s, p31),
               f("cis", 18, .s, p31), f("i0", 32, .s, p31), f("crc", 18, .s, 0x1p-6), f("omega", 32, .s, p31),
               f("omegaDot", 24, .s, p43), f("tgd", 10, .s, 1e-10), f("tgd2", 10, .s, 1e-10), f("health", 1, .u)],
        1045: galileoHead + [f("bgdE5a", 10, .s, 0x1p-32), f("healthE5a", 2, .u), f("dvsE5a", 1, .u), f("reserved", 7, .u)],
        1046: galileoHead + [f("bgdE5a", 10, .s, 0x1p-32), f("bgdE5b", 10, .s, 0x1p-32), f("healthE5b", 2, .u), f("dvsE5b", 1, .u),
                             f("healthE1b", 2, .u), f("dvsE1b", 1, .u), f("reserved", 2, .u)],
        1041: [f("prn", 6, .u), f("week", 10, .u), f("af0", 22, .s, p31), f("af1", 16, .s, p43), f("af2", 8, .s, p55), f("ura", 4, .u),
               f("toc", 16, .u, 16), f("tgd", 8, .s, p31), f("deltaN", 22, .s, 0x1p-41), f("iode", 8, .u), f("reserved", 10, .u),
               f("healthL5", 1, .u), f("healthS", 1, .u), f("cuc", 15, .s, 0x1p-28), f("cus", 15, .s, 0x1p-28),
               f("cic", 15, .s, 0x1p-28), f("cis", 15, .s, 0x1p-28), f("crc", 15, .s, 0x1p-4), f("crs", 15, .s, 0x1p-4),
               f("idot", 14, .s, p43), f("m0", 32, .s, p31), f("toe", 16, .u, 16), f("e", 32, .u, p33), f("sqrtA", 32, .u, p19),
               f("omega0", 32, .s, p31), f("omega", 32, .s, p31), f("omegaDot", 22, .s, 0x1p-41), f("i0", 32, .s, p31),
               f("spare", 2, .u)],
        1020: [f("prn", 6, .u), f("channel", 5, .u), f("almanacHealth", 1, .u), f("almanacHealthValid", 1, .u), f("p1", 2, .u),
               f("tkHours", 5, .u), f("tkMinutes", 6, .u), f("tkHalfMinutes", 1, .u), f("bn", 1, .u), f("p2", 1, .u), f("tb", 7, .u),
               f("vx", 24, .sm, 0x1p-20), f("x", 27, .sm, 0x1p-11), f("ax", 5, .sm, 0x1p-30),
               f("vy", 24, .sm, 0x1p-20), f("y", 27, .sm, 0x1p-11), f("ay", 5, .sm, 0x1p-30),
               f("vz", 24, .sm, 0x1p-20), f("z", 27, .sm, 0x1p-11), f("az", 5, .sm, 0x1p-30),
               f("p3", 1, .u), f("gamma", 11, .sm, 0x1p-40), f("p", 2, .u), f("ln3", 1, .u), f("tau", 22, .sm, 0x1p-30),
               f("deltaTau", 5, .sm, 0x1p-30), f("en", 5, .u), f("p4", 1, .u), f("ft", 4, .u), f("nt", 11, .u), f("m", 2, .u),
               f("additional", 1, .u), f("na", 11, .u), f("tauC", 32, .sm, 0x1p-31), f("n4", 5, .u), f("tauGPS", 22, .sm, 0x1p-30),
               f("ln5", 1, .u), f("reserved", 7, .u)],
    ]

    static let galileoHead: [Field] = [f("prn", 6, .u), f("week", 12, .u), f("iode", 10, .u), f("sisa", 8, .u), f("idot", 14, .s, p43),
                                       f("toc", 14, .u, 60), f("af2", 6, .s, 0x1p-59), f("af1", 21, .s, 0x1p-46), f("af0", 31, .s, 0x1p-34)]
        + Array(orbitGPS.prefix(7)) + [f("toe", 14, .u, 60)] + Array(orbitGPS.suffix(7))

    /// Field values in broadcast units (semicircles for angles), by name.
    public struct Fields: Sendable {
        public var messageType: Int
        public var values: [(String, Double)]
        /// For values in their layout's order (a decoded message), each name's place in `values`: a decoded
        /// message is read through some forty names, and comparing each with every field before it was a good
        /// part of decoding an ephemeris.
        var positions: [String: Int]?

        public subscript(_ name: String) -> Double {
            if let positions { return positions[name].map { values[$0].1 } ?? 0 }
            return values.first { $0.0 == name }?.1 ?? 0
        }
    }

    /// Each layout's field names and their places (the first, should a name repeat), built once.
    static let positions: [Int: [String: Int]] = layouts.mapValues { layout in
        Dictionary(layout.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    static func unpack(_ payload: ArraySlice<UInt8>) throws(FormatError) -> Fields {
        var r = BitReader(payload)
        let type = try r.uint(12)
        guard let layout = layouts[type] else { throw FormatError(.format, "message \(type) is not an ephemeris") }
        var values: [(String, Double)] = []
        values.reserveCapacity(layout.count)
        for field in layout {
            let raw: Int
            switch field.kind {
            case .u: raw = try r.uint(field.bits)
            case .s: raw = try r.int(field.bits)
            case .sm: raw = try r.signMagnitude(field.bits)
            }
            values.append((field.name, Double(raw) * field.scale))
        }
        return Fields(messageType: type, values: values, positions: positions[type])
    }

    static func pack(_ fields: Fields) throws(FormatError) -> [UInt8] {
        guard let layout = layouts[fields.messageType] else { throw FormatError(.encode, "no layout for \(fields.messageType)") }
        var w = BitWriter()
        w.uint(fields.messageType, 12)
        for field in layout {
            let v = (fields[field.name] / field.scale).rounded()
            guard v.isFinite, abs(v) < 0x1p62 else { throw FormatError(.encode, "\(field.name) out of range") }
            let raw = Int(v)
            let limit = field.kind == .u ? (1 << field.bits) : (1 << (field.bits - 1))
            let fits = field.kind == .u ? (raw >= 0 && raw < limit) : (raw > -limit && raw < limit)
            guard fits || (field.kind == .s && raw == -limit) else {
                throw FormatError(.encode, "\(field.name) = \(fields[field.name]) does not fit \(field.bits) bits")
            }
            switch field.kind {
            case .u: w.uint(raw, field.bits)
            case .s: w.int(raw, field.bits)
            case .sm: w.signMagnitude(raw, field.bits)
            }
        }
        w.alignToByte()
        return w.bytes
    }

    /// Resolves a truncated GPS/QZSS/NavIC week (10 bits): nearest to `reference`, or without one,
    /// the week in [1560, 2584), December 2009 to July 2029 (a fixed rule, never today's date).
    static func fullWeek(_ week: Int, modulo: Int, reference: GNSSTime?) -> Int {
        guard let reference else {
            var w = week
            while w < 1560 { w += modulo }
            return w
        }
        let refWeek = reference.gpsWeek
        var w = week + (refWeek - week) / modulo * modulo
        if w - refWeek > modulo / 2 { w -= modulo }
        if refWeek - w > modulo / 2 { w += modulo }
        return w
    }

    /// Decodes an ephemeris message body (`payload` starts with the 12-bit message number).
    ///
    /// `referenceTime` resolves what the message leaves open: the 10-bit GPS/QZSS/NavIC week is taken
    /// nearest to it, and the GLONASS tb/tk (time of the Moscow day) is placed on the day nearest to it.
    /// Without one, a fixed rule applies that never looks at the clock: 10-bit weeks fall in
    /// [1560, 2584) (December 2009 to July 2029), and GLONASS times go on the Moscow day around
    /// GPS week 1560, second 0 — only the time of day is meaningful then, so pass a reference for GLONASS.
    /// Galileo (12-bit) and BeiDou (13-bit) weeks are complete and need no reference.
    public static func decode(payload: ArraySlice<UInt8>, referenceTime: GNSSTime?) throws(FormatError) -> Ephemeris {
        let v = try unpack(payload)
        let type = v.messageType
        let sc = Constants.semicircle
        if type == 1020 {
            return .glonass(try glonass(v, referenceTime: referenceTime))
        }
        let system: GNSSSystem
        var message: NavigationMessage
        var week: Int
        switch type {
        case 1019: system = .gps; message = .lnav; week = fullWeek(Int(v["week"]), modulo: 1024, reference: referenceTime)
        case 1044: system = .qzss; message = .lnav; week = fullWeek(Int(v["week"]), modulo: 1024, reference: referenceTime)
        case 1041: system = .navic; message = .lnavNavIC; week = fullWeek(Int(v["week"]), modulo: 1024, reference: referenceTime)
        case 1042:
            system = .beidou
            let prn = Int(v["prn"])
            message = (prn <= 5 || prn >= 59) ? .d2 : .d1
            week = Int(v["week"]) + GNSSTime.beidouWeekOffset
        case 1045: system = .galileo; message = .fnav; week = Int(v["week"]) + GNSSTime.galileoWeekOffset
        default: system = .galileo; message = .inav; week = Int(v["week"]) + GNSSTime.galileoWeekOffset
        }
        let prn = Int(v["prn"])
        guard prn >= 1, prn <= system.maxPRN else { throw FormatError(.syntax, "satellite number \(prn) out of range for \(system)") }
        // toe/toc are seconds of the system's week; BeiDou counts in BDT.
        let bdt = system == .beidou ? GNSSTime.bdtMinusGPST : 0
        let toe = GNSSTime(gpsWeek: week, secondOfWeek: v["toe"]) - bdt
        let toc = toe.nearest(secondOfWeek: v["toc"] - bdt >= 0 ? v["toc"] - bdt : v["toc"] - bdt + 604_800)
        var groupDelays = [v["tgd"]]
        switch type {
        case 1045: groupDelays = [v["bgdE5a"]]
        case 1046: groupDelays = [v["bgdE5a"], v["bgdE5b"]]
        case 1042: groupDelays = [v["tgd"], v["tgd2"]]
        default: break
        }
        var health = Int(v["health"])
        if type == 1045 { health = Int(v["healthE5a"]) << 4 | Int(v["dvsE5a"]) << 3 }
        if type == 1046 { health = Int(v["healthE5b"]) << 7 | Int(v["dvsE5b"]) << 6 | Int(v["healthE1b"]) << 1 | Int(v["dvsE1b"]) }
        if type == 1041 { health = Int(v["healthL5"]) << 1 | Int(v["healthS"]) }
        return .kepler(KeplerEphemeris(
            satellite: SatelliteID(system, prn), message: message, toe: toe, toc: toc, week: week, toeSeconds: v["toe"],
            sqrtA: v["sqrtA"], eccentricity: v["e"], inclination: v["i0"] * sc, rightAscension: v["omega0"] * sc,
            argumentOfPerigee: v["omega"] * sc, meanAnomaly: v["m0"] * sc, meanMotionDifference: v["deltaN"] * sc,
            inclinationRate: v["idot"] * sc, rightAscensionRate: v["omegaDot"] * sc,
            cuc: v["cuc"], cus: v["cus"], crc: v["crc"], crs: v["crs"], cic: v["cic"], cis: v["cis"],
            af0: v["af0"], af1: v["af1"], af2: v["af2"], iode: Int(v["iode"]), iodc: Int(v["iodc"]),
            groupDelays: groupDelays, health: health, accuracyIndex: Int(type >= 1045 ? v["sisa"] : v["ura"]),
            fitInterval: v["fit"] == 1 ? 6 : 4, dataSources: type == 1045 ? 0b10_0000_0010 : (type == 1046 ? 0b1_0000_0101 : 0),
            codesOnL2: Int(v["codeL2"]), l2PDataFlag: Int(v["l2p"])))
    }

    static func glonass(_ v: Fields, referenceTime: GNSSTime?) throws(FormatError) -> GlonassEphemeris {
        let prn = Int(v["prn"])
        guard prn >= 1, prn <= 27 else { throw FormatError(.syntax, "GLONASS slot \(prn) out of range") }
        // tb is a quarter-hour index of the Moscow day; place it on the reference's Moscow day.
        let reference = referenceTime ?? GNSSTime(gpsWeek: 1560, secondOfWeek: 0)
        let leap = Double(LeapSeconds.gpsMinusUTC(at: reference))
        let toe = reference.nearest(secondOfDay: v["tb"] * 900, scaleOffset: 10_800 - leap)
        let tk = v["tkHours"] * 3600 + v["tkMinutes"] * 60 + v["tkHalfMinutes"] * 30
        let frame = reference.nearest(secondOfDay: tk, scaleOffset: 10_800 - leap)
        var g = GlonassEphemeris(
            satellite: SatelliteID(.glonass, prn), frequencyChannel: Int(v["channel"]) - 7, toe: toe, frameTime: frame,
            position: ECEF(v["x"] * 1000, v["y"] * 1000, v["z"] * 1000),
            velocity: ECEF(v["vx"] * 1000, v["vy"] * 1000, v["vz"] * 1000),
            acceleration: ECEF(v["ax"] * 1000, v["ay"] * 1000, v["az"] * 1000),
            clockBias: -v["tau"], relativeFrequencyBias: v["gamma"], groupDelay: v["deltaTau"],
            health: Int(v["bn"]), age: Int(v["en"]), tb: Int(v["tb"]))
        var w = GlonassBroadcastWords()
        for (name, path) in glonassWordFields { w[keyPath: path] = Int(v[name]) }
        w.tauC = v["tauC"]
        w.tauGPS = v["tauGPS"]
        g.words = w
        return g
    }

    /// The 1020 fields kept in `GlonassBroadcastWords` as integers.
    nonisolated(unsafe) static let glonassWordFields: [(String, WritableKeyPath<GlonassBroadcastWords, Int>)] = [
        ("almanacHealth", \.almanacHealth), ("almanacHealthValid", \.almanacHealthValid), ("p", \.p), ("p1", \.p1), ("p2", \.p2),
        ("p3", \.p3), ("p4", \.p4), ("ln3", \.ln3), ("ln5", \.ln5), ("additional", \.additional), ("ft", \.ft), ("nt", \.nt),
        ("m", \.m), ("na", \.na), ("n4", \.n4),
    ]

    /// Payload (no frame header or CRC) of the message matching the ephemeris' system and message.
    public static func encode(_ ephemeris: Ephemeris) throws(FormatError) -> [UInt8] {
        let sc = Constants.semicircle
        switch ephemeris {
        case .sbas: throw FormatError(.encode, "SBAS ephemerides have no RTCM 3 message")
        case .glonass(let g):
            let tk = (g.frameTime ?? g.toe) + 10_800 - Double(LeapSeconds.gpsMinusUTC(at: g.toe))
            let tod = tk.secondOfWeek.truncatingRemainder(dividingBy: 86_400)
            let values: [(String, Double)] = [
                ("prn", Double(g.satellite.prn)), ("channel", Double(g.frequencyChannel + 7)), ("almanacHealthValid", 0),
                ("tkHours", (tod / 3600).rounded(.down)), ("tkMinutes", (tod.truncatingRemainder(dividingBy: 3600) / 60).rounded(.down)),
                ("tkHalfMinutes", tod.truncatingRemainder(dividingBy: 60) >= 30 ? 1 : 0), ("bn", Double(g.health)), ("tb", Double(g.tb)),
                ("vx", g.velocity.x / 1000), ("x", g.position.x / 1000), ("ax", g.acceleration.x / 1000),
                ("vy", g.velocity.y / 1000), ("y", g.position.y / 1000), ("ay", g.acceleration.y / 1000),
                ("vz", g.velocity.z / 1000), ("z", g.position.z / 1000), ("az", g.acceleration.z / 1000),
                ("gamma", g.relativeFrequencyBias), ("tau", -g.clockBias), ("deltaTau", g.groupDelay), ("en", Double(g.age)),
            ]
            var words: [(String, Double)] = []
            if let w = g.words {
                words = glonassWordFields.map { ($0.0, Double(w[keyPath: $0.1])) } + [("tauC", w.tauC), ("tauGPS", w.tauGPS)]
            }
            return try pack(Fields(messageType: 1020, values: words + values))
        case .kepler(let k):
            let type: Int
            switch (k.satellite.system, k.message) {
            case (.gps, _): type = 1019
            case (.qzss, _): type = 1044
            case (.navic, _): type = 1041
            case (.beidou, _): type = 1042
            case (.galileo, .fnav): type = 1045
            case (.galileo, _): type = 1046
            default: throw FormatError(.encode, "\(k.satellite.system) ephemerides have no RTCM 3 message")
            }
            let bdt = k.satellite.system == .beidou ? GNSSTime.bdtMinusGPST : 0
            let tocSeconds = (k.toc + bdt).secondOfWeek
            let week: Double
            switch type {
            case 1042: week = Double(k.week - GNSSTime.beidouWeekOffset)
            case 1045, 1046: week = Double((k.week - GNSSTime.galileoWeekOffset) & 0xFFF)
            default: week = Double(k.week % 1024)
            }
            var values: [(String, Double)] = [
                ("prn", Double(k.satellite.prn)), ("week", week), ("ura", Double(k.accuracyIndex)), ("sisa", Double(k.accuracyIndex)),
                ("codeL2", Double(k.codesOnL2)), ("l2p", Double(k.l2PDataFlag)), ("idot", k.inclinationRate / sc),
                ("iode", Double(k.iode)), ("iodc", Double(k.iodc)), ("toc", tocSeconds), ("toe", k.toeSeconds),
                ("af0", k.af0), ("af1", k.af1), ("af2", k.af2), ("crs", k.crs), ("crc", k.crc), ("cuc", k.cuc), ("cus", k.cus),
                ("cic", k.cic), ("cis", k.cis), ("deltaN", k.meanMotionDifference / sc), ("m0", k.meanAnomaly / sc),
                ("e", k.eccentricity), ("sqrtA", k.sqrtA), ("omega0", k.rightAscension / sc), ("i0", k.inclination / sc),
                ("omega", k.argumentOfPerigee / sc), ("omegaDot", k.rightAscensionRate / sc),
                ("tgd", k.groupDelays.first ?? 0), ("tgd2", k.groupDelays.count > 1 ? k.groupDelays[1] : 0),
                ("bgdE5a", k.groupDelays.first ?? 0), ("bgdE5b", k.groupDelays.count > 1 ? k.groupDelays[1] : 0),
                ("fit", k.fitInterval > 4 ? 1 : 0),
            ]
            switch type {
            case 1045: values += [("healthE5a", Double(k.health >> 4 & 3)), ("dvsE5a", Double(k.health >> 3 & 1))]
            case 1046: values += [("healthE5b", Double(k.health >> 7 & 3)), ("dvsE5b", Double(k.health >> 6 & 1)),
                                  ("healthE1b", Double(k.health >> 1 & 3)), ("dvsE1b", Double(k.health & 1))]
            case 1041: values += [("healthL5", Double(k.health >> 1 & 1)), ("healthS", Double(k.health & 1))]
            default: values.append(("health", Double(k.health)))
            }
            return try pack(Fields(messageType: type, values: values))
        }
    }

    /// The broadcast fields of an ephemeris message as JSON (units as broadcast: seconds, semicircles, metres),
    /// under their `jsonKey`.
    public static func json(payload: ArraySlice<UInt8>) -> [(String, JSONValue)] {
        guard let f = try? unpack(payload) else { return [] }
        return f.values.filter { $0.0 != "reserved" && $0.0 != "spare" }.map { (jsonKey($0.0), JSONValue.double($0.1)) }
    }
}
