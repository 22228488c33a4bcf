import Foundation
import GNSSCore

/// The simulated ionosphere: vertical TEC over the station that follows the
/// local time of day (a floor at night, a cosine-shaped peak at 14 h local),
/// mapped to slant with the single-layer model at 350 km, delaying code and
/// advancing phase by 40.3·TEC/f² on each frequency.
public struct IonosphereTruth: Sendable {
    /// Night-time floor and day-time peak of the vertical TEC, TECU.
    public var nightTEC = 5.0
    public var dayTEC = 25.0
    public var shellHeight = 350_000.0

    public init() {}

    /// Vertical TEC (TECU) at the pierce point's local solar time.
    public func verticalTEC(time: GNSSTime, longitude: Double) -> Double {
        let sod = Double(time.seconds % 86_400) + time.fraction
        var localHours = (sod / 3600 + longitude * Constants.radiansToDegrees / 15).truncatingRemainder(dividingBy: 24)
        if localHours < 0 { localHours += 24 }
        let phase = 2 * Double.pi * (localHours - 14) / 24
        return nightTEC + (dayTEC - nightTEC) * max(0, cos(phase))
    }

    /// Slant TEC (TECU) towards a satellite at `elevation`/`azimuth` from `receiver`.
    public func slantTEC(time: GNSSTime, receiver: Geodetic, elevation: Double, azimuth: Double) -> Double {
        let re = Ellipsoid.wgs84.semiMajorAxis
        let ratio = re / (re + shellHeight) * cos(elevation)
        let mapping = 1 / (1 - ratio * ratio).squareRoot()
        // Pierce point longitude (enough for the local-time dependence).
        let psi = Double.pi / 2 - elevation - asin(ratio)
        let lat = asin(sin(receiver.latitude) * cos(psi) + cos(receiver.latitude) * sin(psi) * cos(azimuth))
        let lon = receiver.longitude + asin(sin(psi) * sin(azimuth) / max(cos(lat), 1e-6))
        return verticalTEC(time: time, longitude: lon) * mapping
    }

    /// Group delay in metres of `tec` TECU on frequency `f` (Hz).
    public static func delay(tec: Double, frequency f: Double) -> Double {
        40.3e16 * tec / (f * f)
    }
}

/// The simulated troposphere: Saastamoinen zenith hydrostatic delay for the
/// site, a wet zenith delay that wanders as a random walk around its nominal
/// value, both mapped with the Niell functions (the engine estimates the wet part).
public struct TroposphereTruth: Sendable {
    /// Random-walk strength of the wet delay, m/√s (3 mm/√h is a common process noise).
    public var wetRandomWalk = 0.003 / 60
    public var nominalWet = 0.12
    private var wet: Double
    private var lastTime: GNSSTime?
    private var random: SimulationRandom

    public init(seed: UInt64) {
        random = SimulationRandom(seed: seed)
        wet = nominalWet
    }

    /// Advances the wet delay to `time` and returns the zenith (hydrostatic, wet) delays.
    public mutating func zenith(at time: GNSSTime, receiver: Geodetic) -> (hydrostatic: Double, wet: Double) {
        if let last = lastTime {
            let dt = max(0, time - last)
            wet += random.gaussian(wetRandomWalk * dt.squareRoot())
            wet = min(max(wet, 0.02), 0.4)
        }
        lastTime = time
        let zhd = Troposphere.saastamoinenZenith(receiver: receiver, relativeHumidity: 0).hydrostatic
        return (zhd, wet)
    }
}
