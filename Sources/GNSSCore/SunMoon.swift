import Foundation

/// Low-precision Sun and Moon positions (ECEF, metres), good to about
/// 0.01° in direction: ample for tides and phase wind-up. Series from the
/// Astronomical Almanac's low-precision formulae; Earth orientation by
/// Greenwich mean sidereal time only.
public enum SunMoon {
    /// Julian centuries since J2000.0 and GMST (rad) at a GPS time.
    static func epochTerms(_ time: GNSSTime) -> (centuries: Double, gmst: Double) {
        let utc = time - Double(LeapSeconds.gpsMinusUTC(at: time))
        // GPS epoch 1980-01-06 is JD 2444244.5.
        let jdUTC = 2_444_244.5 + utc.totalSeconds / 86_400
        let d = jdUTC - 2_451_545.0
        let ttCenturies = (d + (32.184 + 19) / 86_400) / 36_525
        var gmst = (280.460_618_37 + 360.985_647_366_29 * d).truncatingRemainder(dividingBy: 360)
        if gmst < 0 { gmst += 360 }
        return (ttCenturies, gmst * Constants.degreesToRadians)
    }

    private static func toECEF(eclipticLongitude lon: Double, latitude lat: Double, distance r: Double,
                               centuries t: Double, gmst: Double) -> ECEF {
        let eps = (23.439_291_11 - 0.013_004_2 * t) * Constants.degreesToRadians
        let xe = r * cos(lat) * cos(lon), ye = r * cos(lat) * sin(lon), ze = r * sin(lat)
        // Ecliptic → equatorial (rotation about x by −ε), then → Earth-fixed (rotation about z by GMST).
        let xq = xe
        let yq = ye * cos(eps) - ze * sin(eps)
        let zq = ye * sin(eps) + ze * cos(eps)
        return ECEF(xq * cos(gmst) + yq * sin(gmst), -xq * sin(gmst) + yq * cos(gmst), zq)
    }

    public static func sun(at time: GNSSTime) -> ECEF {
        let (t, gmst) = epochTerms(time)
        let deg = Constants.degreesToRadians
        let arcsec = deg / 3600
        let m = (357.5256 + 35_999.049 * t) * deg
        let lon = (282.94 * deg) + m + 6892 * arcsec * sin(m) + 72 * arcsec * sin(2 * m) + 1.3972 * t * deg
        let r = (149.619 - 2.499 * cos(m) - 0.021 * cos(2 * m)) * 1e9
        return toECEF(eclipticLongitude: lon, latitude: 0, distance: r, centuries: t, gmst: gmst)
    }

    public static func moon(at time: GNSSTime) -> ECEF {
        let (t, gmst) = epochTerms(time)
        let deg = Constants.degreesToRadians
        let arcsec = deg / 3600
        let l0 = (218.316_17 + 481_267.880_88 * t - 1.3972 * t) * deg
        let l = (134.962_92 + 477_198.867_53 * t) * deg
        let lp = (357.525_43 + 35_999.049_44 * t) * deg
        let f = (93.272_83 + 483_202.018_73 * t) * deg
        let d = (297.850_27 + 445_267.111_35 * t) * deg
        var lon = l0
        lon += 22_640 * arcsec * sin(l) + 769 * arcsec * sin(2 * l)
        lon += -4586 * arcsec * sin(l - 2 * d) + 2370 * arcsec * sin(2 * d)
        lon += -668 * arcsec * sin(lp) - 412 * arcsec * sin(2 * f)
        lon += -212 * arcsec * sin(2 * l - 2 * d) - 206 * arcsec * sin(l + lp - 2 * d)
        lon += 192 * arcsec * sin(l + 2 * d) - 165 * arcsec * sin(lp - 2 * d)
        lon += 148 * arcsec * sin(l - lp) - 125 * arcsec * sin(d)
        lon += -110 * arcsec * sin(l + lp) - 55 * arcsec * sin(2 * f - 2 * d)
        var lat = 18_520 * arcsec * sin(f + lon - l0 + 412 * arcsec * sin(2 * f) + 541 * arcsec * sin(lp))
        lat += -526 * arcsec * sin(f - 2 * d) + 44 * arcsec * sin(l + f - 2 * d)
        lat += -31 * arcsec * sin(-l + f - 2 * d) - 25 * arcsec * sin(-2 * l + f)
        lat += -23 * arcsec * sin(lp + f - 2 * d) + 21 * arcsec * sin(-l + f) + 11 * arcsec * sin(-lp + f - 2 * d)
        var r = 385_000.0 - 20_905 * cos(l) - 3699 * cos(2 * d - l) - 2956 * cos(2 * d)
        r += -570 * cos(2 * l) + 246 * cos(2 * l - 2 * d) - 205 * cos(lp - 2 * d)
        r += -171 * cos(l + 2 * d) - 152 * cos(l + lp - 2 * d)
        return toECEF(eclipticLongitude: lon, latitude: lat, distance: r * 1000, centuries: t, gmst: gmst)
    }
}
