import GNSSCore

/// Values by satellite and frequency slot, for the filters' per-signal state (ambiguity indices, tracks, last
/// phases) that they look up hundreds of times an epoch: an array slot for every satellite with a dense index and
/// slot below `slotsPerSatellite`, where a dictionary would hash each key; a dictionary for any other.
struct SignalTable<Value> {
    static var slotsPerSatellite: Int { 4 }
    private var slots = [Value?](repeating: nil, count: SatelliteID.denseCount * slotsPerSatellite)
    private var others: [Key: Value] = [:]

    struct Key: Hashable {
        var satellite: SatelliteID
        var slot: Int
    }

    private static func index(_ satellite: SatelliteID, _ slot: Int) -> Int? {
        guard let d = satellite.denseIndex, slot >= 0, slot < slotsPerSatellite else { return nil }
        return d * slotsPerSatellite + slot
    }

    subscript(satellite: SatelliteID, slot: Int) -> Value? {
        get {
            guard let i = Self.index(satellite, slot) else { return others[Key(satellite: satellite, slot: slot)] }
            return slots[i]
        }
        set {
            guard let i = Self.index(satellite, slot) else { others[Key(satellite: satellite, slot: slot)] = newValue; return }
            slots[i] = newValue
        }
    }

    mutating func removeAll() {
        for i in slots.indices { slots[i] = nil }
        others = [:]
    }
}

extension SignalTable: Sendable where Value: Sendable {}
