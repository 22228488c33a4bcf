import Foundation
import GNSSCore

/// Little-endian field access with bounds checks.
struct LittleEndianReader {
    let bytes: [UInt8]

    func u8(_ o: Int) throws(FormatError) -> UInt8 {
        guard o >= 0, o < bytes.count else { throw FormatError(.truncated, "UBX payload too short (\(bytes.count) bytes)") }
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
        case (2, 8): code = "6B"
        case (2, 9): code = "6C"
        case (3, 0), (3, 1): code = "2I"      // B1I D1 / D2
        case (3, 2), (3, 3): code = "7I"      // B2I D1 / D2
        case (3, 4), (3, 10): code = "6I"     // B3I D1 / D2
        case (3, 5): code = "1P"              // B1C pilot
        case (3, 6): code = "1D"              // B1C data
        case (3, 7): code = "5P"              // B2a pilot
        case (3, 8): code = "5D"              // B2a data
        case (5, 0): code = "1C"
        case (5, 1): code = "1Z"
        case (5, 4): code = "2S"
        case (5, 5): code = "2L"
        case (5, 8): code = "5I"
        case (5, 9): code = "5Q"
        case (5, 12): code = "1E"             // L1C/B
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
        /// Raw standard-deviation indices as sent: pseudorange 0.01·2ⁿ m, phase 0.004·n cycles, Doppler 0.002·2ⁿ Hz.
        public var pseudorangeStdevIndex: UInt8 = 0, phaseStdevIndex: UInt8 = 0, dopplerStdevIndex: UInt8 = 0
        public var trackingStatus: UInt8
        public var pseudorangeStdev: Double { 0.01 * Double(1 << Int(pseudorangeStdevIndex & 0x0F)) }
        public var phaseStdev: Double { 0.004 * Double(phaseStdevIndex & 0x0F) }
        public var dopplerStdev: Double { 0.002 * Double(1 << Int(dopplerStdevIndex & 0x0F)) }
        /// The signal in the project's model, when the u-blox identifiers are known.
        public var satellite: SatelliteID? { UBXSignals.satellite(gnssId, svId) }
        public var signal: SignalCode? { UBXSignals.signal(gnssId, sigId) }
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
        guard p.count >= 16 + 32 * n else { throw FormatError(.truncated, "RXM-RAWX with \(n) measurements needs \(16 + 32 * n) bytes, has \(p.count)") }
        var ms: [Measurement] = []
        ms.reserveCapacity(n)
        for i in 0..<n {
            let o = 16 + 32 * i
            ms.append(Measurement(gnssId: try r.u8(o + 20), svId: try r.u8(o + 21), sigId: try r.u8(o + 22), freqId: try r.u8(o + 23),
                                  pseudorange: try r.r8(o), carrierPhase: try r.r8(o + 8), doppler: Double(try r.r4(o + 16)),
                                  lockTimeMilliseconds: Int(try r.u16(o + 24)), cn0: Int(try r.u8(o + 26)),
                                  pseudorangeStdevIndex: try r.u8(o + 27), phaseStdevIndex: try r.u8(o + 28), dopplerStdevIndex: try r.u8(o + 29),
                                  trackingStatus: try r.u8(o + 30)))
        }
        return UBXRawMeasurements(receiverTimeOfWeek: try r.r8(0), week: Int(try r.u16(8)), leapSeconds: Int(Int8(bitPattern: try r.u8(10))),
                                  receiverStatus: try r.u8(12), measurements: ms)
    }

    /// The epoch in the project's observation types (GPS time), judged alone: a zero
    /// lock time marks a slip. Use `UBXObservationConverter` over a stream to also
    /// catch lock-time resets between epochs.
    public var epoch: ObservationEpoch {
        var c = UBXObservationConverter()
        return c.epoch(self)
    }
}

/// Converts successive RXM-RAWX epochs to `ObservationEpoch`s, keeping each
/// signal's lock time so that a reset (lock time shorter than the time since
/// the previous epoch allows, or phase lost and regained) sets LLI bit 0; an
/// unresolved half-cycle sets LLI bit 1.
public struct UBXObservationConverter: Sendable {
    private struct Key: Hashable { var gnssId: UInt8, svId: UInt8, sigId: UInt8 }
    private var lock: [Key: (time: Double, lockMilliseconds: Int)] = [:]

    public init() {}

