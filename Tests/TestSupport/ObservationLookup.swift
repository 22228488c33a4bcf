import GNSSCore

extension ObservationEpoch {
    /// One value by RINEX names, e.g. `value("G05", "L1C")`, for comparisons with other tools' output.
    public func value(_ sat: String, _ code: String) -> Double? {
        guard let id = SatelliteID(rinex: sat), let c = ObservationCode(code), let s = satellite(id)?.signal(c.signal) else { return nil }
        switch c.kind {
        case .pseudorange: return s.pseudorange
        case .carrierPhase: return s.carrierPhase
        case .doppler: return s.doppler
        case .signalStrength: return s.cn0
        default: return nil
        }
    }
}
