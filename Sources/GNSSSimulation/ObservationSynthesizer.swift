import Foundation
import GNSSCore
import GNSSOrbits

/// What the simulator knows that a receiver does not, per epoch.
public struct EpochTruth: Sendable, Hashable {
    public var time: GNSSTime
    /// The antenna's true position (with the solid Earth tide), and the marker's without it.
    public var position: ECEF
    public var marker: ECEF
    /// Receiver clock offset, seconds.
    public var receiverClock: Double
    /// Zenith hydrostatic and wet delays, metres.
    public var zenithHydrostatic: Double
    public var zenithWet: Double
    public var satellites: Int
}

/// Error and signal settings of a simulation.
public struct SimulationModel: Sendable {
    public var elevationMask = 7 * Constants.degreesToRadians
    /// Zenith code and phase noise, metres, scaled by 1/sin(elevation).
    public var codeNoise = 0.25
    public var phaseNoise = 0.002
    /// Code multipath: amplitude at the horizon (metres), slowly varying.
    public var codeMultipath = 0.3
    /// Probability per satellite and epoch of a cycle slip (flagged with LLI).
    public var slipProbability = 2e-5
    /// Receiver clock random walk, s/√s, around a constant offset.
    public var receiverClockWalk = 1e-9
    public var receiverClockOffset = 1e-4
    /// An onboard receiver that runs on its satellite's own clock (the navigation payload's oscillator): its clock is the
    /// sky's clock of that satellite, and the walk and offset above do not apply.
    public var satelliteClock = false
    public var ionosphere = IonosphereTruth()
    public var troposphere = true
    /// Spans with no observations at all (antenna blocked, receiver reset): every track restarts after one.
    public var outages: [Outage] = []
    /// Signals per system: (primary, secondary) RINEX codes.
    public var signals: [GNSSSystem: [SignalCode]] = [
        .gps: [SignalCode("1C"), SignalCode("2W")].compactMap { $0 },
        .galileo: [SignalCode("1C"), SignalCode("5Q")].compactMap { $0 },
        .beidou: [SignalCode("2I"), SignalCode("6I")].compactMap { $0 },
        .leo: [SignalCode("1C"), SignalCode("5Q")].compactMap { $0 },
    ]

    public init() {}
}

/// A span of time, inclusive at both ends, when a receiver records nothing.
public struct Outage: Sendable, Hashable {
    public var start: GNSSTime
    public var end: GNSSTime

    public init(start: GNSSTime, end: GNSSTime) {
        self.start = start
        self.end = end
    }

    public func contains(_ t: GNSSTime) -> Bool { t - start >= 0 && end - t >= 0 }
}

/// Makes one station's observations from true geometry: for each epoch and
/// satellite above the mask, code, phase, Doppler and C/N0 on each signal,
/// from the light-time range with Earth rotation, satellite and receiver
/// clocks, troposphere, ionosphere (opposite signs on code and phase, scaled by
/// 1/f²), integer ambiguities, phase wind-up, elevation-dependent noise and
/// multipath, and cycle slips. Deterministic for a seed.
public struct ObservationSynthesizer {
    public let sky: any SatelliteSky
    public let trajectory: ReceiverTrajectory
    public var model: SimulationModel
    private let seed: UInt64
    private var random: SimulationRandom
    private var troposphere: TroposphereTruth
    private var clock: Double
    private var lastTime: GNSSTime?
    private var ambiguities: [SatelliteID: [Double]] = [:]
    private var windUp: [SatelliteID: Double] = [:]
    private var multipathPhase: [SatelliteID: Double] = [:]

    public init(sky: any SatelliteSky, station marker: ECEF, model: SimulationModel = SimulationModel(), seed: UInt64) {
        self.init(sky: sky, trajectory: .fixed(marker), model: model, seed: seed)
    }

    public init(sky: any SatelliteSky, trajectory: ReceiverTrajectory, model: SimulationModel = SimulationModel(), seed: UInt64) {
        self.sky = sky
        self.trajectory = trajectory
        self.model = model
        self.seed = seed
        random = SimulationRandom(seed: seed)
        troposphere = TroposphereTruth(seed: seed ^ 0x7E0)
        clock = model.receiverClockOffset
    }

