import Foundation
import GNSSCore

/// Antenna phase-centre models for PPP, from an ANTEX file: each satellite's offset (in its body frame,
/// yaw-steered to the Sun) and nadir-dependent variations, the receiver antenna's offset and
/// elevation-dependent variations, and the antenna reference point's eccentricity from the marker
/// (the RINEX header's antenna height). Values for a two-frequency combination are the same
/// combination of the two frequencies' values.
public struct AntennaModels: Sendable {
    private var satellites: [SatelliteID: [AntennaCalibration]] = [:]
    /// The receiver antenna's calibration, nil when the ANTEX file has none for its type.
    public private(set) var receiver: AntennaCalibration?
    /// Antenna reference point from the marker: east, north, up (m).
    public var eccentricity = ENU(east: 0, north: 0, up: 0)

    public init(calibrations: [AntennaCalibration], receiverType: String?, eccentricity: ENU) {
        for c in calibrations {
            if let s = c.satellite { satellites[s, default: []].append(c) }
        }
        self.eccentricity = eccentricity
        if let receiverType { receiver = Self.receiverCalibration(receiverType, in: calibrations) }
    }

    /// The calibration of a receiver antenna type as RINEX writes it (antenna in 16 columns, radome in 4);
    /// without a calibration for its radome, the antenna's with no radome (`NONE`).
    static func receiverCalibration(_ type: String, in calibrations: [AntennaCalibration]) -> AntennaCalibration? {
        let receivers = calibrations.filter { $0.satellite == nil }
        let wanted = AntennaCalibration.normalised(type)
        if let exact = receivers.first(where: { AntennaCalibration.normalised($0.type) == wanted }) { return exact }
        let antenna = AntennaCalibration.normalised(type.prefix(16))
        return receivers.first { $0.antennaOnly == antenna && $0.type.hasSuffix("NONE") }
    }

    /// The satellite's calibration valid at `time`.
    public func satellite(_ sat: SatelliteID, at time: GNSSTime) -> AntennaCalibration? {
        satellites[sat]?.first { c in
            (c.validFrom.map { time >= $0 } ?? true) && (c.validUntil.map { time <= $0 } ?? true)
        }
    }

    /// The pattern of a frequency (RINEX band digit) of a system; receiver antennas calibrated for GPS only
    /// lend their GPS pattern of the nearest band to the other systems.
    static func pattern(_ c: AntennaCalibration, system: GNSSSystem, band: UInt8) -> AntennaCalibration.Pattern? {
        let letter = system == .leo ? "G" : String(system.letter)
        if let p = c.patterns[letter + (band < 10 ? "0" : "") + String(band)] { return p }
        guard c.satellite == nil else { return nil }
        let gpsBand: UInt8 = band == 1 ? 1 : (band == 5 || band == 7 || band == 8 ? 5 : 2)
        return c.patterns["G0\(gpsBand)"] ?? c.patterns["G02"]
    }

    /// Satellite antenna phase centre minus centre of mass (ECEF, m) and the variation (m, to be added to the
    /// range) of the combination g1·f1 + g2·f2, for a satellite at `position` seen from `receiver`; nil when the
    /// ANTEX file has no calibration for that satellite, time and both frequencies.
    public func satelliteCorrection(_ sat: SatelliteID, at time: GNSSTime, position: ECEF, receiver: ECEF, sun: ECEF,
                                    bands: (UInt8, UInt8), weights: (Double, Double)) -> (offset: ECEF, variation: Double)? {
        guard let c = satellite(sat, at: time),
              let p1 = Self.pattern(c, system: sat.system, band: bands.0),
              let p2 = Self.pattern(c, system: sat.system, band: bands.1) else { return nil }
        guard let (ex, ey, ez) = PhaseWindUp.bodyAxes(satellite: position, sun: sun) else { return nil }
        let (g1, g2) = weights
        let x = g1 * p1.offset.0 + g2 * p2.offset.0, y = g1 * p1.offset.1 + g2 * p2.offset.1, z = g1 * p1.offset.2 + g2 * p2.offset.2
        let offset = x * ex + y * ey + z * ez
        // Nadir angle of the receiver as seen from the satellite.
        let line = receiver - position
        let nadir = acos(max(-1, min(1, ez.dot((1 / line.norm) * line)))) * 180 / Double.pi
        let variation = g1 * c.variation(p1, angle: nadir) + g2 * c.variation(p2, angle: nadir)
        return (offset, variation)
    }

    /// Receiver-side correction (m, to be added to the geometric range from the marker) towards a satellite at
    /// `azimuth` and `elevation` (radians): minus the projection of the eccentricity and the phase-centre
    /// offset on the line of sight, plus the elevation-dependent variation, for the combination g1·f1 + g2·f2.
    public func receiverCorrection(system: GNSSSystem, bands: (UInt8, UInt8), weights: (Double, Double),
                                   azimuth: Double, elevation: Double) -> Double {
        var east = eccentricity.east, north = eccentricity.north, up = eccentricity.up
        var variation = 0.0
        if let c = receiver, let p1 = Self.pattern(c, system: system, band: bands.0),
           let p2 = Self.pattern(c, system: system, band: bands.1) {
            let (g1, g2) = weights
            north += g1 * p1.offset.0 + g2 * p2.offset.0
            east += g1 * p1.offset.1 + g2 * p2.offset.1
            up += g1 * p1.offset.2 + g2 * p2.offset.2
            let zenith = 90 - elevation * 180 / Double.pi
            variation = g1 * c.variation(p1, angle: zenith) + g2 * c.variation(p2, angle: zenith)
        }
        let ce = cos(elevation)
        return -(east * ce * sin(azimuth) + north * ce * cos(azimuth) + up * sin(elevation)) + variation
    }
}

extension AntennaModels {
    /// The satellite's antenna phase centre minus its centre of mass (ECEF, m) for the ionosphere-free pair PPP and
    /// the precise clocks use (GLONASS, whose frequencies depend on the channel, excepted); nil without a calibration.
    @Sendable public func ionosphereFreeSatelliteOffset(_ sat: SatelliteID, at time: GNSSTime, position: ECEF) -> ECEF? {
        let pair = PPPFilter.signalPair(sat.system)
        guard let b1 = pair.first.first?.band, let b2 = pair.second.first?.band,
              let f1 = CarrierFrequency.of(system: sat.system, band: b1, glonassChannel: nil),
              let f2 = CarrierFrequency.of(system: sat.system, band: b2, glonassChannel: nil) else { return nil }
        let g1 = f1 * f1 / (f1 * f1 - f2 * f2), g2 = -f2 * f2 / (f1 * f1 - f2 * f2)
        return satelliteCorrection(sat, at: time, position: position, receiver: .zero, sun: SunMoon.sun(at: time),
                                   bands: (b1, b2), weights: (g1, g2))?.offset
    }
}
