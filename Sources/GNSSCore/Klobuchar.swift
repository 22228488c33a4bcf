import Foundation

extension KlobucharCoefficients {
    /// Default coefficients used when no broadcast set is available
    /// (the 2004/01/01 GPS broadcast values, a customary fallback).
    public static let fallback = KlobucharCoefficients(
        alpha: [0.1118e-07, -0.7451e-08, -0.5961e-07, 0.1192e-06],
        beta: [0.1167e+06, -0.2294e+06, -0.1311e+06, 0.1049e+07])

    /// Slant ionospheric delay on GPS L1 (m) by the broadcast model of
    /// IS-GPS-200 §20.3.3.5.2.5. Scale by (f_L1/f)² for other frequencies.
    public func delayL1(time: GNSSTime, receiver: Geodetic, azimuth: Double, elevation: Double) -> Double {
        guard alpha.count >= 4, beta.count >= 4, receiver.height > -1000, elevation > 0 else { return 0 }
        let el = elevation / Double.pi                   // semicircles
        let phiU = receiver.latitude / Double.pi
        let lambdaU = receiver.longitude / Double.pi
        let psi = 0.0137 / (el + 0.11) - 0.022           // Earth-centred angle
        var phiI = phiU + psi * cos(azimuth)             // ionospheric pierce point latitude
        phiI = max(-0.416, min(0.416, phiI))
        let lambdaI = lambdaU + psi * sin(azimuth) / cos(phiI * Double.pi)
        let phiM = phiI + 0.064 * cos((lambdaI - 1.617) * Double.pi)   // geomagnetic latitude
        var t = 43_200 * lambdaI + time.secondOfWeek.truncatingRemainder(dividingBy: 86_400)
        t -= (t / 86_400).rounded(.down) * 86_400
        let f = 1 + 16 * pow(0.53 - el, 3)               // slant factor
        var amplitude = alpha[0] + phiM * (alpha[1] + phiM * (alpha[2] + phiM * alpha[3]))
        var period = beta[0] + phiM * (beta[1] + phiM * (beta[2] + phiM * beta[3]))
        amplitude = max(0, amplitude)
        period = max(72_000, period)
        let x = 2 * Double.pi * (t - 50_400) / period
        let delay: Double
        if abs(x) < 1.57 {
            delay = f * (5e-9 + amplitude * (1 + x * x * (-0.5 + x * x / 24)))
        } else {
            delay = f * 5e-9
        }
        return Constants.speedOfLight * delay
    }
}
