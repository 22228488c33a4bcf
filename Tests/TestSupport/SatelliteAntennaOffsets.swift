import Foundation

/// The horizontal phase-centre offsets of the satellites whose antennas sit off their z axis, as an IGS ANTEX file
/// gives them (no ANTEX file is in ../shared/data).
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

    /// The text written to a temporary file of this process, whose path is returned.
    public func temporaryFile(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "antex-\(getpid())-\(name).atx"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
