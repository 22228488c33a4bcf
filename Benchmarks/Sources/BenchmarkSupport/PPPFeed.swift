import Foundation
import GNSSCore
import GNSSFormats

/// A reason a benchmark cannot run, said to its user.
public struct BenchmarkError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What PPP stations on SSR are sent: each second's observation epoch (one datagram, MSM7 of GPS and Galileo) and
/// the SSR datagrams to send before it, those whose time lies after the previous epoch up to this one (for the first
/// epoch, the 2 minutes before it); and the navigation file the corrections refer to.
public struct PPPFeed: Sendable {
    public var epochs: [[UInt8]] = []
    public var corrections: [[[UInt8]]] = []
    public var navigation: String
    public var first: GNSSTime?

    /// The feed of `seconds` epochs from `startOfDay` (seconds) of the day in `directory` (a RINEX observation file
    /// `*_MO.crx.gz`, its navigation file `*_MN.rnx.gz`, SP3 and clock files), with the SSR stream `gatewayd ssr
    /// encode` writes into `work` from those orbits and clocks (orbits every 60 s, clocks every 5 s, centre of mass):
    /// what a real-time analysis centre would send.
    public init(seconds: Int, startOfDay: Int, directory: String, gatewayd: String, work: String) throws {
        func file(_ suffix: String) -> String? { dataFile(suffix, in: directory) }
        guard let observations = file("_MO.crx.gz") ?? file("_MO.rnx.gz") ?? file("_MO.rnx"), let navigation = file("_MN.rnx.gz"),
              let orbits = file(".SP3.gz"), let clocks = file(".CLK.gz") else {
            throw BenchmarkError("\(directory) needs a RINEX observation file (_MO), its navigation file (_MN.rnx.gz), SP3 and clock files")
        }
        self.navigation = navigation
        let ssrPath = work + "/ssr.rtcm3"
        let encoder = Process()
        encoder.executableURL = URL(fileURLWithPath: gatewayd)
        encoder.arguments = ["ssr", "encode", "--nav", navigation, "--sp3", orbits, "--clk", clocks, "--systems", "G,E",
                             "--orbit-interval", "60", "--clock-interval", "5", "--out", ssrPath, "--quiet"]
        try encoder.run()
        encoder.waitUntilExit()
        guard encoder.terminationStatus == 0 else { throw BenchmarkError("gatewayd ssr encode failed") }
        var framer = RTCM3Framer()
        framer.append(try Data(contentsOf: URL(fileURLWithPath: ssrPath)))
        // One datagram per SSR epoch: its messages up to the one that says none follow.
        var batches: [(tow: Int, bytes: [UInt8])] = []
        var current: [UInt8] = []
        while let item = framer.next() {
            guard case .frame(let f) = item, let m = try? RTCM3SSRCodec.decode(payload: f.payload[...]) else { continue }
            current += f.bytes
            if !m.multipleMessage {
                batches.append((m.epochSeconds, current))
                current = []
            }
        }

        let reader = try RINEXObservationReader(path: observations)
        reader.systems = [.gps, .galileo]
        var start: GNSSTime?
        var previousTOW: Int?
        while epochs.count < seconds, let epoch = try reader.next() {
            let t = epoch.time
            if start == nil { start = GNSSTime(seconds: t.seconds - t.seconds % GNSSTime.secondsPerDay) + Double(startOfDay) }
            guard let start, !(t < start), !epoch.satellites.isEmpty else { continue }
            if first == nil { first = t }
            // The day lies inside one GPS week: times of week order it.
            let tow = Int(t.secondOfWeek)
            let after = previousTOW ?? tow - 120
            corrections.append(batches.filter { $0.tow > after && $0.tow <= tow }.map(\.bytes))
            epochs.append(try Self.msm7(epoch))
            previousTOW = tow
        }
        guard epochs.count == seconds else {
            throw BenchmarkError("\(observations) has \(epochs.count) epochs from the start: fewer than the \(seconds) asked for")
        }
    }

    /// An epoch as MSM7 frames, one datagram: per system as many messages as keep satellites × signals within an
    /// MSM's 64 cells (as receivers tracking every Galileo signal send them), the multiple-message bit set on all but
    /// the last.
    public static func msm7(_ epoch: ObservationEpoch) throws -> [UInt8] {
        var messages: [MSMMessage] = []
        for system in [GNSSSystem.gps, .galileo] {
            let own = epoch.satellites.filter { $0.satellite.system == system }
            let signals = Set(own.flatMap { $0.signals.map(\.signal) }).count
            guard signals > 0 else { continue }
            let perMessage = max(1, 64 / signals)
            for first in stride(from: 0, to: own.count, by: perMessage) {
                let part = Array(own[first..<min(first + perMessage, own.count)])
                let m = MSMMessage.make(system: system, msmType: 7, stationID: 1, time: epoch.time, multipleMessage: true, observations: part)
                if !m.cells.isEmpty { messages.append(m) }
            }
        }
        var bytes: [UInt8] = []
        for (i, var m) in messages.enumerated() {
            m.multipleMessage = i < messages.count - 1
            bytes += RTCM3Framer.frame(try m.encode())
        }
        return bytes
    }
}

/// The file of `directory` whose name ends with `suffix` (the first in name order).
public func dataFile(_ suffix: String, in directory: String) -> String? {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.sorted().first { $0.hasSuffix(suffix) }.map { directory + "/" + $0 }
}
