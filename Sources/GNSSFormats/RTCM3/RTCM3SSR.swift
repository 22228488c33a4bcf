import GNSSCore

/// State-space corrections: RTCM 3 SSR (1057–1068 GPS/GLONASS, 1240–1263
/// Galileo/QZSS/SBAS/BeiDou, 1264 VTEC) and the IGS SSR messages inside 4076.
public struct SSRMessage: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case orbit, clock, codeBias = "code-bias", combined, ura, highRateClock = "high-rate-clock"
        case phaseBias = "phase-bias", vtec
    }

    public struct Satellite: Sendable, Hashable {
        public var satellite: SatelliteID
        /// IODE / IODnav / IOD as the system defines it; SBAS and BeiDou also send a reference-time modulo.
        public var iod: Int?
        public var iodCRC: Int?
        public var toeModulo: Int?
        /// Radial, along-track, cross-track (m) and their rates (m/s).
        public var orbit: [Double]?
        /// C0 (m), C1 (m/s), C2 (m/s²).
        public var clock: [Double]?
        public var highRateClock: Double?
        /// Code biases in broadcast order.
        public var codeBiases: [CodeBias]
        /// Phase biases in broadcast order; yaw angle (semicircles) and rate (semicircles/s).
        public var phaseBiases: [PhaseBias]
        public var yaw: [Double]?
        public var ura: Int?

        public init(satellite: SatelliteID) {
            self.satellite = satellite
            codeBiases = []
            phaseBiases = []
        }
    }

    public struct CodeBias: Sendable, Hashable {
        /// Signal and tracking mode identifier of the system's SSR table.
        public var signal: Int
        /// Metres.
        public var bias: Double
    }

    public struct PhaseBias: Sendable, Hashable {
        public var signal: Int
        public var bias: Double
        public var integer: Bool
        public var wideLaneInteger: Int
        public var discontinuityCounter: Int
    }

    public var messageType: Int
    /// IGS SSR message number inside 4076 (e.g. 21 GPS orbit, 201 VTEC), nil for RTCM SSR.
    public var igsSubtype: Int?
    public var igsVersion: Int
    public var system: GNSSSystem
    public var kind: Kind
    /// Epoch time, seconds of the week (of the day for GLONASS RTCM SSR), as broadcast.
    public var epochSeconds: Int
    public var updateInterval: Int
    public var multipleMessage: Bool
    public var referenceDatum: Int?
    public var iodSSR: Int
    public var providerID: Int
    public var solutionID: Int
    /// IGS phase-bias header flags.
    public var dispersiveConsistent: Bool?
    public var mwConsistent: Bool?
    public var satellites: [Satellite]
    /// VTEC: quality indicator and layers (height m, degree, order, C and S coefficients in TECU).
    public var vtecQuality: Double?
    public var layers: [[Double]]

    public init(messageType: Int, igsSubtype: Int? = nil, igsVersion: Int = 0, system: GNSSSystem, kind: Kind, epochSeconds: Int,
                updateInterval: Int, multipleMessage: Bool = false, referenceDatum: Int? = nil, iodSSR: Int = 0, providerID: Int = 0,
                solutionID: Int = 0, dispersiveConsistent: Bool? = nil, mwConsistent: Bool? = nil, satellites: [Satellite] = [],
                vtecQuality: Double? = nil, layers: [[Double]] = []) {
        self.messageType = messageType
        self.igsSubtype = igsSubtype
        self.igsVersion = igsVersion
        self.system = system
        self.kind = kind
        self.epochSeconds = epochSeconds
        self.updateInterval = updateInterval
        self.multipleMessage = multipleMessage
        self.referenceDatum = referenceDatum
        self.iodSSR = iodSSR
        self.providerID = providerID
        self.solutionID = solutionID
        self.dispersiveConsistent = dispersiveConsistent
        self.mwConsistent = mwConsistent
        self.satellites = satellites
        self.vtecQuality = vtecQuality
        self.layers = layers
    }
}

