import GNSSCore

/// 1005/1006: antenna reference point of a station (and antenna height for 1006).
public struct StationCoordinates: Sendable, Hashable {
    public var stationID: Int
    public var itrfYear: Int
    public var gps: Bool, glonass: Bool, galileo: Bool
    public var referenceStation: Bool
    public var singleOscillator: Bool
    public var quarterCycle: Int
    public var position: ECEF
    /// Antenna height above the marker (1006), metres.
    public var antennaHeight: Double?

    public init(stationID: Int, position: ECEF, antennaHeight: Double? = nil, itrfYear: Int = 0,
                gps: Bool = true, glonass: Bool = true, galileo: Bool = true) {
        self.stationID = stationID
        self.itrfYear = itrfYear
        self.gps = gps
        self.glonass = glonass
        self.galileo = galileo
        referenceStation = false
        singleOscillator = false
        quarterCycle = 0
        self.position = position
        self.antennaHeight = antennaHeight
    }

    static func decode(_ p: [UInt8], type: Int) throws(FormatError) -> StationCoordinates {
        var r = BitReader(p)
        try r.skip(12)
        var s = StationCoordinates(stationID: try r.uint(12), position: .zero)
        s.itrfYear = try r.uint(6)
        s.gps = try r.bool(); s.glonass = try r.bool(); s.galileo = try r.bool()
        s.referenceStation = try r.bool()
        let x = Double(try r.int(38)) * 0.0001
        s.singleOscillator = try r.bool()
        try r.skip(1)
        let y = Double(try r.int(38)) * 0.0001
        s.quarterCycle = try r.uint(2)
        let z = Double(try r.int(38)) * 0.0001
        s.position = ECEF(x, y, z)
        if type == 1006 { s.antennaHeight = Double(try r.uint(16)) * 0.0001 }
        return s
    }

    /// 1006 when an antenna height is set, else 1005.
    public func encode() -> [UInt8] {
        var w = BitWriter()
        w.uint(antennaHeight == nil ? 1005 : 1006, 12)
        w.uint(stationID, 12)
        w.uint(itrfYear, 6)
        w.bool(gps); w.bool(glonass); w.bool(galileo); w.bool(referenceStation)
        w.int(roundedInt(position.x / 0.0001), 38)
        w.bool(singleOscillator)
        w.uint(0, 1)
        w.int(roundedInt(position.y / 0.0001), 38)
        w.uint(quarterCycle, 2)
        w.int(roundedInt(position.z / 0.0001), 38)
        if let h = antennaHeight { w.uint(roundedInt(h / 0.0001), 16) }
        w.alignToByte()
        return w.bytes
    }
}

/// 1007, 1008 and 1033: antenna and receiver descriptors.
public struct StationDescriptors: Sendable, Hashable {
    public var messageType: Int
    public var stationID: Int
    public var antennaDescriptor: String
    public var antennaSetupID: Int
    public var antennaSerial: String?
    public var receiverType: String?
    public var receiverFirmware: String?
    public var receiverSerial: String?

    public init(stationID: Int, antennaDescriptor: String, antennaSetupID: Int = 0, antennaSerial: String = "",
                receiverType: String = "", receiverFirmware: String = "", receiverSerial: String = "") {
        messageType = 1033
        self.stationID = stationID
        self.antennaDescriptor = antennaDescriptor
        self.antennaSetupID = antennaSetupID
        self.antennaSerial = antennaSerial
        self.receiverType = receiverType
        self.receiverFirmware = receiverFirmware
        self.receiverSerial = receiverSerial
    }

    private static func string(_ r: inout BitReader) throws(FormatError) -> String {
        let n = try r.uint(8)
        var bytes: [UInt8] = []
        for _ in 0..<n { bytes.append(UInt8(try r.uint(8))) }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func decode(_ p: [UInt8], type: Int) throws(FormatError) -> StationDescriptors {
        var r = BitReader(p)
        try r.skip(12)
        var d = StationDescriptors(stationID: try r.uint(12), antennaDescriptor: try string(&r))
        d.messageType = type
        d.antennaSetupID = try r.uint(8)
        d.antennaSerial = nil
        d.receiverType = nil
        d.receiverFirmware = nil
        d.receiverSerial = nil
        if type >= 1008 { d.antennaSerial = try string(&r) }
        if type == 1033 {
            d.receiverType = try string(&r)
            d.receiverFirmware = try string(&r)
            d.receiverSerial = try string(&r)
        }
        return d
    }

    private static func put(_ s: String, _ w: inout BitWriter) {
        let bytes = Array(s.utf8.prefix(31))
        w.uint(bytes.count, 8)
        for b in bytes { w.uint(Int(b), 8) }
    }

    /// Encodes as 1033 (all descriptors).
    public func encode() -> [UInt8] {
        var w = BitWriter()
        w.uint(1033, 12)
        w.uint(stationID, 12)
        Self.put(antennaDescriptor, &w)
        w.uint(antennaSetupID, 8)
        Self.put(antennaSerial ?? "", &w)
        Self.put(receiverType ?? "", &w)
        Self.put(receiverFirmware ?? "", &w)
        Self.put(receiverSerial ?? "", &w)
        return w.bytes
    }
}

/// 1230: GLONASS L1/L2 code-phase biases, metres.
public struct GlonassCodePhaseBiases: Sendable, Hashable {
    public var stationID: Int
    public var aligned: Bool
    /// L1 C/A, L1 P, L2 C/A, L2 P, each nil when not sent.
    public var biases: [Double?]

    static func decode(_ p: [UInt8]) throws(FormatError) -> GlonassCodePhaseBiases {
        var r = BitReader(p)
        try r.skip(12)
        let station = try r.uint(12)
        let aligned = try r.bool()
        try r.skip(3)
        let mask = try r.uint(4)
        var biases: [Double?] = []
        for i in 0..<4 {
            biases.append(mask & (8 >> i) != 0 ? Double(try r.int(16)) * 0.02 : nil)
        }
        return GlonassCodePhaseBiases(stationID: station, aligned: aligned, biases: biases)
    }
}

/// 1013: system parameters (announced message schedule, leap seconds).
public struct SystemParameters: Sendable, Hashable {
    public var stationID: Int
    public var mjd: Int
    public var secondsOfDay: Int
    public var leapSeconds: Int
    public var messages: [(type: Int, synchronous: Bool, interval: Double)]

    public static func == (a: SystemParameters, b: SystemParameters) -> Bool {
        a.stationID == b.stationID && a.mjd == b.mjd && a.secondsOfDay == b.secondsOfDay && a.leapSeconds == b.leapSeconds
            && a.messages.map(\.type) == b.messages.map(\.type)
    }
    public func hash(into h: inout Hasher) { h.combine(stationID); h.combine(mjd); h.combine(secondsOfDay) }

    static func decode(_ p: [UInt8]) throws(FormatError) -> SystemParameters {
        var r = BitReader(p)
        try r.skip(12)
        let station = try r.uint(12), mjd = try r.uint(16), sod = try r.uint(17), n = try r.uint(5), leap = try r.uint(8)
        var messages: [(Int, Bool, Double)] = []
        for _ in 0..<n { messages.append((try r.uint(12), try r.bool(), Double(try r.uint(16)) * 0.1)) }
        return SystemParameters(stationID: station, mjd: mjd, secondsOfDay: sod, leapSeconds: leap, messages: messages)
    }
}
