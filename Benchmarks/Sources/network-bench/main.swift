import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation

// The DPC's network processing: seconds per network epoch for global networks of growing size, on the real sky of
// 2020-06-25 (final orbits and clocks) with the day's broadcast ephemerides. Only the filter is timed; the simulated
// observations are made beforehand; then the high-rate clocks (epoch-differenced phase) every second until the next
// update, as stations at 1 Hz give them; then, with `--leo K`, the same network with K LEO satellites' onboard receivers
// in the filter (joint processing), against the ground stations alone in the same run.
// Run: (cd Benchmarks && swift run -c release network-bench [N …] [--leo K]).

let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/ppp-esbc-2020177").path
var arguments = Array(CommandLine.arguments.dropFirst())
var leoCount = 0
if let i = arguments.firstIndex(of: "--leo"), i + 1 < arguments.count {
    leoCount = Int(arguments[i + 1]) ?? 0
    arguments.removeSubrange(i...(i + 1))
}
let sizes = arguments.compactMap { Int($0) }
let counts = sizes.isEmpty ? [25, 50, 100] : sizes
let products: Products
do {
    products = try Products.load(navigation: [data + "/ESBC00DNK_R_20201770000_01D_MN.rnx.gz"],
                                 sp3: [data + "/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
                                 clock: [data + "/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"])
} catch {
    FileHandle.standardError.write(Data("network-bench: \(error)\n".utf8))
    exit(1)
}
let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 6), scale: .gps)!
let sky = PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo])
let warmUp = 10, timed = 20, interval = 30.0
print("network epochs every \(Int(interval)) s, GPS+Galileo, \(warmUp) epochs of warm-up then \(timed) timed")
for n in counts {
    let stations = ReferenceNetwork.global.stations(count: n)
    var receivers = stations.enumerated().map { i, s in
        ObservationSynthesizer(sky: sky, station: s.position, model: NetworkExperiment.referenceStationModel, seed: UInt64(i + 1))
    }
    let epochs = (0..<(warmUp + timed)).map { k -> (GNSSTime, [Int: ObservationEpoch]) in
        let t = start + Double(k) * interval
        var observations: [Int: ObservationEpoch] = [:]
        for i in receivers.indices { observations[i] = receivers[i].epoch(at: t).0 }
        return (t, observations)
    }
    func timedFilter(onboard: [[SatelliteID: ObservationEpoch]] = [], leo: LEOEphemerisStore? = nil) -> (NetworkFilter, Double) {
        var filter = NetworkFilter(stations: stations)
        filter.options.maximumLEOReceivers = max(leoCount, 1)
        var seconds = 0.0
        for (k, (t, observations)) in epochs.enumerated() {
            let clock = ContinuousClock.now
            _ = filter.process(time: t, observations: observations, ephemerides: products.ephemerides,
                               onboard: onboard.isEmpty ? [:] : onboard[k], leoEphemerides: leo)
            if k >= warmUp { seconds += (ContinuousClock.now - clock).inSeconds }
        }
        return (filter, seconds / Double(timed))
    }
    let (filter, perEpoch) = timedFilter()
    print(String(format: "%4d stations: %4d states, %.3f s an epoch (%.1f epochs/s); real time at intervals from %.1f s",
                 n, filter.stateCount, perEpoch, 1 / perEpoch, perEpoch))
    // Stations at 1 Hz: the high-rate clocks every second after the last update, until the next.
    let last = epochs[epochs.count - 1].0
    let seconds1Hz = (1..<Int(interval)).map { k -> (GNSSTime, [Int: ObservationEpoch]) in
        let t = last + Double(k)
        var observations: [Int: ObservationEpoch] = [:]
        for i in receivers.indices { observations[i] = receivers[i].epoch(at: t).0 }
        return (t, observations)
    }
    var clocks = EpochDifferencedClocks()
    clocks.restart(at: last, estimates: filter.estimates.filter { $0.time == last })
    _ = clocks.process(time: last, observations: epochs[epochs.count - 1].1, stations: stations)
    var highRate = 0.0, satellites = 0
    for (t, observations) in seconds1Hz {
        let clock = ContinuousClock.now
        let epoch = clocks.process(time: t, observations: observations, stations: stations)
        highRate += (ContinuousClock.now - clock).inSeconds
        satellites = max(satellites, epoch.changes.count)
    }
    let perSecond = highRate / Double(seconds1Hz.count)
    print(String(format: "      high-rate clocks: %.1f ms an epoch (%d satellites); at 1 Hz with an update every %d s: %.0f %% of a core",
                 perSecond * 1000, satellites, Int(interval), (perEpoch + perSecond * Double(seconds1Hz.count)) / interval * 100))
    guard leoCount > 0 else { continue }
    // The same epochs with LEO satellites' onboard receivers in the filter.
    let leoSky = LEOSky(start: start - 300, span: Double(warmUp + timed) * interval + 600, seed: 7)
    var leoStore = LEOEphemerisStore()
    for e in NetworkExperiment.realisticSegment.ephemerides(sky: leoSky, from: start - 120, to: start + Double(warmUp + timed) * interval + 120,
                                                             seed: 8) { leoStore.add(e) }
    var model = SimulationScenario.onboardModel
    model.satelliteClock = true
    let chosen = Array(leoSky.satellites.prefix(leoCount))
    var onboardReceivers = chosen.map { sat in
        ObservationSynthesizer(sky: sky, trajectory: .onboard(sky: leoSky, satellite: sat), model: model, seed: UInt64(sat.prn) &+ 500)
    }
    let onboard = epochs.map { t, _ in
        Dictionary(uniqueKeysWithValues: chosen.indices.map { (chosen[$0], onboardReceivers[$0].epoch(at: t).0) })
    }
    let (joint, jointPerEpoch): (NetworkFilter, Double) = timedFilter(onboard: onboard, leo: leoStore)
    print(String(format: "      with %d LEO satellites' onboard receivers: %4d states, %.3f s an epoch (%.1f× the ground stations alone)",
                 leoCount, joint.stateCount, jointPerEpoch, jointPerEpoch / perEpoch))
}
