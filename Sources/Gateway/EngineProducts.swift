import GNSSOrbits
import GNSSPositioning
import GNSSProducts

extension Products {
    /// What the engine solves with: these products, with `ephemerides` in place of the files' own where given
    /// (the ephemerides the streams have brought so far) and `leo` in place of the files' LEO ephemerides.
    /// `ssr`: the corrections a correction stream has brought so far.
    public func positioning(ephemerides: EphemerisStore? = nil, leo: LEOEphemerisStore? = nil,
                            ssr: SSRCorrections? = nil) -> PositioningProducts {
        let leo = leo ?? self.leo
        return PositioningProducts(ephemerides: ephemerides ?? self.ephemerides, klobuchar: klobuchar,
                                   precise: hasPreciseOrbits ? precise : nil, leo: leo.count > 0 ? leo : nil, ssr: ssr)
    }
}
