import GNSSCore
import GNSSOrbits

/// Where the simulated satellites are: the true position (ECEF, metres) and
/// the clock offset as a receiver sees it (seconds, relativistic term included).
public protocol SatelliteSky: Sendable {
    var satellites: [SatelliteID] { get }
    func state(_ satellite: SatelliteID, at time: GNSSTime) -> (position: ECEF, clock: Double)?
}

/// GNSS satellites from a real day's precise orbits and clocks (SP3 + RINEX clock),
/// so the simulated geometry is the sky's own.
public struct PreciseSky: SatelliteSky {
    public let ephemeris: PreciseEphemeris
    public let satellites: [SatelliteID]

    public init(ephemeris: PreciseEphemeris, systems: Set<GNSSSystem>) {
        self.ephemeris = ephemeris
        satellites = ephemeris.satellites.filter { systems.contains($0.system) }
    }

    public func state(_ satellite: SatelliteID, at time: GNSSTime) -> (position: ECEF, clock: Double)? {
        guard let s = ephemeris.signalState(satellite, at: time) else { return nil }
        return (s.position, s.clockBias)
    }
}

/// GNSS satellites from broadcast ephemerides: the orbits and clocks a receiver
/// decoding the same ephemerides computes, so a simulated stream that carries
/// them is complete in itself (its orbits are exact by construction; the
/// precise sky is the one for judging accuracy).
public struct BroadcastSky: SatelliteSky {
    public let ephemerides: EphemerisStore
    public let satellites: [SatelliteID]

    public init(ephemerides: EphemerisStore, systems: Set<GNSSSystem>) {
        self.ephemerides = ephemerides
        satellites = ephemerides.satellites.filter { systems.contains($0.system) }
    }

    public func state(_ satellite: SatelliteID, at time: GNSSTime) -> (position: ECEF, clock: Double)? {
        guard let s = ephemerides.select(satellite, at: time)?.state(at: time) else { return nil }
        return (s.position, s.clockBias)
    }
}

/// Several skies seen together (the real GNSS day and a simulated LEO constellation).
public struct CombinedSky: SatelliteSky {
    public let skies: [any SatelliteSky]
    public let satellites: [SatelliteID]
    private let owner: [SatelliteID: Int]

    public init(_ skies: [any SatelliteSky]) {
        self.skies = skies
        satellites = skies.flatMap(\.satellites)
        var owner: [SatelliteID: Int] = [:]
        for (i, s) in skies.enumerated() { for sat in s.satellites where owner[sat] == nil { owner[sat] = i } }
        self.owner = owner
    }

    public func state(_ satellite: SatelliteID, at time: GNSSTime) -> (position: ECEF, clock: Double)? {
        guard let i = owner[satellite] else { return nil }
        return skies[i].state(satellite, at: time)
    }
}
