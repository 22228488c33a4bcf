import Foundation
import GNSSCore

/// Little-endian field access with bounds checks.
struct LittleEndianReader {
    let bytes: [UInt8]

    func u8(_ o: Int) throws(FormatError) -> UInt8 {
        guard o >= 0, o < bytes.count else { throw FormatError("truncated", "UBX payload too short (\(bytes.count) bytes)") }
        return bytes[o]
    }
    func u16(_ o: Int) throws(FormatError) -> UInt16 { UInt16(try u8(o)) | UInt16(try u8(o + 1)) << 8 }
    func u32(_ o: Int) throws(FormatError) -> UInt32 { UInt32(try u16(o)) | UInt32(try u16(o + 2)) << 16 }
    func i32(_ o: Int) throws(FormatError) -> Int32 { Int32(bitPattern: try u32(o)) }
    func u64(_ o: Int) throws(FormatError) -> UInt64 { UInt64(try u32(o)) | UInt64(try u32(o + 4)) << 32 }
    func r8(_ o: Int) throws(FormatError) -> Double { Double(bitPattern: try u64(o)) }
    func r4(_ o: Int) throws(FormatError) -> Float { Float(bitPattern: try u32(o)) }
}

/// u-blox GNSS identifiers and signal identifiers → systems and RINEX signals.
enum UBXSignals {
    static func system(_ gnssId: UInt8) -> GNSSSystem? {
        switch gnssId {
        case 0: .gps
        case 1: .sbas
        case 2: .galileo
        case 3: .beidou
        case 5: .qzss
        case 6: .glonass
        case 7: .navic
        default: nil
        }
    }

    static func satellite(_ gnssId: UInt8, _ svId: UInt8) -> SatelliteID? {
        guard let s = system(gnssId) else { return nil }
        let n = Int(svId)
        switch s {
        case .sbas: return (120...158).contains(n) ? SatelliteID(.sbas, n - 100) : nil
        case .qzss: return (1...10).contains(n) ? SatelliteID(.qzss, n) : ((193...202).contains(n) ? SatelliteID(.qzss, n - 192) : nil)
        case .glonass: return (1...27).contains(n) ? SatelliteID(.glonass, n) : nil
        default: return n >= 1 && n <= s.maxPRN ? SatelliteID(s, n) : nil
        }
    }

    static func signal(_ gnssId: UInt8, _ sigId: UInt8) -> SignalCode? {
        let code: String?
        switch (gnssId, sigId) {
        case (0, 0): code = "1C"
        case (0, 3): code = "2L"
        case (0, 4): code = "2S"
        case (0, 6): code = "5I"
        case (0, 7): code = "5Q"
        case (1, 0): code = "1C"
        case (2, 0): code = "1C"
        case (2, 1): code = "1B"
        case (2, 3): code = "5I"
        case (2, 4): code = "5Q"
        case (2, 5): code = "7I"
        case (2, 6): code = "7Q"
        case (3, 0), (3, 1): code = "2I"
        case (3, 2), (3, 3): code = "7I"
        case (3, 5): code = "1P"
        case (3, 7): code = "5P"
        case (5, 0): code = "1C"
        case (5, 1): code = "1Z"
        case (5, 4): code = "2S"
        case (5, 5): code = "2L"
        case (5, 8): code = "5I"
        case (5, 9): code = "5Q"
        case (6, 0): code = "1C"
        case (6, 2): code = "2C"
        case (7, 0): code = "5A"
        default: code = nil
        }
        return code.flatMap { SignalCode($0) }
    }
}

/// RXM-RAWX: raw measurements of one epoch.
public struct UBXRawMeasurements: Sendable {
    public struct Measurement: Sendable, Hashable {
        public var gnssId: UInt8, svId: UInt8, sigId: UInt8, freqId: UInt8
        public var pseudorange: Double
        public var carrierPhase: Double
        public var doppler: Double
        public var lockTimeMilliseconds: Int
        public var cn0: Int
        public var trackingStatus: UInt8
        public var pseudorangeValid: Bool { trackingStatus & 1 != 0 }
        public var phaseValid: Bool { trackingStatus & 2 != 0 }
        public var halfCycleResolved: Bool { trackingStatus & 4 != 0 }
    }

    public var receiverTimeOfWeek: Double
    public var week: Int
    public var leapSeconds: Int
    public var receiverStatus: UInt8
    public var measurements: [Measurement]

    static func decode(_ p: [UInt8]) throws(FormatError) -> UBXRawMeasurements {
        let r = LittleEndianReader(bytes: p)
        let n = Int(try r.u8(11))
        guard p.count >= 16 + 32 * n else { throw FormatError("truncated", "RXM-RAWX with \(n) measurements needs \(16 + 32 * n) bytes, has \(p.count)") }
        var ms: [Measurement] = []
        ms.reserveCapacity(n)
        for i in 0..<n {
            let o = 16 + 32 * i
            ms.append(Measurement(gnssId: try r.u8(o + 20), svId: try r.u8(o + 21), sigId: try r.u8(o + 22), freqId: try r.u8(o + 23),
                                  pseudorange: try r.r8(o), carrierPhase: try r.r8(o + 8), doppler: Double(try r.r4(o + 16)),
                                  lockTimeMilliseconds: Int(try r.u16(o + 24)), cn0: Int(try r.u8(o + 26)), trackingStatus: try r.u8(o + 30)))
        }
        return UBXRawMeasurements(receiverTimeOfWeek: try r.r8(0), week: Int(try r.u16(8)), leapSeconds: Int(Int8(bitPattern: try r.u8(10))),
                                  receiverStatus: try r.u8(12), measurements: ms)
    }