    public mutating func epoch(_ raw: UBXRawMeasurements) -> ObservationEpoch {
        let time = GNSSTime(gpsWeek: raw.week, secondOfWeek: raw.receiverTimeOfWeek)
        let t = Double(raw.week) * 604_800 + raw.receiverTimeOfWeek
        var byID: [SatelliteID: Int] = [:]
        var sats: [SatelliteObservation] = []
        sats.reserveCapacity(raw.measurements.count)
        for m in raw.measurements {
            guard let sat = m.satellite, let sig = m.signal else { continue }
            var o = SignalObservation(signal: sig)
            if m.pseudorangeValid, m.pseudorange.isFinite { o.pseudorange = m.pseudorange }
            if m.phaseValid, m.carrierPhase.isFinite {
                let key = Key(gnssId: m.gnssId, svId: m.svId, sigId: m.sigId)
                var slip = m.lockTimeMilliseconds == 0
                if let previous = lock[key] {
                    // Lock time grows with time unless tracking restarted (it saturates at 64.5 s).
                    let elapsed = (t - previous.time) * 1000
                    if m.lockTimeMilliseconds < previous.lockMilliseconds || Double(m.lockTimeMilliseconds) < elapsed - 1000 && m.lockTimeMilliseconds < 64_500 {
                        slip = true
                    }
                }
                lock[key] = (t, m.lockTimeMilliseconds)
                o.carrierPhase = m.carrierPhase
                o.halfCycleAmbiguity = !m.halfCycleResolved
                o.lli = (slip ? 1 : 0) | (m.halfCycleResolved ? 0 : 2)
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
        if lock.count > 2048 { lock = lock.filter { t - $0.value.time < 600 } }
        return ObservationEpoch(time: time, satellites: sats)
    }
}

/// RXM-SFRBX: one navigation subframe/page as broadcast.
public struct UBXSubframe: Sendable, Hashable {
    public var gnssId: UInt8, svId: UInt8, sigId: UInt8, freqId: UInt8, channel: UInt8, version: UInt8
    public var words: [UInt32]

    static func decode(_ p: [UInt8]) throws(FormatError) -> UBXSubframe {
        let r = LittleEndianReader(bytes: p)
        let n = Int(try r.u8(4))
        guard p.count >= 8 + 4 * n else { throw FormatError(.truncated, "RXM-SFRBX with \(n) words needs \(8 + 4 * n) bytes") }
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
        guard p.count >= 92 else { throw FormatError(.truncated, "NAV-PVT needs 92 bytes, has \(p.count)") }
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

/// NAV-TIMEGPS: GPS time of the navigation solution.
public struct UBXNavTimeGPS: Sendable, Hashable {
    public var timeOfWeekMilliseconds: Int
    /// Fraction of the millisecond, nanoseconds (−500 000…500 000).
    public var fractionNanoseconds: Int
    public var week: Int
    public var leapSeconds: Int
    /// Bit 0 time of week valid, bit 1 week valid, bit 2 leap seconds valid.
    public var valid: UInt8
    public var accuracyNanoseconds: Int

    static func decode(_ p: [UInt8]) throws(FormatError) -> UBXNavTimeGPS {
        let r = LittleEndianReader(bytes: p)
        guard p.count >= 16 else { throw FormatError(.truncated, "NAV-TIMEGPS needs 16 bytes, has \(p.count)") }
        return UBXNavTimeGPS(timeOfWeekMilliseconds: Int(try r.u32(0)), fractionNanoseconds: Int(try r.i32(4)),
                             week: Int(Int16(bitPattern: try r.u16(8))), leapSeconds: Int(Int8(bitPattern: try r.u8(10))),
                             valid: try r.u8(11), accuracyNanoseconds: Int(try r.u32(12)))
    }

    public var time: GNSSTime {
        GNSSTime(gpsWeek: week, secondOfWeek: Double(timeOfWeekMilliseconds) * 1e-3 + Double(fractionNanoseconds) * 1e-9)
    }
}

public enum UBXMessage: Sendable {
    case rawMeasurements(UBXRawMeasurements)
    case subframe(UBXSubframe)
    case navPVT(UBXNavPVT)
    case navTimeGPS(UBXNavTimeGPS)
    case other(UBXFrame)

    public static func decode(_ f: UBXFrame) throws(FormatError) -> UBXMessage {
        switch (f.messageClass, f.id) {
        case (0x02, 0x15): return .rawMeasurements(try UBXRawMeasurements.decode(f.payload))
        case (0x02, 0x13): return .subframe(try UBXSubframe.decode(f.payload))
        case (0x01, 0x07): return .navPVT(try UBXNavPVT.decode(f.payload))
        case (0x01, 0x20): return .navTimeGPS(try UBXNavTimeGPS.decode(f.payload))
        default: return .other(f)
        }
    }
}