/// RTCM 3 and IGS SSR codec; decode and encode share the field layout.
public enum RTCM3SSRCodec {
    static let rtcmBases: [(base: Int, system: GNSSSystem)] = [(1057, .gps), (1063, .glonass), (1240, .galileo),
                                                                (1246, .qzss), (1252, .sbas), (1258, .beidou)]
    static let kinds: [SSRMessage.Kind] = [.orbit, .clock, .codeBias, .combined, .ura, .highRateClock]
    static let igsSystems: [(Int, GNSSSystem)] = [(21, .gps), (41, .glonass), (61, .galileo), (81, .qzss), (101, .beidou), (121, .sbas)]
    static let igsKinds: [SSRMessage.Kind] = [.orbit, .clock, .combined, .highRateClock, .codeBias, .phaseBias, .ura]

    /// The message number, and for IGS SSR the subtype, of an SSR message of `kind` for `system` (the inverse of what
    /// `decode` reads them as); nil where the format has none.
    public static func messageNumber(_ system: GNSSSystem, _ kind: SSRMessage.Kind, igs: Bool) -> (type: Int, igsSubtype: Int?)? {
        if igs {
            guard let first = igsSystems.first(where: { $0.1 == system })?.0, let k = igsKinds.firstIndex(of: kind) else { return nil }
            return (4076, first + k)
        }
        guard let base = rtcmBases.first(where: { $0.system == system })?.base, let k = kinds.firstIndex(of: kind) else { return nil }
        return (base + k, nil)
    }

    public static func handles(messageType t: Int) -> Bool {
        (1057...1068).contains(t) || (1240...1264).contains(t) || t == 4076
    }

    /// Satellite-id and IOD widths per system (RTCM 10403.3 DF068/DF384/DF252/DF429/DF463/DF488 and the IOD fields).
    static func idBits(_ s: GNSSSystem, igs: Bool) -> Int { igs ? 6 : (s == .glonass ? 5 : (s == .qzss ? 4 : 6)) }

    /// An SSR message body's system and epoch as broadcast (seconds of the week; of the day for GLONASS RTCM SSR), and
    /// whether it is IGS SSR, without decoding the rest: what orders a recorded stream in time.
    public static func epoch(payload: ArraySlice<UInt8>) throws(FormatError) -> (system: GNSSSystem, igs: Bool, seconds: Int) {
        var r = BitReader(payload)
        let type = try r.uint(12)
        if type == RTCM3LEO.messageType {
            guard try r.uint(4) == RTCM3LEO.ssrSubtype else { throw FormatError(.format, "message 4058 of another subtype is not SSR") }
            return (.leo, false, try r.uint(20))
        }
        if type == 4076 {
            _ = try r.uint(3)
            let n = try r.uint(8)
            return (igsSystems.last(where: { n >= $0.0 })?.1 ?? .gps, true, try r.uint(20))
        }
        guard handles(messageType: type) else { throw FormatError(.format, "message \(type) is not SSR") }
        let system = rtcmBases.last(where: { type >= $0.base })?.system ?? .gps
        return (system, false, try r.uint(system == .glonass && type != 1264 ? 17 : 20))
    }

