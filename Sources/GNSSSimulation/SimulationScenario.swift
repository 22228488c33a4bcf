import Foundation
import GNSSCore
import GNSSOrbits

/// A ground station of a scenario: its name, where it is, when it is blind,
/// and the reference station id its RTCM stream carries.
public struct SimulatedStation: Sendable {
    public var name: String
    public var trajectory: ReceiverTrajectory
    public var outages: [Outage]
    public var stationID: Int

    public init(name: String, trajectory: ReceiverTrajectory, outages: [Outage] = [], stationID: Int) {
        self.name = name
        self.trajectory = trajectory
        self.outages = outages
        self.stationID = stationID
    }
}

/// One epoch of a scenario: each ground station's observations and truth (in
/// the scenario's station order), and the onboard GNSS observations of the LEO
/// satellites whose downlink the gateway receives, when they are due.
public struct ScenarioEpoch {
    public var time: GNSSTime
    public var stations: [(observations: ObservationEpoch, truth: EpochTruth)]
    public var onboard: [(satellite: SatelliteID, observations: ObservationEpoch)]
}

/// Ground stations and LEO satellites under one sky over a span of time,
/// epoch by epoch. The LEO satellites' own GNSS receivers fly their orbits
/// above the troposphere and most of the ionosphere and see GNSS satellites
/// down to 20° below their local horizon; the gateway (at the first station)
/// hears the downlink of the LEO satellites above `downlinkMask`.
public struct SimulationScenario {
    public let start: GNSSTime
    public let duration: Double
    public let interval: Double
    public let stations: [SimulatedStation]
    public let gnss: any SatelliteSky
    public let leo: LEOSky?
    public let seed: UInt64
    public var onboardInterval: Double = 10
    /// Whether each LEO satellite's onboard receiver runs on the satellite's own clock (the one its signals carry), as
    /// on a satellite with one oscillator; off, the receiver has a clock of its own (the bundled fixture's way).
    public var onboardOnSatelliteClock = false
    public var downlinkMask = 10 * Constants.degreesToRadians
    /// The LEO broadcast ephemerides, fitted with the satellite segment's errors.
    public let leoEphemerides: [LEOEphemeris]

    public init(start: GNSSTime, duration: Double, interval: Double, stations: [SimulatedStation], gnss: any SatelliteSky,
                leo: Bool, seed: UInt64) {
        self.start = start
        self.duration = duration
        self.interval = interval
        self.stations = stations
        self.gnss = gnss
        self.seed = seed
        if leo {
            let sky = LEOSky(start: start - 300, span: duration + 600, seed: seed)
            self.leo = sky
            leoEphemerides = SatelliteSegment().ephemerides(sky: sky, from: start - 120, to: start + duration + 120, seed: seed &+ 1)
        } else {
            self.leo = nil
            leoEphemerides = []
        }
    }

    /// The epoch times.
    public var times: [GNSSTime] { stride(from: 0.0, to: duration, by: interval).map { start + $0 } }

    /// Runs the scenario, handing each epoch to `body` in time order.
    public func run(_ body: (ScenarioEpoch) throws -> Void) rethrows {
        let sky: any SatelliteSky = leo.map { CombinedSky([gnss, $0]) } ?? gnss
        var receivers = stations.enumerated().map { i, s in
            var model = SimulationModel()
            model.outages = s.outages
            // The first station keeps the seed a single-station run uses.
            return ObservationSynthesizer(sky: sky, trajectory: s.trajectory, model: model, seed: seed &+ 2 &+ UInt64(i) &* 1009)
        }
        var onboard: [SatelliteID: ObservationSynthesizer] = [:]
        var nextOnboard = start
        for time in times {
            var epoch = ScenarioEpoch(time: time, stations: [], onboard: [])
            for i in receivers.indices {
                let (observations, truth) = receivers[i].epoch(at: time)
                epoch.stations.append((observations, truth))
            }
            if let leo, time - nextOnboard >= -1e-6, let gateway = stations.first?.trajectory.position(at: time) {
                nextOnboard = nextOnboard + onboardInterval
                for sat in leo.satellites {
                    guard let p = leo.state(sat, at: time)?.position,
                          p.enu(relativeTo: gateway).azimuthElevation.elevation >= downlinkMask else { continue }
                    if onboard[sat] == nil {
                        var model = Self.onboardModel
                        model.satelliteClock = onboardOnSatelliteClock
                        onboard[sat] = ObservationSynthesizer(sky: gnss, trajectory: .onboard(sky: leo, satellite: sat),
                                                              model: model, seed: seed &+ 0x0B0A &+ UInt64(sat.prn))
                    }
                    let (observations, _) = onboard[sat]!.epoch(at: time)
                    if !observations.satellites.isEmpty { epoch.onboard.append((sat, observations)) }
                }
            }
            try body(epoch)
        }
    }

    /// The LEO ephemerides of satellites that rise above the horizon of some station during the scenario.
    public func ephemeridesInView() -> [LEOEphemeris] {
        guard let leo else { return [] }
        var seen: Set<SatelliteID> = []
        for time in stride(from: 0.0, through: duration, by: 30).map({ start + $0 }) {
            for s in stations {
                guard let site = s.trajectory.position(at: time) else { continue }
                for sat in leo.satellites where !seen.contains(sat) {
                    if let p = leo.state(sat, at: time)?.position, p.enu(relativeTo: site).azimuthElevation.elevation > -2 * Constants.degreesToRadians {
                        seen.insert(sat)
                    }
                }
            }
        }
        return leoEphemerides.filter { seen.contains($0.satellite) }
    }

    /// An onboard GNSS receiver: no troposphere, a thin plasmasphere, GNSS satellites down to the Earth's limb.
    public static let onboardModel: SimulationModel = {
        var m = SimulationModel()
        m.elevationMask = -20 * Constants.degreesToRadians
        m.troposphere = false
        m.ionosphere.nightTEC = 0.5
        m.ionosphere.dayTEC = 2
        m.codeMultipath = 0.05
        m.signals = m.signals.filter { $0.key == .gps || $0.key == .galileo }
        return m
    }()
}
