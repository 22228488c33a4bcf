import Foundation

/// Carrier-phase wind-up of a right-hand circularly polarised signal between
/// a satellite whose body axes follow the nominal yaw attitude and a receiver
/// antenna pointing north (Wu et al., 1993), in cycles, continuous over time.
public enum PhaseWindUp {
    /// The satellite's nominal yaw-steered body axes (unit vectors, ECEF): z to the Earth's centre, y normal to the
    /// Sun–satellite plane (along the solar panels' axis), x completing them; nil when the Sun is on the z axis.
    public static func bodyAxes(satellite rs: ECEF, sun: ECEF) -> (x: ECEF, y: ECEF, z: ECEF)? {
        let ez = (-1 / rs.norm) * rs
        let toSun = sun - rs
        let ey = cross(ez, (1 / toSun.norm) * toSun)
        guard ey.norm > 1e-12 else { return nil }
        let eyu = (1 / ey.norm) * ey
        return (cross(eyu, ez), eyu, ez)
    }

    public static func cycles(satellite rs: ECEF, receiver: LocalFrame, sun: ECEF, previous: Double?) -> Double {
        guard let (ex, eyu, _) = bodyAxes(satellite: rs, sun: sun) else { return previous ?? 0 }
        // Receiver: north and west unit vectors.
        let north = receiver.north
        let west = -1 * receiver.east
        let line = receiver.origin - rs
        let k = (1 / line.norm) * line
        let ds = ex - k.dot(ex) * k - cross(k, eyu)
        let dr = north - k.dot(north) * k + cross(k, west)
        let denominator = ds.norm * dr.norm
        guard denominator > 0 else { return previous ?? 0 }
        var cosPhi = ds.dot(dr) / denominator
        cosPhi = max(-1, min(1, cosPhi))
        var phi = acos(cosPhi) / (2 * Double.pi)
        if k.dot(cross(ds, dr)) < 0 { phi = -phi }
        if let previous { phi += (previous - phi).rounded() }
        return phi
    }

    static func cross(_ a: ECEF, _ b: ECEF) -> ECEF { a.cross(b) }
}