    /// Decodes `payload` (starts with the message number); LEO corrections (4058/2) too.
    public static func decode(payload: ArraySlice<UInt8>) throws(FormatError) -> SSRMessage {
        if RTCM3LEO.subtype(ofPayload: payload) == RTCM3LEO.ssrSubtype { return try RTCM3LEO.decodeSSR(payload: payload) }
        var r = BitReader(payload)
        let type = try r.uint(12)
        var system = GNSSSystem.gps
        var kind = SSRMessage.Kind.orbit
        var subtype: Int?
        var version = 0
        if type == 4076 {
            version = try r.uint(3)
            let n = try r.uint(8)
            subtype = n
            if n == 201 {
                kind = .vtec
            } else {
                guard let (first, sys) = igsSystems.last(where: { n >= $0.0 }), n - first < igsKinds.count else {
                    throw FormatError(.unsupported, "IGS SSR message \(n)")
                }
                system = sys
                kind = igsKinds[n - first]
            }
        } else if type == 1264 {
            kind = .vtec
        } else {
            guard let (base, sys) = rtcmBases.last(where: { type >= $0.base }), type - base < 6 else {
                throw FormatError(.format, "message \(type) is not SSR")
            }
            system = sys
            kind = kinds[type - base]
        }
        let igs = type == 4076
        let epoch = try r.uint(system == .glonass && !igs ? 17 : 20)
        let interval = try r.uint(4)
        let multiple = try r.bool()
        var datum: Int?
        if !igs && (kind == .orbit || kind == .combined) { datum = try r.uint(1) }
        let iod = try r.uint(4), provider = try r.uint(16), solution = try r.uint(4)
        if igs && (kind == .orbit || kind == .combined) { datum = try r.uint(1) }
        var message = SSRMessage(messageType: type, igsSubtype: subtype, igsVersion: version, system: system, kind: kind,
                                 epochSeconds: epoch, updateInterval: interval, multipleMessage: multiple, referenceDatum: datum,
                                 iodSSR: iod, providerID: provider, solutionID: solution, satellites: [], layers: [])
        if kind == .vtec {
            message.vtecQuality = Double(try r.uint(9)) * 0.05
            let nLayers = try r.uint(2) + 1
            for _ in 0..<nLayers {
                let height = Double(try r.uint(8)) * 10_000
                let degree = try r.uint(4) + 1
                let order = try r.uint(4) + 1
                // Spherical harmonics need order ≤ degree; otherwise the coefficient count goes negative.
                guard order <= degree else { throw FormatError(.syntax, "VTEC order \(order) exceeds degree \(degree)") }
                let nc = (order + 1) * (degree + 1) - order * (order + 1) / 2
                let ns = order * (degree + 1) - order * (order + 1) / 2
                var layer = [height, Double(degree), Double(order)]
                for _ in 0..<(nc + ns) { layer.append(Double(try r.int(16)) * 0.005) }
                message.layers.append(layer)
            }
            return message
        }
        if kind == .phaseBias {
            message.dispersiveConsistent = try r.bool()
            message.mwConsistent = try r.bool()
        }
        let n = try r.uint(6)
        for _ in 0..<n {
            let id = try r.uint(idBits(system, igs: igs))
            var sat = SSRMessage.Satellite(satellite: satellite(system, id))
            if kind == .orbit || kind == .combined {
                if igs {
                    sat.iod = try r.uint(8)
                } else {
                    switch system {
                    case .galileo: sat.iod = try r.uint(10)
                    case .sbas: sat.toeModulo = try r.uint(9); sat.iodCRC = try r.uint(24)
                    case .beidou: sat.toeModulo = try r.uint(10); sat.iod = try r.uint(8)
                    default: sat.iod = try r.uint(8)
                    }
                }
                sat.orbit = [Double(try r.int(22)) * 1e-4, Double(try r.int(20)) * 4e-4, Double(try r.int(20)) * 4e-4,
                             Double(try r.int(21)) * 1e-6, Double(try r.int(19)) * 4e-6, Double(try r.int(19)) * 4e-6]
            }
            if kind == .clock || kind == .combined {
                sat.clock = [Double(try r.int(22)) * 1e-4, Double(try r.int(21)) * 1e-6, Double(try r.int(27)) * 2e-8]
            }
            switch kind {
            case .highRateClock: sat.highRateClock = Double(try r.int(22)) * 1e-4
            case .ura: sat.ura = try r.uint(6)
            case .codeBias:
                let nb = try r.uint(5)
                for _ in 0..<nb { sat.codeBiases.append(SSRMessage.CodeBias(signal: try r.uint(5), bias: Double(try r.int(14)) * 0.01)) }
            case .phaseBias:
                sat.yaw = [Double(try r.uint(9)) / 256, Double(try r.int(8)) / 8192]
                let nb = try r.uint(5)
                for _ in 0..<nb {
                    let sig = try r.uint(5)
                    let integer = try r.uint(1), wideLane = try r.uint(2), counter = try r.uint(4)
                    sat.phaseBiases.append(SSRMessage.PhaseBias(signal: sig, bias: Double(try r.int(20)) * 1e-4, integer: integer == 1,
                                                                wideLaneInteger: wideLane, discontinuityCounter: counter))
                }
            default: break
            }
            message.satellites.append(sat)
        }
        return message
    }

    static func satellite(_ system: GNSSSystem, _ id: Int) -> SatelliteID {
        switch system {
        case .qzss: SatelliteID(.qzss, id + 1)          // DF429 counts from 0 for PRN 193
        case .sbas: SatelliteID(.sbas, id + 20)          // DF463 counts from 0 for PRN 120
        case .glonass, .gps, .galileo, .beidou: SatelliteID(system, id == 0 && system != .glonass ? 64 : id)
        default: SatelliteID(system, id)
        }
    }