    /// The observations and the truth at `time`; an epoch without satellites during an outage or
    /// where the trajectory is undefined.
    public mutating func epoch(at time: GNSSTime) -> (ObservationEpoch, EpochTruth) {
        if let last = lastTime { clock += random.gaussian(model.receiverClockWalk * max(0, time - last).squareRoot()) }
        lastTime = time
        if model.satelliteClock, case .onboard(let sky, let satellite) = trajectory, let s = sky.state(satellite, at: time) { clock = s.clock }
        let ground = trajectory.onGround
        // A satellite's receiver is where it was when the signals arrived: its clock offset before the epoch it stamps
        // (7 m/s of orbit make that millimetres a microsecond).
        let arrival = ground ? time : time - clock
        guard let marker = trajectory.position(at: arrival), !model.outages.contains(where: { $0.contains(time) }) else {
            ambiguities.removeAll()
            windUp.removeAll()
            let nowhere = trajectory.position(at: time) ?? .zero
            return (ObservationEpoch(time: time, satellites: []),
                    EpochTruth(time: time, position: nowhere, marker: nowhere, receiverClock: clock, zenithHydrostatic: 0, zenithWet: 0,
                               satellites: 0))
        }
        let site = ground ? marker + SolidEarthTide.displacement(site: marker, time: time) : marker
        let frame = LocalFrame(origin: site)
        let geodetic = frame.geodetic
        let zenith = ground ? troposphere.zenith(at: time, receiver: geodetic) : (hydrostatic: 0, wet: 0)
        let sun = SunMoon.sun(at: time)
        let c = Constants.speedOfLight
        var satellites: [SatelliteObservation] = []
        for sat in sky.satellites {
            guard let signals = model.signals[sat.system], signals.count >= 1 else { continue }
            // The epoch is stamped in receiver time; the signal arrived at receiver time minus the receiver clock offset.
            guard let (range, position, satClock, rate) = lightTimeRange(sat, time: time - clock, site: site) else { continue }
            let azel = frame.enu(position).azimuthElevation
            guard azel.elevation >= model.elevationMask else {
                ambiguities[sat] = nil
                windUp[sat] = nil
                continue
            }
            let mapping = NiellMapping.factors(receiver: geodetic, elevation: max(azel.elevation, 0.05), time: time)
            let tropo = model.troposphere && ground ? zenith.hydrostatic * mapping.hydrostatic + zenith.wet * mapping.wet : 0
            let tec = model.ionosphere.slantTEC(time: time, receiver: geodetic, elevation: max(azel.elevation, 0.05), azimuth: azel.azimuth)
            let cycles = PhaseWindUp.cycles(satellite: position, receiver: frame, sun: sun, previous: windUp[sat])
            windUp[sat] = cycles
            var slipped = false
            if ambiguities[sat] == nil || random.uniform() < model.slipProbability {
                slipped = ambiguities[sat] != nil
                // A receiver starts counting cycles near the code range, so the phase stays within the
                // ±1171 m of the code that RTCM MSM can carry: a small whole number of cycles.
                ambiguities[sat] = signals.map { _ in (random.uniform() * 200 - 100).rounded() }
            }
            let weight = 1 / max(sin(azel.elevation), 0.05)
            let mpPhase = multipathPhase[sat] ?? random.uniform() * 2 * .pi
            multipathPhase[sat] = mpPhase
            // Multipath: strongest near the horizon, oscillating with a 10-minute period per satellite.
            let secondOfDay = Double(time.seconds % 86_400) + time.fraction
            let multipath = model.codeMultipath * cos(azel.elevation) * cos(mpPhase + secondOfDay * 2 * .pi / 600)
            let geometric = range + c * (clock - satClock) + tropo
            var observations: [SignalObservation] = []
            for (i, code) in signals.enumerated() {
                guard let f = CarrierFrequency.of(system: sat.system, band: code.band) else { continue }
                let lambda = c / f
                let iono = IonosphereTruth.delay(tec: tec, frequency: f)
                let pseudorange = geometric + iono + multipath + random.gaussian(model.codeNoise * weight)
                let phaseMetres = geometric - iono + lambda * ((ambiguities[sat]?[i] ?? 0) + cycles) + random.gaussian(model.phaseNoise * weight)
                let doppler = -rate / lambda
                let cn0 = 35 + 15 * sin(azel.elevation) + random.gaussian(1)
                observations.append(SignalObservation(signal: code, pseudorange: pseudorange, carrierPhase: phaseMetres / lambda,
                                                      doppler: doppler, cn0: (cn0 * 4).rounded() / 4, lli: slipped ? 1 : 0))
            }
            satellites.append(SatelliteObservation(satellite: sat, signals: observations))
        }
        let truth = EpochTruth(time: time, position: site, marker: marker, receiverClock: clock, zenithHydrostatic: zenith.hydrostatic,
                               zenithWet: zenith.wet, satellites: satellites.count)
        return (ObservationEpoch(time: time, satellites: satellites), truth)
    }

    /// The carrier phase `sat` is tracked with now, if it is: each signal's whole cycles (the ambiguity) and the
    /// phase wind-up, cycles.
    public func carrier(of sat: SatelliteID) -> (cycles: [SignalCode: Double], windUp: Double)? {
        guard let cycles = ambiguities[sat], let windUp = windUp[sat], let signals = model.signals[sat.system] else { return nil }
        return (Dictionary(zip(signals, cycles), uniquingKeysWith: { first, _ in first }), windUp)
    }

    /// The geometric range from the satellite's position at transmission (rotated with the Earth
    /// during the signal's flight) to the receiver at `time`, with that position, the satellite
    /// clock at transmission, and the range rate.
    func lightTimeRange(_ sat: SatelliteID, time: GNSSTime, site: ECEF) -> (Double, ECEF, Double, Double)? {
        let c = Constants.speedOfLight
        var tau = 0.075
        var result: (Double, ECEF, Double)?
        for _ in 0..<4 {
            guard let s = sky.state(sat, at: time - tau) else { return nil }
            let theta = Constants.earthRotationGPS * tau
            let p = ECEF(cos(theta) * s.position.x + sin(theta) * s.position.y, -sin(theta) * s.position.x + cos(theta) * s.position.y,
                         s.position.z)
            let range = (p - site).norm
            result = (range, p, s.clock)
            tau = range / c
        }
        guard let (range, position, satClock) = result else { return nil }
        // Range rate by differencing the geometry over ±0.5 s (Doppler).
        guard let ahead = sky.state(sat, at: time + 0.5 - tau), let behind = sky.state(sat, at: time - 0.5 - tau) else {
            return (range, position, satClock, 0)
        }
        let rate = (ahead.position - site).norm - (behind.position - site).norm
        return (range, position, satClock, rate)
    }
}
