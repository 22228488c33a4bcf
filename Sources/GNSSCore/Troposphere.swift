import Foundation

/// Tropospheric delay models.
public enum Troposphere {
    /// Slant delay (m) by the Saastamoinen model with a standard atmosphere
    /// (1013.25 hPa, 15 °C at sea level, lapse rate 6.5 K/km) and the given
    /// relative humidity. Returns 0 for a receiver far outside the atmosphere
    /// model's range or a satellite below the horizon.
    public static func saastamoinen(receiver: Geodetic, elevation: Double, relativeHumidity: Double = 0.7) -> Double {
        let (hydro, wet) = saastamoinenZenith(receiver: receiver, relativeHumidity: relativeHumidity)
        guard elevation > 0, hydro > 0 else { return 0 }
        let z = Double.pi / 2 - elevation
        return (hydro + wet) / cos(z)
    }

    /// Zenith hydrostatic and wet delays (m) of the Saastamoinen model.
    public static func saastamoinenZenith(receiver: Geodetic, relativeHumidity: Double = 0.7) -> (hydrostatic: Double, wet: Double) {
        guard receiver.height > -100, receiver.height < 10_000 else { return (0, 0) }
        let h = max(receiver.height, 0)
        let pressure = 1013.25 * pow(1 - 2.2557e-5 * h, 5.2568)           // hPa
        let temperature = 15 - 6.5e-3 * h + 273.16                          // K
        let vapour = 6.108 * relativeHumidity * exp((17.15 * temperature - 4684) / (temperature - 38.45))  // hPa
        let hydro = 0.0022768 * pressure / (1 - 0.00266 * cos(2 * receiver.latitude) - 0.00028 * h / 1e3)
        let wet = 0.002277 * (1255 / temperature + 0.05) * vapour
        return (hydro, wet)
    }
}
