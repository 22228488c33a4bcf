/// What an observation measures: the first letter of a RINEX 3 observation code.
public enum ObservableKind: Character, Sendable, Hashable, CaseIterable {
    case pseudorange = "C"
    case carrierPhase = "L"
    case doppler = "D"
    case signalStrength = "S"
    case ionosphere = "I"
    case channel = "X"
}

/// A signal: the frequency band and tracking attribute of a RINEX 3
/// observation code without its kind, e.g. `1C` (GPS L1 C/A) or `5Q` (E5a Q).
public struct SignalCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// RINEX band digit (1, 2, 5, 6, 7, 8, 9; 4 for GLONASS G1a, 3 for G3).
    public var band: UInt8
    /// The attribute letter as an ASCII byte: a plain value, cheap to copy in decoders' inner loops.
    public var attributeByte: UInt8

    /// RINEX attribute letter (C, P, W, Y, M, L, S, X, I, Q, A, B, Z, D, N, E, …).
    public var attribute: Character {
        get { Character(UnicodeScalar(attributeByte)) }
        set { attributeByte = newValue.asciiValue ?? 0x3F }
    }

    public init(band: UInt8, attribute: Character) {
        self.band = band
        self.attributeByte = attribute.asciiValue ?? 0x3F
    }

    /// Parses `1C`: a band digit 1–9 and an ASCII letter or digit.
    public init?(_ text: String) {
        var text = text
        guard let code = text.withUTF8({ SignalCode(ascii: $0) }) else { return nil }
        self = code
    }

    public init?(_ text: Substring) {
        var text = text
        guard let code = text.withUTF8({ SignalCode(ascii: $0) }) else { return nil }
        self = code
    }

    public init?<S: StringProtocol>(_ text: S) { self.init(String(text)) }

    /// From the code's bytes. Headers name dozens of codes and readers parse them all: taking a string's characters
    /// one by one (and, from another module, through the generic protocol) was most of reading a RINEX header.
    init?(ascii b: UnsafeBufferPointer<UInt8>) {
        guard b.count == 2, (0x31...0x39).contains(b[0]), Self.isASCIILetterOrDigit(b[1]) else { return nil }
        band = b[0] - 0x30
        attributeByte = b[1]
    }

    static func isASCIILetterOrDigit(_ b: UInt8) -> Bool {
        (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
    }

    public var description: String { "\(band)\(attribute)" }

    public static func < (a: SignalCode, b: SignalCode) -> Bool {
        a.band != b.band ? a.band < b.band : a.attributeByte < b.attributeByte
    }
}

/// A full RINEX 3 observation code, e.g. `C1C`, `L5Q`, `S2W`.
public struct ObservationCode: Sendable, Hashable, CustomStringConvertible {
    public var kind: ObservableKind
    public var signal: SignalCode

    public init(kind: ObservableKind, signal: SignalCode) {
        self.kind = kind
        self.signal = signal
    }

    /// Parses `C1C` (see `SignalCode.init(_:)` for the last two).
    public init?(_ text: String) {
        var text = text
        guard let code = text.withUTF8({ ObservationCode(ascii: $0) }) else { return nil }
        self = code
    }

    public init?(_ text: Substring) {
        var text = text
        guard let code = text.withUTF8({ ObservationCode(ascii: $0) }) else { return nil }
        self = code
    }

    public init?<S: StringProtocol>(_ text: S) { self.init(String(text)) }

    init?(ascii b: UnsafeBufferPointer<UInt8>) {
        guard b.count == 3, b[0] < 0x80, let kind = ObservableKind(rawValue: Character(Unicode.Scalar(b[0]))),
              let signal = SignalCode(ascii: UnsafeBufferPointer(rebasing: b[1...])) else { return nil }
        self.init(kind: kind, signal: signal)
    }

    public var description: String { "\(kind.rawValue)\(signal)" }
}

/// Carrier frequencies in Hz.
public enum CarrierFrequency {
    public static let gpsL1 = 1_575.42e6
    public static let gpsL2 = 1_227.60e6
    public static let gpsL5 = 1_176.45e6
    public static let galileoE6 = 1_278.75e6
    public static let galileoE5b = 1_207.14e6
    public static let galileoE5 = 1_191.795e6
    public static let beidouB1I = 1_561.098e6
    public static let beidouB3I = 1_268.52e6
    public static let navicS = 2_492.028e6
    public static let glonassG1Base = 1_602.0e6
    public static let glonassG1Step = 0.5625e6
    public static let glonassG2Base = 1_246.0e6
    public static let glonassG2Step = 0.4375e6
    public static let glonassG1a = 1_600.995e6
    public static let glonassG2a = 1_248.06e6
    public static let glonassG3 = 1_202.025e6
    /// The LEO augmentation signals of this project: an L-band pair chosen
    /// clear of the GNSS bands (band digits 1 and 5 in observation codes).
    public static let leoL1 = 1_518.0e6
    public static let leoL5 = 1_162.0e6

    /// Frequency of `band` for `system`; GLONASS FDMA bands need the channel `k`.
    /// Returns nil for combinations that do not exist.
    public static func of(system: GNSSSystem, band: UInt8, glonassChannel k: Int? = nil) -> Double? {
        switch (system, band) {
        case (.gps, 1), (.qzss, 1), (.sbas, 1), (.galileo, 1): return gpsL1
        case (.gps, 2), (.qzss, 2): return gpsL2
        case (.gps, 5), (.qzss, 5), (.sbas, 5), (.galileo, 5), (.navic, 5), (.beidou, 5): return gpsL5
        case (.qzss, 6), (.galileo, 6): return galileoE6
        case (.galileo, 7), (.beidou, 7): return galileoE5b
        case (.galileo, 8), (.beidou, 8): return galileoE5
        case (.beidou, 1): return gpsL1
        case (.beidou, 2): return beidouB1I
        case (.beidou, 6): return beidouB3I
        case (.navic, 9): return navicS
        case (.glonass, 1):
            guard let k, (-7...6).contains(k) else { return nil }
            return glonassG1Base + Double(k) * glonassG1Step
        case (.glonass, 2):
            guard let k, (-7...6).contains(k) else { return nil }
            return glonassG2Base + Double(k) * glonassG2Step
        case (.glonass, 4): return glonassG1a
        case (.glonass, 6): return glonassG2a
        case (.glonass, 3): return glonassG3
        case (.leo, 1): return leoL1
        case (.leo, 5): return leoL5
        default: return nil
        }
    }

    /// Wavelength in metres, or nil where the frequency is unknown.
    public static func wavelength(system: GNSSSystem, band: UInt8, glonassChannel k: Int? = nil) -> Double? {
        of(system: system, band: band, glonassChannel: k).map { Constants.speedOfLight / $0 }
    }
}
