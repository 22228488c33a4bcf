import Foundation
import GNSSCore
import GNSSFormats
import Gateway
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// What `gatewayd replay --config` prints is what the daemon computes from the same data: RTK and PPP of real
/// observations, written as MSM7 and sent over UDP to a running gatewayd, give the same solutions, byte for byte, as
/// the replay of the same captures. The epochs go one at a time (a base epoch before the rover's of the same time, as
/// `replay --config` orders them), each once the previous one is assembled, so that the order the stations' tasks see
/// them in is the replay's.
@Suite("Live RTK and PPP agree with replay --config", .serialized, .enabled(if: SharedData.available, "needs ../shared/data"))
struct LiveParityTests {
    static let data = SharedData.path("rtk-0759-3040")

    /// A RINEX observation file's GPS epochs as MSM7, one datagram each. These receivers' carrier phases start
    /// anywhere, not near the pseudorange as MSM needs them: each arc's phase is moved by a whole number of cycles to
    /// its first pseudorange (as an RTCM encoder does), which the ambiguities take up.
    static func msm7Epochs(_ path: String) throws -> [[UInt8]] {
        let reader = try RINEXObservationReader(path: path)
        reader.systems = [.gps]
        var epochs: [[UInt8]] = []
        var cycles: [SatelliteID: [SignalCode: Double]] = [:]
        while var epoch = try reader.next() {
            guard !epoch.satellites.isEmpty else { continue }
            for i in epoch.satellites.indices {
                let satellite = epoch.satellites[i].satellite
                for j in epoch.satellites[i].signals.indices {
                    let s = epoch.satellites[i].signals[j]
                    guard let phase = s.carrierPhase, let range = s.pseudorange,
                          let lambda = CarrierFrequency.wavelength(system: .gps, band: s.signal.band) else { continue }
                    // A new arc: lock lost, or the phase away from the range (a gap the file does not flag).
                    if s.lli & 1 != 0 || abs(phase - (cycles[satellite]?[s.signal] ?? .infinity) - range / lambda) > 1000 {
                        cycles[satellite, default: [:]][s.signal] = (phase - range / lambda).rounded()
                    }
                    epoch.satellites[i].signals[j].carrierPhase = phase - cycles[satellite]![s.signal]!
                }
            }
            let m = MSMMessage.make(system: .gps, msmType: 7, stationID: 1, time: epoch.time, multipleMessage: false,
                                    observations: epoch.satellites)
            epochs.append(RTCM3Framer.frame(try m.encode()))
        }
        return epochs
    }

    static func configuration(stations: String, metricsPort: Int) -> String {
        """
        gateway_id: live-parity
        control_socket: ./ctl.sock
        metrics: 127.0.0.1:\(metricsPort)
        state_directory: ./state
        products: {navigation: [\(data)/07590920.05n]}
        solutions:
          directory: ./live
          format: json
        stations:
        \(stations)
        """
    }

    /// Replays the captures with `replay --config`, then feeds them to a running gatewayd epoch by epoch (`feeds`:
    /// station, its UDP port and its epochs, in the order sent at each time); the replayed and the live JSON of
    /// `station`.
    static func replayAndLive(_ name: String, stations: String, feeds: [(station: String, port: Int, epochs: [[UInt8]])],
                              station: String) throws -> (replay: String, live: String) {
        let dir = makeWorkDirectory(name)
        let metricsPort = try ScriptedCasterTests.freePort()
        _ = FileManager.default.createFile(atPath: dir + "/gateway.yaml",
                                           contents: Data(configuration(stations: stations, metricsPort: metricsPort).utf8))
        var inputs: [String] = []
        for feed in feeds {
            let path = dir + "/\(feed.station).rtcm3"
            _ = FileManager.default.createFile(atPath: path, contents: Data(feed.epochs.joined()))
            inputs += ["--input", "\(feed.station)=\(path)"]
        }
        let r = try DaemonProcess.run("gatewayd", ["replay", "--config", "gateway.yaml", "--format", "json", "--out", "replay", "--quiet"]
                                      + inputs, directory: dir)
        #expect(r.status == 0, "\(r.error)")

        let gatewayd = try DaemonProcess("gatewayd", ["run", "--config", "gateway.yaml"], directory: dir)
        defer { gatewayd.stop() }
        #expect(eventually { (try? control("ctl.sock", ["status"], directory: dir))?["ready"] as? Bool == true }, "\(gatewayd.output)")
        let sender = UDPSender()
        defer { sender.close() }
        func assembled(_ station: String) -> Int {
            Int(metric(httpGet(port: metricsPort, path: "/metrics") ?? "", "gateway_epochs_total{station=\"\(station)\"}") ?? -1)
        }
        for k in 0..<(feeds.map(\.epochs.count).max() ?? 0) {
            for feed in feeds where k < feed.epochs.count {
                sender.send(feed.epochs[k], to: feed.port)
                #expect(eventually(seconds: 10) { assembled(feed.station) == k + 1 }, "\(feed.station) epoch \(k + 1)")
            }
        }
        gatewayd.signal(SIGTERM)
        #expect(gatewayd.wait() == 0)
        let replay = (try? String(contentsOfFile: dir + "/replay/\(station).json", encoding: .utf8)) ?? ""
        let live = (try? String(contentsOfFile: dir + "/live/\(station).json", encoding: .utf8)) ?? ""
        return (replay, live)
    }

    @Test("RTK of 0759 against 3040 (GPS), live over UDP and replayed: the same bytes")
    func rtk() throws {
        let base = try Self.msm7Epochs("\(Self.data)/30400920.05o")
        let rover = try Self.msm7Epochs("\(Self.data)/07590920.05o")
        let udp = try Demo.freeUDPPorts(2)
        let (basePort, roverPort) = (udp[0], udp[1])
        let (replay, live) = try Self.replayAndLive("live-parity-rtk", stations: """
              - name: B3040
                listen: 127.0.0.1:\(basePort)
                role: reference
                processing: none
                position: [-3978242.4348, 3382841.1715, 3649902.7667]
              - name: R0759
                listen: 127.0.0.1:\(roverPort)
                processing: rtk
                reference: B3040
                systems: [G]
            """, feeds: [("B3040", basePort, base), ("R0759", roverPort, rover)], station: "R0759")
        #expect(EngineParityTests.quality(replay, "fixed") > 100, "\(replay.prefix(2000))")
        #expect(live == replay)
    }

    @Test("PPP of 0759 on broadcast ephemerides (GPS), live over UDP and replayed: the same bytes")
    func ppp() throws {
        let port = try Demo.freeUDPPort()
        let (replay, live) = try Self.replayAndLive("live-parity-ppp", stations: """
              - name: S0759
                listen: 127.0.0.1:\(port)
                role: reference
                processing: ppp
                systems: [G]
            """, feeds: [("S0759", port, try Self.msm7Epochs("\(Self.data)/07590920.05o"))], station: "S0759")
        #expect(EngineParityTests.quality(replay, "single") > 100, "\(replay.prefix(2000))")
        #expect(live == replay)
    }
}
