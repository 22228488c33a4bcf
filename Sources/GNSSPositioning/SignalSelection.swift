import GNSSCore

/// Which signals a positioning engine uses from each system: a primary
/// (the one broadcast clocks refer to for single-frequency users) and a
/// second frequency for the ionosphere-free combination, in order of preference.
public enum SignalSelection {
    public static func primary(_ system: GNSSSystem) -> [SignalCode] { primaryLists[Int(system.rawValue)] }
    public static func secondary(_ system: GNSSSystem) -> [SignalCode] { secondaryLists[Int(system.rawValue)] }

    private static let primaryLists = GNSSSystem.allCases.map(primaryList)
    private static let secondaryLists = GNSSSystem.allCases.map(secondaryList)

    /// The frequency slots of double differences (RTK), each a list of signals in order of preference. Satellite
    /// clocks and group delays cancel there, so these go beyond the single-receiver lists: BeiDou-3's B1C and B2a
    /// (and B2b), whose group delays the D1/D2 navigation messages do not give.
    public static func differential(_ system: GNSSSystem) -> [[SignalCode]] { differentialLists[Int(system.rawValue)] }

    private static let differentialLists = GNSSSystem.allCases.map { system in
        system == .beidou
            ? [primaryList(system) + codes("1P 1X 1D"), secondaryList(system) + codes("5P 5X 5D 7D 7P 7Z")]
            : [primaryList(system), secondaryList(system)]
    }

    private static func primaryList(_ system: GNSSSystem) -> [SignalCode] {
        switch system {
        case .gps, .qzss: codes("1C 1W 1P 1X 1L 1S")
        case .glonass: codes("1C 1P")
        case .galileo: codes("1C 1X 1B")
        case .beidou: codes("2I 2X 2Q")
        case .navic: codes("5A 5X")
        case .sbas: codes("1C")
        case .leo: codes("1C 1X")
        }
    }

    private static func secondaryList(_ system: GNSSSystem) -> [SignalCode] {
        switch system {
        case .gps: codes("2W 2P 2L 2X 2S 2C 5Q 5X 5I")
        case .qzss: codes("2L 2X 2S 5Q 5X")
        case .glonass: codes("2C 2P")
        case .galileo: codes("5Q 5X 5I 7Q 7X 7I")
        case .beidou: codes("6I 6X 6Q 7I 7X")
        case .navic: codes("9A")
        case .sbas: codes("5I 5X")
        case .leo: codes("5Q 5X")
        }
    }

    static func codes(_ list: String) -> [SignalCode] {
        list.split(separator: " ").compactMap { SignalCode($0) }
    }

    /// First preferred signal of `candidates` with a pseudorange in `observation`.
    public static func firstCode(_ observation: SatelliteObservation, _ candidates: [SignalCode]) -> SignalObservation? {
        for code in candidates {
            if let s = observation.signals.first(where: { $0.signal == code }), let p = s.pseudorange, p > 1e6 {
                return s
            }
        }
        return nil
    }
}
