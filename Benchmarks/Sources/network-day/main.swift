import BenchmarkSupport
import Foundation
import GNSSCore
import GNSSNetwork
import GNSSOrbits
import GNSSProducts
import GNSSSimulation
#if canImport(Glibc)
import Glibc
#endif

// A day of the DPC's network processing: `NetworkFeed`, as dpcd runs it, fed the RTCM 3 records of a simulated global
// network of reference stations (MSM7, 1005, the day's real broadcast ephemerides) and of the satellite segment's
// downlink (LEO ephemerides and onboard observations), under the real sky of 2020-06-25 (final orbits and clocks), as
// fast as it goes. Every `--sample-hours` it prints the process's resident memory, the filter's states, what the feed
// holds and has counted, and the processing's own seconds (the simulation and encoding are not counted); at the end the
// memory against its value after the first sample. The memory includes the simulation's, which is bounded by the
// stations and the constellation.
//
// Usage: network-day [--hours 23] [--stations 24] [--interval 10] [--update 30] [--sample-hours 1] [--no-leo] [--data DIR]
//                    [--high-rate S]
// (--interval: the stations' and the onboard receivers' observations, s; --update: the network filter's, s; --high-rate:
// the high-rate clocks' between updates, s, the observations' unless given, 0 for none)
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
var hours = 23.0
var stationCount = 24
var interval = 10.0
var update = 30.0
var highRate: Double?
var sampleHours = 1.0
var withLEO = true
var data = root.deletingLastPathComponent().appendingPathComponent("shared/data/ppp-esbc-2020177").path
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let a = arguments.next() {
    switch a {
    case "--hours": hours = Double(arguments.next() ?? "") ?? hours
    case "--stations": stationCount = max(4, Int(arguments.next() ?? "") ?? stationCount)
    case "--interval": interval = Double(arguments.next() ?? "") ?? interval
    case "--update": update = Double(arguments.next() ?? "") ?? update
    case "--high-rate": highRate = Double(arguments.next() ?? "") ?? 0
    case "--sample-hours": sampleHours = max(0.05, Double(arguments.next() ?? "") ?? sampleHours)
    case "--no-leo": withLEO = false
    case "--data": data = arguments.next() ?? data
    default:
        FileHandle.standardError.write(Data("network-day: unknown argument \(a)\n".utf8))
        exit(2)
    }
}
// The day's SP3 ends at 23:45: a day's run starts after midnight and stops short of it.
guard hours > 0, hours <= 23.25, interval > 0, update >= interval else {
    FileHandle.standardError.write(Data("network-day: --hours must be within (0, 23.25], --interval positive and --update not shorter\n".utf8))
    exit(2)
}

let products: Products
let carried: EphemerisStore
do {
    products = try Products.load(navigation: [], sp3: [data + "/GRG0MGXFIN_20201770000_01D_15M_ORB.SP3.gz"],
                                 clock: [data + "/GRG0MGXFIN_20201770000_01D_30S_CLK.CLK.gz"])
    carried = try SimulationFixture.ephemerides(directory: data)
} catch {
    FileHandle.standardError.write(Data("network-day: \(error)\n".utf8))
    exit(1)
}
let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 0, minute: 20), scale: .gps)!
let network = ReferenceNetwork.global.stations(count: stationCount)
let stations = network.enumerated().map { i, s in SimulatedStation(name: s.name, trajectory: .fixed(s.position), stationID: i) }
var scenario = SimulationScenario(start: start, duration: hours * 3600, interval: interval, stations: stations,
                                  gnss: PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo]), leo: withLEO, seed: 1)
scenario.onboardOnSatelliteClock = true
scenario.onboardInterval = interval

var writers = scenario.stations.map { StationStreamWriter(station: $0, ephemerides: carried) }
var segment = SatelliteSegmentStreamWriter(ephemerides: scenario.ephemeridesInView())
var feed = NetworkFeed(interval: update)
feed.highRate = (highRate ?? interval) > 0 ? (highRate ?? interval) : nil
let pid = getpid()
var processing = 0.0, ssrBytes = 0, records = 0
var firstSample: Double?
/// The processing's seconds and network epochs at the last sample: each line's figure is its own period's.
var lastSample = (processing: 0.0, epochs: 0)
var nextSample = start + sampleHours * 3600
let wallStart = ContinuousClock.now

/// A line on standard output at once (a redirected `print` waits for the buffer).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

@MainActor func feedRecord(_ name: String, _ time: GNSSTime, _ frames: [[UInt8]]) {
    guard !frames.isEmpty else { return }
    let clock = ContinuousClock.now
    let out = feed.add(station: name, time: time, rtcm: Array(frames.joined()))
    processing += (ContinuousClock.now - clock).inSeconds
    ssrBytes += out.reduce(0) { $0 + $1.count }
    records += 1
}

@MainActor func sample(_ time: GNSSTime) {
    let rss = residentMegabytes(pid: pid) ?? 0
    if firstSample == nil { firstSample = rss }
    let epochs = max(feed.processed - lastSample.epochs, 1), spent = processing - lastSample.processing
    lastSample = (processing, feed.processed)
    say(String(format: "%5.1f h  RSS %7.1f MB  states %5d  stations %3d  epochs %5d (late %d, high-rate %d)  LEO determined %3d, onboard epochs %6d (positioned %d, fitted %d)  SSR %7.0f KiB  processing %.3f s an update  wall %.0f s",
                 (time - start) / 3600, rss, feed.filter.stateCount, feed.networkStations.count, feed.processed, feed.late, feed.highRateEpochs,
                 feed.determinedLEO, feed.onboardEpochs, feed.onboardPositioned, feed.onboardFitted, Double(ssrBytes) / 1024, spent / Double(epochs), (ContinuousClock.now - wallStart).inSeconds))
}

say("global network of \(stationCount) stations, \(hours) h from \(start.iso8601(fractionDigits: 0)), observations every \(interval) s, "
    + "updates every \(update) s" + (feed.highRate.map { ", high-rate clocks every \($0) s" } ?? "") + ", GPS+Galileo"
      + (withLEO ? ", satellite segment downlink (LEO satellites above the first station's 10°)" : ""))
do {
    try scenario.run { epoch in
        for (i, station) in scenario.stations.enumerated() {
            feedRecord(station.name, epoch.time, try writers[i].frames(for: epoch.stations[i].observations))
        }
        if scenario.leo != nil {
            feedRecord("satellite-segment", epoch.time, try segment.frames(at: epoch.time, onboard: epoch.onboard))
        }
        if !(epoch.time < nextSample) {
            sample(epoch.time)
            nextSample = nextSample + sampleHours * 3600
        }
    }
} catch {
    FileHandle.standardError.write(Data("network-day: \(error)\n".utf8))
    exit(1)
}
let final = residentMegabytes(pid: pid) ?? 0
say(String(format: "%d records, %d network epochs in %.0f s of processing (%.1f epochs a second); resident memory %.1f MB after the first sample, %.1f MB at the end (%.2f×)",
             records, feed.processed, processing, Double(feed.processed) / max(processing, 1e-9), firstSample ?? 0, final,
             final / max(firstSample ?? final, 1e-9)))