    /// The epoch in the project's observation types (GPS time).
    public var epoch: ObservationEpoch {
        var byID: [SatelliteID: Int] = [:]
        var sats: [SatelliteObservation] = []
        for m in measurements {
            guard let sat = UBXSignals.satellite(m.gnssId, m.svId), let sig = UBXSignals.signal(m.gnssId, m.sigId) else { continue }
            var o = SignalObservation(signal: sig)
            if m.pseudorangeValid, m.pseudorange.isFinite { o.pseudorange = m.pseudorange }
            if m.phaseValid, m.carrierPhase.isFinite {
                o.carrierPhase = m.carrierPhase
                o.halfCycleAmbiguity = !m.halfCycleResolved
                o.lli = m.halfCycleResolved ? 0 : 2
            }
            o.doppler = m.doppler.isFinite ? m.doppler : nil
            o.cn0 = Double(m.cn0)
            o.lockTime = Double(m.lockTimeMilliseconds) / 1000
            if o.pseudorange == nil && o.carrierPhase == nil { continue }
            let channel = sat.system == .glonass ? Int(m.freqId) - 7 : nil
            if let i = byID[sat] {
                sats[i].signals.append(o)
            } else {
                byID[sat] = sats.count
                sats.append(SatelliteObservation(satellite: sat, signals: [o], glonassChannel: channel))
            }
        }
        return ObservationEpoch(time: GNSSTime(gpsWeek: week, secondOfWeek: receiverTimeOfWeek), satellites: sats)
    }
}

/// RXM-SFRBX: one navigation subframe/page as broadcast.
public struct UBXSubframe: Sendable, Hashable {
    public var gnssId: UInt8, svId: UInt8, sigId: UInt8, freqId: UInt8, channel: UInt8, version: UInt8
    public var words: [UInt32]

    static func decode(_ p: [UInt8]) throws(FormatError) -> UBXSubframe {
        let r = LittleEndianReader(bytes: p)
        let n = Int(try r.u8(4))
        guard p.count >= 8 + 4 * n else { throw FormatError("truncated", "RXM-SFRBX with \(n) words needs \(8 + 4 * n) bytes") }
        var words: [UInt32] = []
        for i in 0..<n { words.append(try r.u32(8 + 4 * i)) }
        return UBXSubframe(gnssId: try r.u8(0), svId: try r.u8(1), sigId: try r.u8(2), freqId: try r.u8(3), channel: try r.u8(5),
                           version: try r.u8(6), words: words)
    }

    public var satellite: SatelliteID? { UBXSignals.satellite(gnssId, svId) }
}

/// NAV-PVT: the receiver's own navigation solution.
public struct UBXNavPVT: Sendable, Hashable {
    public var timeOfWeekMilliseconds: Int
    public var date: CalendarDate
    public var fixType: Int
    public var flags: UInt8
    public var satellites: Int
    public var longitude: Double, latitude: Double
    /// Height above the ellipsoid and above mean sea level, metres.
    public var height: Double, heightMSL: Double
    public var horizontalAccuracy: Double, verticalAccuracy: Double
    public var velocityNED: [Double]
    public var pdop: Double

    static func decode(_ p: [UInt8]) throws(FormatError) -> UBXNavPVT {
        let r = LittleEndianReader(bytes: p)
        guard p.count >= 92 else { throw FormatError("truncated", "NAV-PVT needs 92 bytes, has \(p.count)") }
        let nano = Double(try r.i32(16)) * 1e-9
        let date = CalendarDate(year: Int(try r.u16(4)), month: Int(try r.u8(6)), day: Int(try r.u8(7)), hour: Int(try r.u8(8)),
                                minute: Int(try r.u8(9)), second: Double(try r.u8(10)) + nano)
        return UBXNavPVT(timeOfWeekMilliseconds: Int(try r.u32(0)), date: date, fixType: Int(try r.u8(20)), flags: try r.u8(21),
                         satellites: Int(try r.u8(23)), longitude: Double(try r.i32(24)) * 1e-7, latitude: Double(try r.i32(28)) * 1e-7,
                         height: Double(try r.i32(32)) * 1e-3, heightMSL: Double(try r.i32(36)) * 1e-3,
                         horizontalAccuracy: Double(try r.u32(40)) * 1e-3, verticalAccuracy: Double(try r.u32(44)) * 1e-3,
                         velocityNED: [Double(try r.i32(48)) * 1e-3, Double(try r.i32(52)) * 1e-3, Double(try r.i32(56)) * 1e-3],
                         pdop: Double(try r.u16(76)) * 0.01)
    }

    public var ecef: ECEF { Geodetic(latitudeDegrees: latitude, longitudeDegrees: longitude, height: height).ecef() }
}

public enum UBXMessage: Sendable {
    case rawMeasurements(UBXRawMeasurements)
    case subframe(UBXSubframe)
    case navPVT(UBXNavPVT)
    case other(UBXFrame)

    public static func decode(_ f: UBXFrame) throws(FormatError) -> UBXMessage {
        switch (f.messageClass, f.id) {
        case (0x02, 0x15): return .rawMeasurements(try UBXRawMeasurements.decode(f.payload))
        case (0x02, 0x13): return .subframe(try UBXSubframe.decode(f.payload))
        case (0x01, 0x07): return .navPVT(try UBXNavPVT.decode(f.payload))
        default: return .other(f)
        }
    }
}
