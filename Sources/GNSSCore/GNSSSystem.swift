/// A navigation satellite system. `leo` is the low-Earth-orbit augmentation
/// constellation this gateway serves; it has no RINEX letter of its own, so the
/// project uses `L`.
public enum GNSSSystem: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    case gps, glonass, galileo, beidou, qzss, sbas, navic, leo

    /// RINEX 3 system letter.
    public var letter: Character {
        switch self {
        case .gps: "G"
        case .glonass: "R"
        case .galileo: "E"
        case .beidou: "C"
        case .qzss: "J"
        case .sbas: "S"
        case .navic: "I"
        case .leo: "L"
        }
    }

    public init?(letter: Character) {
        switch letter {
        case "G", " ": self = .gps
        case "R": self = .glonass
        case "E": self = .galileo
        case "C": self = .beidou
        case "J": self = .qzss
        case "S": self = .sbas
        case "I": self = .navic
        case "L": self = .leo
        default: return nil
        }
    }

    /// Largest PRN/slot number the system uses (LEO: the size the project supports).
    public var maxPRN: Int {
        switch self {
        case .gps: 32
        case .glonass: 27
        case .galileo: 36
        case .beidou: 63
        case .qzss: 10
        case .sbas: 58
        case .navic: 14
        case .leo: 999
        }
    }

    /// Where the system's satellites start among `SatelliteID.denseIndex` values.
    static let denseOffsets: [Int] = {
        var offsets: [Int] = [], next = 0
        for s in GNSSSystem.allCases {
            offsets.append(next)
            next += s.maxPRN + 1
        }
        return offsets
    }()

    public var description: String {
        switch self {
        case .gps: "GPS"
        case .glonass: "GLONASS"
        case .galileo: "Galileo"
        case .beidou: "BeiDou"
        case .qzss: "QZSS"
        case .sbas: "SBAS"
        case .navic: "NavIC"
        case .leo: "LEO"
        }
    }

    public static func < (a: GNSSSystem, b: GNSSSystem) -> Bool { a.rawValue < b.rawValue }
}

/// One satellite: its system and its number within the system (PRN, GLONASS
/// slot, or SBAS PRN minus 100 as RINEX writes it).
public struct SatelliteID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var system: GNSSSystem
    public var prn: Int

    public init(_ system: GNSSSystem, _ prn: Int) {
        self.system = system
        self.prn = prn
    }

    /// A small number of its own for every satellite whose PRN is within its system's range (nil otherwise), below
    /// `denseCount`: an array index where a dictionary lookup would cost a hash on a hot path.
    public var denseIndex: Int? {
        guard prn >= 0, prn <= system.maxPRN else { return nil }
        return GNSSSystem.denseOffsets[Int(system.rawValue)] + prn
    }

    public static let denseCount = GNSSSystem.allCases.reduce(0) { $0 + $1.maxPRN + 1 }

    /// Parses RINEX forms such as `G05`, `R 7`, ` 5` (RINEX 2 GPS), `LA1` or `L101` (satellite numbers from 100 on).
    public init?<S: StringProtocol>(rinex text: S) {
        let chars = Array(text)
        guard let first = chars.first else { return nil }
        if chars.count == 3, let s = GNSSSystem(letter: first), let n = Self.extendedNumber(chars[1], chars[2]), n <= s.maxPRN {
            self.init(s, n)
            return
        }
        let system: GNSSSystem
        var digits: ArraySlice<Character>
        if first.isNumber {
            system = .gps
            digits = chars[...]
        } else {
            guard let s = GNSSSystem(letter: first) else { return nil }
            system = s
            digits = chars.dropFirst()
        }
        digits = digits.drop(while: { $0 == " " })
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let n = Int(String(digits)), n > 0 else { return nil }
        let prn = (system == .sbas && n >= 100) ? n - 100 : n
        guard prn <= system.maxPRN else { return nil }
        self.init(system, prn)
    }

    /// Parses three RINEX bytes such as `G05` or ` 5` without making a String.
    public init?(rinexBytes b: ArraySlice<UInt8>) {
        guard b.count == 3 else { return nil }
        let s = b.startIndex
        if b[s + 1] >= 0x41 && b[s + 1] <= 0x5A, let sys = GNSSSystem(letter: Character(UnicodeScalar(b[s]))),
           let n = Self.extendedNumber(Character(UnicodeScalar(b[s + 1])), Character(UnicodeScalar(b[s + 2]))), n <= sys.maxPRN {
            self.init(sys, n)
            return
        }
        let letter = Character(UnicodeScalar(b[s]))
        let system: GNSSSystem
        if b[s] >= 0x30 && b[s] <= 0x39 {
            system = .gps
        } else {
            guard let sys = GNSSSystem(letter: letter) else { return nil }
            system = sys
        }
        var n = 0
        var digits = 0
        for i in (b[s] >= 0x30 && b[s] <= 0x39 ? s : s + 1)..<b.endIndex {
            let c = b[i]
            if c == 0x20 && digits == 0 { continue }
            guard c >= 0x30 && c <= 0x39 else { return nil }
            n = n * 10 + Int(c - 0x30)
            digits += 1
        }
        guard digits > 0, n > 0, n <= system.maxPRN else { return nil }
        self.init(system, n)
    }

    /// RINEX 3 text, e.g. `G05`. RINEX has two digits for the number; satellites numbered 100–359 (the LEO
    /// constellation) are written with a letter for the hundreds and tens, `A0` = 100 … `Z9` = 359: `LA1` is L101.
    public var description: String {
        switch prn {
        case ..<100: "\(system.letter)\(pad(prn))"
        case 100..<360:
            "\(system.letter)\(Character(UnicodeScalar(UInt8(65 + (prn - 100) / 10))))\((prn - 100) % 10)"
        default: "\(system.letter)\(prn)"
        }
    }

    /// `A0` … `Z9` as 100 … 359.
    static func extendedNumber(_ tens: Character, _ units: Character) -> Int? {
        guard let t = tens.asciiValue, t >= 65, t <= 90, let u = units.asciiValue, u >= 48, u <= 57 else { return nil }
        return 100 + Int(t - 65) * 10 + Int(u - 48)
    }

    public static func < (a: SatelliteID, b: SatelliteID) -> Bool {
        a.system != b.system ? a.system < b.system : a.prn < b.prn
    }
}

extension Character {
    public var isASCIIDigit: Bool { asciiValue.map { $0 >= 48 && $0 <= 57 } ?? false }
}

/// GLONASS frequency channel numbers k (−7…+6) by slot, as RINEX headers,
/// RTCM 1020/MSM5/MSM7 and ephemerides give them.
public struct GlonassChannels: Sendable, Hashable {
    private var bySlot: [Int: Int] = [:]
    public init() {}
    public subscript(slot: Int) -> Int? {
        get { bySlot[slot] }
        set { bySlot[slot] = newValue }
    }
    public var all: [(slot: Int, channel: Int)] { bySlot.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
}
