/// One signal's measurements from one satellite at one epoch. Units: pseudorange
/// in metres, carrier phase in cycles, Doppler in Hz, C/N0 in dB-Hz.
public struct SignalObservation: Sendable, Hashable {
    public var signal: SignalCode
    public var pseudorange: Double?
    public var carrierPhase: Double?
    public var doppler: Double?
    public var cn0: Double?
    /// Loss-of-lock indicator as RINEX defines it (bit 0: lost lock, bit 1: half-cycle ambiguity / opposite wavelength factor).
    public var lli: UInt8
    /// Time the phase has been tracked continuously, seconds, where the source reports it (RTCM MSM, UBX).
    public var lockTime: Double?
    /// Whether the phase may be off by half a cycle (not yet resolved by the receiver).
    public var halfCycleAmbiguity: Bool
    /// RINEX signal-strength indicator 1–9 of the phase (or, without phase, the code); 0 when not given.
    public var signalStrengthIndicator: UInt8 = 0

    public init(signal: SignalCode, pseudorange: Double? = nil, carrierPhase: Double? = nil, doppler: Double? = nil,
                cn0: Double? = nil, lli: UInt8 = 0, lockTime: Double? = nil, halfCycleAmbiguity: Bool = false) {
        self.signal = signal
        self.pseudorange = pseudorange
        self.carrierPhase = carrierPhase
        self.doppler = doppler
        self.cn0 = cn0
        self.lli = lli
        self.lockTime = lockTime
        self.halfCycleAmbiguity = halfCycleAmbiguity
    }
}

/// All signals from one satellite at one epoch.
public struct SatelliteObservation: Sendable, Hashable {
    public var satellite: SatelliteID
    public var signals: [SignalObservation]
    /// GLONASS frequency channel when the source gives it with the observation.
    public var glonassChannel: Int?

    public init(satellite: SatelliteID, signals: [SignalObservation] = [], glonassChannel: Int? = nil) {
        self.satellite = satellite
        self.signals = signals
        self.glonassChannel = glonassChannel
    }

    public func signal(_ code: SignalCode) -> SignalObservation? { signals.first { $0.signal == code } }
}

/// RINEX epoch flag.
public enum EpochFlag: UInt8, Sendable, Hashable {
    case ok = 0
    case powerFailure = 1
    case antennaMoving = 2
    case newSiteOccupation = 3
    case headerFollows = 4
    case externalEvent = 5
    case cycleSlipRecords = 6
}

/// Observations of one receiver at one epoch (receiver time tag, GPS time scale).
public struct ObservationEpoch: Sendable, Hashable {
    public var time: GNSSTime
    public var flag: EpochFlag
    /// Receiver clock offset in seconds, where the file gives it.
    public var receiverClockOffset: Double?
    public var satellites: [SatelliteObservation]

    public init(time: GNSSTime, flag: EpochFlag = .ok, receiverClockOffset: Double? = nil,
                satellites: [SatelliteObservation] = []) {
        self.time = time
        self.flag = flag
        self.receiverClockOffset = receiverClockOffset
        self.satellites = satellites
    }

    public func satellite(_ id: SatelliteID) -> SatelliteObservation? { satellites.first { $0.satellite == id } }

    /// The same epoch without the given satellites.
    public func excluding(_ excluded: Set<SatelliteID>) -> ObservationEpoch {
        guard !excluded.isEmpty else { return self }
        var copy = self
        copy.satellites.removeAll { excluded.contains($0.satellite) }
        return copy
    }
}
