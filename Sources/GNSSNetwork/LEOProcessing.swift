/// How the DPC processes the LEO satellites' onboard GNSS observations.
public enum LEOProcessing: String, Sendable, CaseIterable {
    /// Each onboard epoch positioned on the network's GNSS corrections, orbits fitted to the positions
    /// (`LEOOrbitDetermination`).
    case kinematic
    /// Joint: the onboard epochs on the network's grid enter the network filter beside the ground stations
    /// (`NetworkFilter`, at most `NetworkOptions.maximumLEOReceivers` satellites), and the LEO orbits and clocks are its.
    case joint
    /// Both: the onboard epochs in the network filter sharpen the GNSS corrections, and the LEO orbits and clocks are
    /// the kinematic processing's on those.
    case hybrid

    /// Whether onboard epochs enter the network filter.
    public var entersNetworkFilter: Bool { self != .kinematic }
    /// Whether the LEO orbits and clocks are the kinematic processing's.
    public var positionsKinematically: Bool { self != .joint }
}
