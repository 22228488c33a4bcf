import Foundation

/// Solid Earth tide displacement of a site (degree-2 Love and Shida numbers,
/// IERS Conventions 2010 §7.1.1 step 1, in-phase part), metres in ECEF.
public enum SolidEarthTide {
    static let gmEarth = 3.986_004_418e14
    static let gmSun = 1.327_124_400_41e20
    static let gmMoon = 4.902_800_066e12
    static let earthRadius = 6_378_136.6

    public static func displacement(site: ECEF, time: GNSSTime) -> ECEF {
        let r = site.norm
        guard r > 6.0e6 else { return .zero }
        let up = (1 / r) * site
        let g = site.geodetic()
        let s2 = sin(g.latitude) * sin(g.latitude)
        let h2 = 0.6078 - 0.0006 * (3 * s2 - 1) / 2
        let l2 = 0.0847 + 0.0002 * (3 * s2 - 1) / 2
        var total = ECEF.zero
        for (body, gm) in [(SunMoon.sun(at: time), gmSun), (SunMoon.moon(at: time), gmMoon)] {
            let rb = body.norm
            let unit = (1 / rb) * body
            let c = unit.dot(up)
            let scale = gm / gmEarth * pow(earthRadius, 4) / (rb * rb * rb)
            let radial = h2 * (1.5 * c * c - 0.5)
            let tangential = 3 * l2 * c
            total = total + scale * (radial * up + tangential * (unit - c * up))
        }
        return total
    }
}