    static func satelliteNumber(_ s: SatelliteID) -> Int {
        switch s.system {
        case .qzss: s.prn - 1
        case .sbas: s.prn - 20
        default: s.prn == 64 ? 0 : s.prn
        }
    }

    /// Encodes an SSR message body (the inverse of `decode`); LEO corrections as 4058/2.
    public static func encode(_ m: SSRMessage) throws(FormatError) -> [UInt8] {
        if m.system == .leo { return try RTCM3LEO.encode(ssr: m) }
        var w = BitWriter()
        let igs = m.messageType == 4076
        w.uint(m.messageType, 12)
        if igs {
            w.uint(m.igsVersion, 3)
            w.uint(m.igsSubtype ?? 0, 8)
        }
        w.uint(m.epochSeconds, m.system == .glonass && !igs ? 17 : 20)
        w.uint(m.updateInterval, 4)
        w.bool(m.multipleMessage)
        let orbitLike = m.kind == .orbit || m.kind == .combined
        if !igs && orbitLike { w.uint(m.referenceDatum ?? 0, 1) }
        w.uint(m.iodSSR, 4)
        w.uint(m.providerID, 16)
        w.uint(m.solutionID, 4)
        if igs && orbitLike { w.uint(m.referenceDatum ?? 0, 1) }
        if m.kind == .vtec {
            w.uint(roundedInt((m.vtecQuality ?? 0) / 0.05), 9)
            w.uint(max(0, m.layers.count - 1), 2)
            for layer in m.layers {
                guard layer.count >= 3 else { throw FormatError(.encode, "VTEC layer without height, degree and order") }
                w.uint(roundedInt(layer[0] / 10_000), 8)
                w.uint(Int(layer[1]) - 1, 4)
                w.uint(Int(layer[2]) - 1, 4)
                for c in layer.dropFirst(3) { w.int(roundedInt(c / 0.005), 16) }
            }
            w.alignToByte()
            return w.bytes
        }
        if m.kind == .phaseBias {
            w.bool(m.dispersiveConsistent ?? false)
            w.bool(m.mwConsistent ?? false)
        }
        w.uint(m.satellites.count, 6)
        func put(_ v: Double, _ scale: Double, _ bits: Int) { w.int(roundedInt(v / scale), bits) }
        for s in m.satellites {
            w.uint(satelliteNumber(s.satellite), idBits(m.system, igs: igs))
            if orbitLike {
                if igs {
                    w.uint(s.iod ?? 0, 8)
                } else {
                    switch m.system {
                    case .galileo: w.uint(s.iod ?? 0, 10)
                    case .sbas: w.uint(s.toeModulo ?? 0, 9); w.uint(s.iodCRC ?? 0, 24)
                    case .beidou: w.uint(s.toeModulo ?? 0, 10); w.uint(s.iod ?? 0, 8)
                    default: w.uint(s.iod ?? 0, 8)
                    }
                }
                let o = s.orbit ?? [0, 0, 0, 0, 0, 0]
                put(o[0], 1e-4, 22); put(o[1], 4e-4, 20); put(o[2], 4e-4, 20)
                put(o[3], 1e-6, 21); put(o[4], 4e-6, 19); put(o[5], 4e-6, 19)
            }
            if m.kind == .clock || m.kind == .combined {
                let c = s.clock ?? [0, 0, 0]
                put(c[0], 1e-4, 22); put(c[1], 1e-6, 21); put(c[2], 2e-8, 27)
            }
            switch m.kind {
            case .highRateClock: put(s.highRateClock ?? 0, 1e-4, 22)
            case .ura: w.uint(s.ura ?? 0, 6)
            case .codeBias:
                w.uint(s.codeBiases.count, 5)
                for b in s.codeBiases { w.uint(b.signal, 5); put(b.bias, 0.01, 14) }
            case .phaseBias:
                let yaw = s.yaw ?? [0, 0]
                w.uint(roundedInt(yaw[0] * 256), 9)
                w.int(roundedInt(yaw[1] * 8192), 8)
                w.uint(s.phaseBiases.count, 5)
                for b in s.phaseBiases {
                    w.uint(b.signal, 5)
                    w.bool(b.integer)
                    w.uint(b.wideLaneInteger, 2)
                    w.uint(b.discontinuityCounter, 4)
                    put(b.bias, 1e-4, 20)
                }
            default: break
            }
        }
        w.alignToByte()
        return w.bytes
    }
}
