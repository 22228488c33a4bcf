import Foundation

/// Niell (1996) mapping functions for the hydrostatic and wet tropospheric
/// delays: continued fractions whose coefficients depend on latitude (and,
/// for the hydrostatic part, season and height).
public enum NiellMapping {
    private static let latitudes = [15.0, 30, 45, 60, 75]
    private static let hydroAverage: [[Double]] = [
        [1.2769934e-3, 2.9153695e-3, 62.610505e-3],
        [1.2683230e-3, 2.9152299e-3, 62.837393e-3],
        [1.2465397e-3, 2.9288445e-3, 63.721774e-3],
        [1.2196049e-3, 2.9022565e-3, 63.824265e-3],
        [1.2045996e-3, 2.9024912e-3, 64.258455e-3],
    ]
    private static let hydroAmplitude: [[Double]] = [
        [0.0, 0.0, 0.0],
        [1.2709626e-5, 2.1414979e-5, 9.0128400e-5],
        [2.6523662e-5, 3.0160779e-5, 4.3497037e-5],
        [3.4000452e-5, 7.2562722e-5, 84.795348e-5],
        [4.1202191e-5, 11.723375e-5, 170.37206e-5],
    ]
    private static let wet: [[Double]] = [
        [5.8021897e-4, 1.4275268e-3, 4.3472961e-2],
        [5.6794847e-4, 1.5138625e-3, 4.6729510e-2],
        [5.8118019e-4, 1.4572752e-3, 4.3908931e-2],
        [5.9727542e-4, 1.5007428e-3, 4.4626982e-2],
        [6.1641693e-4, 1.7599082e-3, 5.4736038e-2],
    ]
    private static let heightCoefficients = SIMD3(2.53e-5, 5.49e-3, 1.14e-3)

    private static func marini(_ sinE: Double, _ c: SIMD3<Double>) -> Double {
        (1 + c.x / (1 + c.y / (1 + c.z))) / (sinE + c.x / (sinE + c.y / (sinE + c.z)))
    }

    private static func interpolate(_ table: [[Double]], latitudeDegrees lat: Double) -> SIMD3<Double> {
        func row(_ i: Int) -> SIMD3<Double> { SIMD3(table[i][0], table[i][1], table[i][2]) }
        let a = abs(lat)
        if a <= latitudes[0] { return row(0) }
        if a >= latitudes[4] { return row(4) }
        let i = Int((a - 15) / 15)
        let f = (a - latitudes[i]) / 15
        return row(i) * (1 - f) + row(i + 1) * f
    }

    /// The continued fractions' coefficients at a receiver and time: what an epoch's satellites share.
    public struct Coefficients: Sendable {
        let hydrostatic: SIMD3<Double>
        let wet: SIMD3<Double>
        let heightKm: Double
    }

    public static func coefficients(receiver: Geodetic, time: GNSSTime) -> Coefficients {
        let latDeg = receiver.latitudeDegrees
        // Seasonal phase: day of year from 28 January, half a year shifted in the south.
        var doy = Double(time.dayOfYear) + time.secondOfWeek.truncatingRemainder(dividingBy: 86_400) / 86_400 - 28
        if latDeg < 0 { doy += 365.25 / 2 }
        let season = cos(2 * Double.pi * doy / 365.25)
        let hydrostatic = interpolate(hydroAverage, latitudeDegrees: latDeg) - interpolate(hydroAmplitude, latitudeDegrees: latDeg) * season
        return Coefficients(hydrostatic: hydrostatic, wet: interpolate(wet, latitudeDegrees: latDeg), heightKm: receiver.height / 1000)
    }

    /// Hydrostatic and wet mapping factors at elevation `el` (rad).
    public static func factors(_ c: Coefficients, elevation el: Double) -> (hydrostatic: Double, wet: Double) {
        guard el > 0 else { return (0, 0) }
        let sinE = sin(el)
        let dry = marini(sinE, c.hydrostatic) + (1 / sinE - marini(sinE, heightCoefficients)) * c.heightKm
        return (dry, marini(sinE, c.wet))
    }

    public static func factors(receiver: Geodetic, elevation el: Double, time: GNSSTime) -> (hydrostatic: Double, wet: Double) {
        factors(coefficients(receiver: receiver, time: time), elevation: el)
    }
}
