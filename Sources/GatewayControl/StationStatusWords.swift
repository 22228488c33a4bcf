extension StationStatus {
    /// The stream a station receives: RTCM 3, u-blox UBX, or a LEO satellite segment's downlink.
    public enum Format: StatusWord {
        case rtcm3, ubx, leo
        case unknown(String)

        public static let known: [Format] = [.rtcm3, .ubx, .leo]

        public var rawValue: String {
            switch self {
            case .rtcm3: "rtcm3"
            case .ubx: "ubx"
            case .leo: "leo"
            case .unknown(let word): word
            }
        }
    }

    /// What a station is to the gateway: a reference station whose observations become corrections, a rover that is
    /// positioned, or a stream of SSR corrections.
    public enum Role: StatusWord {
        case reference, rover, corrections
        case unknown(String)

        public static let known: [Role] = [.reference, .rover, .corrections]

        public var rawValue: String {
            switch self {
            case .reference: "reference"
            case .rover: "rover"
            case .corrections: "corrections"
            case .unknown(let word): word
            }
        }
    }

    /// How a station is positioned: not at all, single point, RTK against its reference, or PPP.
    public enum Processing: StatusWord {
        case none, spp, rtk, ppp
        case unknown(String)

        public static let known: [Processing] = [.none, .spp, .rtk, .ppp]

        public var rawValue: String {
            switch self {
            case .none: "none"
            case .spp: "spp"
            case .rtk: "rtk"
            case .ppp: "ppp"
            case .unknown(let word): word
            }
        }
    }

    /// The latest solution's quality, as RTKLIB names them: ambiguities fixed, float, SBAS, DGPS, single point,
    /// PPP, or no solution.
    public enum Quality: StatusWord {
        case fixed, float, sbas, dgps, single, ppp, none
        case unknown(String)

        public static let known: [Quality] = [.fixed, .float, .sbas, .dgps, .single, .ppp, .none]

        public var rawValue: String {
            switch self {
            case .fixed: "fixed"
            case .float: "float"
            case .sbas: "sbas"
            case .dgps: "dgps"
            case .single: "single"
            case .ppp: "ppp"
            case .none: "none"
            case .unknown(let word): word
            }
        }
    }
}
