import Foundation

/// Satellite antenna phase-centre offsets written as ANTEX (no ANTEX file is in ../shared/data): the horizontal ones
/// of the satellites whose antennas sit off their z axis, as an IGS ANTEX file gives them, and a made-up radial one.
extension ANTEXText {
    /// The GPS Block IIF satellites of June 2020 (PRNs of SVN 62–73).
    public static let gpsBlockIIF = [25, 1, 30, 24, 27, 6, 9, 3, 32, 26, 8, 10]
    /// Galileo IOV satellites by PRN (the others of 2020 are FOC).
    public static let galileoIOV = [11, 12, 19, 20]

    /// Horizontal phase-centre offsets (x, towards the Sun side of the yaw-steered body): GPS Block IIF 394 mm (the
    /// manufacturer's value IGS files carry), Galileo IOV 200 mm (the MGEX convention), Galileo FOC `galileoFOC` mm
    /// (the antenna reference point of the published Galileo metadata sits about 120 mm off the axis). No z offsets
    /// and no variations: the z offsets move a kinematic solution by millimetres.
    public static func satelliteHorizontalOffsets(galileoFOC: Double?) -> ANTEXText {
        var a = ANTEXText()
        let from = "  2000     1     1     0     0    0.0000000"
        func name(_ letter: String, _ prn: Int) -> String { letter + (prn < 10 ? "0" : "") + String(prn) }
        for prn in gpsBlockIIF {
            a.antenna(type: "BLOCK IIF", serial: name("G", prn), zenith: (0, 17, 1), validFrom: from,
                      frequencies: ["G01", "G02"].map { ($0, (394, 0, 0), [Double](repeating: 0, count: 18)) })
        }
        guard let galileoFOC else { return a }
        for prn in 1...36 {
            let x = galileoIOV.contains(prn) ? 200 : galileoFOC
            a.antenna(type: "GALILEO", serial: name("E", prn), zenith: (0, 17, 1), validFrom: from,
                      frequencies: ["E01", "E05"].map { ($0, (x, 0, 0), [Double](repeating: 0, count: 18)) })
        }
        return a
    }

    /// Every GPS satellite's phase centre 1.5 m from its centre of mass towards the Earth on L1 and L2, no variations.
    public static func gpsSatellitesOffset1500() -> ANTEXText {
        var satellites = ANTEXText()
        for prn in 1...32 {
            satellites.antenna(type: "BLOCK TEST", serial: "G" + (prn < 10 ? "0" : "") + String(prn), zenith: (0, 17, 1),
                               validFrom: "  2000     1     1     0     0    0.0000000",
                               frequencies: ["G01", "G02"].map { ($0, (0, 0, 1500), [Double](repeating: 0, count: 18)) })
        }
        return satellites
    }

    /// The text written to a temporary file of this process, whose path is returned.
    public func temporaryFile(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "antex-\(getpid())-\(name).atx"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
