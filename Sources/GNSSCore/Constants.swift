/// Physical and system constants (SI units).
public enum Constants {
    public static let speedOfLight = 299_792_458.0
    /// Earth rotation rate used by GPS, QZSS, Galileo, NavIC (IS-GPS-200), rad/s.
    public static let earthRotationGPS = 7.292_115_146_7e-5
    /// Earth rotation rate for BeiDou (CGCS2000), rad/s.
    public static let earthRotationBeiDou = 7.292_115e-5
    /// Earth rotation rate for GLONASS (PZ-90), rad/s.
    public static let earthRotationGLONASS = 7.292_115e-5
    /// Earth gravitational constants, m³/s².
    public static let gmGPS = 3.986_005e14
    public static let gmGalileo = 3.986_004_418e14
    public static let gmBeiDou = 3.986_004_418e14
    public static let gmGLONASS = 3.986_004_4e14
    /// Second zonal harmonic of PZ-90 for GLONASS orbit integration.
    public static let j2GLONASS = 1.082_625_75e-3
    /// Earth equatorial radius of PZ-90, m.
    public static let radiusGLONASS = 6_378_136.0
    public static let pi = 3.141_592_653_589_8
    /// Semicircles to radians (ICDs use π = 3.1415926535898).
    public static let semicircle = 3.141_592_653_589_8
    public static let degreesToRadians = Double.pi / 180
    public static let radiansToDegrees = 180 / Double.pi
}
