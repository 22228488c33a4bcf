import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits

/// Writes a simulated station's data as files: the observations as RINEX 4.02
/// (LEO satellites under the system letter `L`, signals 1C and 5Q), the truth as
/// CSV, and the LEO broadcast ephemerides as JSON lines.
public enum SimulationFiles {
    /// RINEX 4.02 observation text for the epochs.
    public static func rinex(_ epochs: [ObservationEpoch], marker: String, position: ECEF, interval: Double) -> String {
        let writer = RINEXObservationWriter(version: 4.02, markerName: marker, receiverType: "GNSS-SIM", antennaType: "SIMULATED",
                                            approximatePosition: position, interval: interval,
                                            observationTypes: RINEXObservationWriter.observationTypes(for: epochs))
        var text = writer.header(firstEpoch: epochs.first?.time)
        for e in epochs { text += writer.epoch(e) }
        return text
    }

    /// One line per epoch: GPS time, marker and antenna ECEF (m), receiver clock (s), zenith hydrostatic and wet delays (m), satellites.
    public static func truthCSV(_ truth: [EpochTruth]) -> String {
        var text = "time_gpst,marker_x,marker_y,marker_z,antenna_x,antenna_y,antenna_z,receiver_clock_s,zhd_m,zwd_m,satellites\n"
        for t in truth {
            text += String(format: "%@,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.12e,%.4f,%.4f,%d\n", t.time.iso8601(fractionDigits: 3),
                           t.marker.x, t.marker.y, t.marker.z, t.position.x, t.position.y, t.position.z, t.receiverClock,
                           t.zenithHydrostatic, t.zenithWet, t.satellites)
        }
        return text
    }

    /// One JSON object per LEO ephemeris.
    public static func ephemerisLines(_ ephemerides: [LEOEphemeris]) -> String {
        func list(_ v: [Double]) -> String { "[" + v.map { String(format: "%.17g", $0) }.joined(separator: ",") + "]" }
        return ephemerides.map { e in
            "{\"satellite\":\"\(e.satellite)\",\"reference\":\"\(e.reference.iso8601(fractionDigits: 3))\",\"gps_seconds\":\(e.reference.seconds),"
                + "\"half_width\":\(e.halfWidth),\"x\":\(list(e.x)),\"y\":\(list(e.y)),\"z\":\(list(e.z)),\"clock\":\(list(e.clock))}\n"
        }.joined()
    }
}
