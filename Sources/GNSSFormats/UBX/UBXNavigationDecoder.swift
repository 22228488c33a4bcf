import GNSSCore

/// Broadcast ephemerides from the navigation words a u-blox receiver reports
/// (RXM-SFRBX): GPS/QZSS LNAV, Galileo I/NAV, BeiDou D1 and D2 and GLONASS strings,
/// each assembled per satellite until a complete, consistent set arrives.
public struct UBXNavigationDecoder: Sendable {
    private var lnav = LNAVAssembler()
    private var inav = INAVAssembler()
    private var d1 = BeiDouD1Assembler()
    private var d2 = BeiDouD2Assembler()
    private var glonass = GlonassAssembler()

    public init() {}

    /// Adds one subframe; returns the ephemeris it completes, if any. `time` (the receiver's latest
    /// epoch) resolves the week of GPS LNAV and the day of GLONASS; without it those wait.
    public mutating func add(_ s: UBXSubframe, near time: GNSSTime?) -> Ephemeris? {
        guard let satellite = s.satellite else { return nil }
        switch s.gnssId {
        case 0, 5:
            guard let time else { return nil }
            return lnav.add(satellite: satellite, words: s.words, near: time).map(Ephemeris.kepler)
        case 2:
            return inav.add(satellite: satellite, dwords: s.words, signal: s.sigId).map(Ephemeris.kepler)
        case 3:
            let e = BeiDouD2Assembler.isD2(satellite) ? d2.add(satellite: satellite, words: s.words) : d1.add(satellite: satellite, words: s.words)
            return e.map(Ephemeris.kepler)
        case 6:
            guard let time else { return nil }
            return glonass.add(satellite: satellite, frequencyChannel: Int(s.freqId) - 7, words: s.words, time: time).map(Ephemeris.glonass)
        default:
            return nil
        }
    }
}
