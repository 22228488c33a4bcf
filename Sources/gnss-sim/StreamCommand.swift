import ArgumentParser
import DaemonSupport
import Foundation
import GNSSCore
import GNSSSimulation

struct StreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Simulate stations and the satellite segment and send their RTCM 3 streams over UDP, one destination each, at real time or faster.",
        discussion: """
            Each --to names a station of the scenario, or satellite-segment for the LEO downlink, and where its stream goes:
              gnss-sim stream --station REF0@52.2,8.2,60 --to REF0=127.0.0.1:5001 --to satellite-segment=127.0.0.1:5009
            An epoch's frames leave together, packed into datagrams of at most --datagram bytes (a frame is never split).
            """
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(name: .customLong("to"), help: "NAME=HOST:PORT: where a station's (or satellite-segment's) stream goes; repeat.")
    var destinations: [String] = []

    @Option(help: "Simulated seconds per second of wall time (1: real time; 0: as fast as possible).")
    var speed = 1.0

    @Option(help: "Largest datagram, bytes.")
    var datagram = 1400

    static let segmentName = "satellite-segment"

    func run() throws {
        let (s, ephemerides) = try scenario.scenario()
        var senders: [String: DatagramSender] = [:]
        for text in destinations {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let address = NetworkAddress(parts[1]) else { throw ValidationError("--to \(text): expected NAME=HOST:PORT") }
            guard s.stations.contains(where: { $0.name == parts[0] }) || (parts[0] == Self.segmentName && s.leo != nil) else {
                throw ValidationError("--to \(text): \(parts[0]) is not a station of the scenario (nor \(Self.segmentName))")
            }
            senders[parts[0]] = try DatagramSender(to: address)
        }
        guard !senders.isEmpty else { throw ValidationError("give at least one --to NAME=HOST:PORT") }
        guard speed >= 0, datagram >= 64 else { throw ValidationError("--speed must not be negative and --datagram at least 64") }

        var writers = s.stations.map { StationStreamWriter(station: $0, ephemerides: ephemerides) }
        var segment = SatelliteSegmentStreamWriter(ephemerides: s.ephemeridesInView())
        let wallStart = Date()
        var sent = (datagrams: 0, bytes: 0)
        StandardError.writeLine("streaming \(s.times.count) epochs at \(speed == 0 ? "full speed" : "\(speed)× real time") to "
            + senders.map { "\($0.key) → \($0.value.destination)" }.sorted().joined(separator: ", "))
        try s.run { epoch in
            if speed > 0 {
                let due = wallStart.addingTimeInterval((epoch.time - s.start) / speed)
                let wait = due.timeIntervalSinceNow
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
            for (i, station) in s.stations.enumerated() {
                let frames = try writers[i].frames(for: epoch.stations[i].observations)
                if let sender = senders[station.name] { send(frames, sender, &sent) }
            }
            if s.leo != nil {
                let frames = try segment.frames(at: epoch.time, onboard: epoch.onboard)
                if let sender = senders[Self.segmentName] { send(frames, sender, &sent) }
            }
            if (epoch.time - s.start).truncatingRemainder(dividingBy: 60) < s.interval / 2 {
                StandardError.writeLine("  \(epoch.time.iso8601(fractionDigits: 0)): \(sent.datagrams) datagrams, \(sent.bytes / 1024) KiB sent")
            }
        }
        StandardError.writeLine("done: \(sent.datagrams) datagrams, \(sent.bytes) bytes")
    }

    /// Sends whole frames packed into datagrams of at most `datagram` bytes (a larger frame goes alone).
    private func send(_ frames: [[UInt8]], _ sender: DatagramSender, _ sent: inout (datagrams: Int, bytes: Int)) {
        for packet in DatagramSender.pack(frames, limit: datagram) {
            sender.send(packet)
            sent.datagrams += 1
            sent.bytes += packet.count
        }
    }
}
