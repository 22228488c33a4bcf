import GNSSCore

/// Values by satellite in an array indexed by `SatelliteID.denseIndex` (a dictionary for satellites outside it): on
/// the hot paths of per-satellite corrections a lookup costs no hash.
struct SatelliteTable<Value: Sendable>: Sendable {
    private var dense: [Value?] = []
    private var other: [SatelliteID: Value] = [:]
    /// The satellites with a value.
    private(set) var keys: Set<SatelliteID> = []

    subscript(sat: SatelliteID) -> Value? {
        get {
            guard let i = sat.denseIndex else { return other[sat] }
            return dense.isEmpty ? nil : dense[i]
        }
        set {
            if newValue == nil { keys.remove(sat) } else if self[sat] == nil { keys.insert(sat) }
            guard let i = sat.denseIndex else {
                other[sat] = newValue
                return
            }
            if dense.isEmpty {
                guard newValue != nil else { return }
                dense = Array(repeating: nil, count: SatelliteID.denseCount)
            }
            dense[i] = newValue
        }
    }

    /// The value of `sat`, `initial` put in place first where there is none; changed in place.
    subscript(sat: SatelliteID, default initial: @autoclosure () -> Value) -> Value {
        get { self[sat] ?? initial() }
        _modify {
            if self[sat] == nil { self[sat] = initial() }
            if let i = sat.denseIndex {
                yield &dense[i]!
            } else {
                yield &other[sat]!
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey sat: SatelliteID) -> Value? {
        let old = self[sat]
        if old != nil { self[sat] = nil }
        return old
    }
}
