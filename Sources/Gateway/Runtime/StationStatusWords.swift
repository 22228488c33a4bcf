import GNSSPositioning
import GatewayControl

/// The control socket's words for a station's configuration and solutions: each of the engine's and the
/// configuration's cases has its word, so a case added to one without the other does not compile.
extension StationStatus.Format {
    init(_ format: StationConfiguration.StreamFormat) {
        switch format {
        case .rtcm3: self = .rtcm3
        case .ubx: self = .ubx
        case .leo: self = .leo
        }
    }
}

extension StationStatus.Role {
    init(_ role: StationConfiguration.Role) {
        switch role {
        case .reference: self = .reference
        case .rover: self = .rover
        case .corrections: self = .corrections
        }
    }
}

extension StationStatus.Processing {
    init(_ processing: StationConfiguration.Processing) {
        switch processing {
        case .none: self = .none
        case .spp: self = .spp
        case .rtk: self = .rtk
        case .ppp: self = .ppp
        }
    }
}

extension StationStatus.Quality {
    init(_ quality: SolutionQuality) {
        switch quality {
        case .fixed: self = .fixed
        case .float: self = .float
        case .sbas: self = .sbas
        case .dgps: self = .dgps
        case .single: self = .single
        case .ppp: self = .ppp
        case .none: self = .none
        }
    }
}
