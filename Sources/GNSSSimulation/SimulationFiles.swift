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
            "{\"satellite\":\"\(e.satellite)\",\"issue\":\(e.issue),\"reference\":\"\(e.reference.iso8601(fractionDigits: 3))\",\"gps_seconds\":\(e.reference.seconds),"
                + "\"half_width\":\(e.halfWidth),\"x\":\(list(e.x)),\"y\":\(list(e.y)),\"z\":\(list(e.z)),\"clock\":\(list(e.clock))}\n"
        }.joined()
    }
}

extension SimulationFiles {
    /// Every file of a scenario, by name, in a fixed order: per station its RTCM 3 stream
    /// (`NAME.rtcm3`, carrying `ephemerides` when given), its truth (`NAME-truth.csv`) and, with
    /// `rinex`, its RINEX 4.02 observations (`NAME.rnx`) and the GNSS ephemerides as RINEX 4.02
    /// navigation (`nav.rnx`); with LEO satellites, the satellite
    /// segment's stream (`satellite-segment.rtcm3`) and the LEO ephemerides as JSON lines.
    /// `progress` hears each epoch's time.
    public static func make(_ scenario: SimulationScenario, ephemerides: EphemerisStore?, rinex: Bool,
                            progress: (GNSSTime) -> Void = { _ in }) throws(FormatError) -> [(name: String, bytes: [UInt8])] {
        var streams = scenario.stations.map { StationStreamWriter(station: $0, ephemerides: ephemerides) }
        let inView = scenario.ephemeridesInView()
        var segment = SatelliteSegmentStreamWriter(ephemerides: inView)
        var rtcm = [[UInt8]](repeating: [], count: scenario.stations.count)
        var downlink: [UInt8] = []
        var epochs = [[ObservationEpoch]](repeating: [], count: scenario.stations.count)
        var truths = [[EpochTruth]](repeating: [], count: scenario.stations.count)
        var failure: FormatError?
        scenario.run { epoch in
            guard failure == nil else { return }
            progress(epoch.time)
            do throws(FormatError) {
                for (i, station) in epoch.stations.enumerated() {
                    rtcm[i] += try streams[i].frames(for: station.observations).joined()
                    truths[i].append(station.truth)
                    if rinex { epochs[i].append(station.observations) }
                }
                if scenario.leo != nil { downlink += try segment.frames(at: epoch.time, onboard: epoch.onboard).joined() }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        var files: [(name: String, bytes: [UInt8])] = []
        for (i, s) in scenario.stations.enumerated() {
            files.append((s.name + ".rtcm3", rtcm[i]))
            files.append((s.name + "-truth.csv", Array(truthCSV(truths[i]).utf8)))
            if rinex {
                let position = s.trajectory.position(at: scenario.start) ?? .zero
                files.append((s.name + ".rnx", Array(Self.rinex(epochs[i], marker: s.name, position: position, interval: scenario.interval).utf8)))
            }
        }
        if rinex, let ephemerides {
            // The GNSS broadcast ephemerides in force during the scenario, as RINEX 4.02 navigation.
            let end = scenario.start + scenario.duration
            let kepler = ephemerides.satellites.flatMap { ephemerides.all(for: $0) }.compactMap { e -> KeplerEphemeris? in
                guard case .kepler(let k) = e, k.toe - scenario.start > -e.validity, k.toe - end < e.validity else { return nil }
                return k
            }
            files.append(("nav.rnx", Array(RINEXNavigationWriter().file(kepler).utf8)))
        }
        if scenario.leo != nil {
            files.append(("satellite-segment.rtcm3", downlink))
            files.append(("leo-ephemerides.jsonl", Array(ephemerisLines(inView).utf8)))
        }
        return files
    }
}
