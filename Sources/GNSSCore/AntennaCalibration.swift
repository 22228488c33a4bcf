/// One antenna of an ANTEX 1.4 file: a receiver antenna type (with radome) or a satellite's antenna
/// over a validity period, with a phase-centre offset and non-azimuthal variations per frequency.
public struct AntennaCalibration: Sendable, Hashable {
    /// Phase-centre offset and variations on one frequency.
    public struct Pattern: Sendable, Hashable {
        /// Offset, metres: north, east, up for a receiver antenna (from the reference point); x, y, z in the
        /// satellite's body frame for a satellite antenna (from the centre of mass).
        public var offset: (Double, Double, Double)
        /// Variations, metres, at zenith (receiver) or nadir (satellite) angles zen1, zen1 + dzen, … zen2.
        public var variations: [Double]

        public init(offset: (Double, Double, Double), variations: [Double]) {
            self.offset = offset
            self.variations = variations
        }

        public static func == (a: Pattern, b: Pattern) -> Bool {
            a.offset == b.offset && a.variations == b.variations
        }
        public func hash(into h: inout Hasher) {
            h.combine(offset.0); h.combine(offset.1); h.combine(offset.2); h.combine(variations)
        }
    }

    /// Antenna type and radome as written (20 columns, e.g. `ASH701945E_M    SCIS`), or the satellite block.
    public var type: String
    /// The satellite, for a satellite antenna.
    public var satellite: SatelliteID?
    public var validFrom: GNSSTime?
    public var validUntil: GNSSTime?
    /// Zenith or nadir angle grid, degrees.
    public var zenithStart = 0.0, zenithEnd = 90.0, zenithStep = 5.0
    /// Patterns by ANTEX frequency code (`G01`, `G02`, `E05`, `C02`, …).
    public var patterns: [String: Pattern] = [:]

    public init(type: String) { self.type = type }

    /// The variation (m) at a zenith or nadir angle in degrees, linear between grid points, held at the ends.
    public func variation(_ pattern: Pattern, angle: Double) -> Double {
        let v = pattern.variations
        guard !v.isEmpty, zenithStep > 0, angle.isFinite else { return 0 }
        let position = (angle - zenithStart) / zenithStep
        guard position > 0 else { return v[0] }
        guard position < Double(v.count - 1) else { return v[v.count - 1] }
        let i = Int(position)
        let f = position - Double(i)
        return v[i] * (1 - f) + v[i + 1] * f
    }

    /// The antenna's type without radome (first 16 columns).
    public var antennaOnly: String { Self.normalised(type.prefix(16)) }

    /// An antenna type with its runs of blanks made single, for comparing types padded differently.
    public static func normalised(_ type: some StringProtocol) -> String { type.split(separator: " ").joined(separator: " ") }
}
