import Foundation

/// The control socket's protocol: newline-delimited JSON. A request is one
/// line, `{"command":"status"}` (or `sources`, `stations`, `solution` and
/// `satellites` with `"station":"NAME"`); a plain word (`status`) is accepted too. Each reply is
/// one line: `{"ok":true,…}` with the command's fields, or
/// `{"ok":false,"error":"…"}`.
public enum ControlProtocol {
    /// The commands the control socket answers.
    public enum Command: String, Sendable, CaseIterable {
        case status, sources, stations, solution, satellites
    }

    public struct Request: Codable, Sendable {
        /// The command as sent (kept as written, so that an unknown one can be named in the answer).
        public var command: String
        public var station: String?

        /// The command, if it is one the socket answers.
        public var known: Command? { Command(rawValue: command) }

        public init(command: String, station: String? = nil) {
            self.command = command
            self.station = station
        }

        /// A request as the control socket reads it from one line (without its line feed): a JSON object, or a
        /// word with at most one argument (`status`, `solution NAME`); nil for anything else.
        public init?(line bytes: [UInt8]) {
            if let r = try? JSONDecoder().decode(Request.self, from: Data(bytes)) {
                self = r
                return
            }
            let words = String(decoding: bytes, as: UTF8.self).split(separator: " ").map(String.init)
            guard let first = words.first, first.allSatisfy({ $0.isLetter }), words.count <= 2 else { return nil }
            self.init(command: first, station: words.count == 2 ? words[1] : nil)
        }
    }

    /// The gateway's NTRIP caster (`status`): where it listens and the clients streaming each mountpoint.
    public struct Caster: Codable, Sendable {
        public var listen: String
        public var clients: [String: Int]

        public init(listen: String, clients: [String: Int]) {
            self.listen = listen
            self.clients = clients
        }
    }

    public struct Forwarder: Codable, Sendable {
        public var state: String
        public var acked: UInt64
        public var pending: UInt64
        public var lastSequence: UInt64
        public var spoolBytes: Int
        public var dropped: Int

        enum CodingKeys: String, CodingKey {
            case state, acked, pending, dropped
            case lastSequence = "last_sequence"
            case spoolBytes = "spool_bytes"
        }

        public init(state: String, acked: UInt64, pending: UInt64, lastSequence: UInt64, spoolBytes: Int, dropped: Int) {
            self.state = state
            self.acked = acked
            self.pending = pending
            self.lastSequence = lastSequence
            self.spoolBytes = spoolBytes
            self.dropped = dropped
        }
    }

    /// Where stations' streams come from and what arrived (`sources`): a UDP address listened to (`listen` is the
    /// address), or a TCP server or NTRIP mountpoint a station connects to (`listen` is its URL, as `url`; a password
    /// is never shown), with whether it streams now, its reconnections, the age of its last data in seconds and why
    /// its last connection ended. `datagrams` counts reads for a connected source.
    public struct Source: Codable, Sendable {
        public var listen: String
        public var stations: [String]
        public var datagrams: Int
        public var bytes: Int
        public var url: String?
        public var connected: Bool?
        public var reconnects: Int?
        public var lastDataAgeSeconds: Double?
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case listen, stations, datagrams, bytes, url, connected, reconnects, problem
            case lastDataAgeSeconds = "last_data_age_s"
        }

        public init(listen: String, stations: [String], datagrams: Int, bytes: Int) {
            self.listen = listen
            self.stations = stations
            self.datagrams = datagrams
            self.bytes = bytes
        }
    }

    /// A caster a station's corrections are pushed to (`sources`): its URL without the password, whether the caster
    /// takes the stream now, the reconnections, the bytes written and dropped, and why the last connection ended.
    public struct Push: Codable, Sendable {
        public var station: String
        public var target: String
        public var connected: Bool
        public var reconnects: Int
        public var bytes: Int
        public var dropped: Int
        public var problem: String?

        public init(station: String, target: String, connected: Bool, reconnects: Int, bytes: Int, dropped: Int, problem: String?) {
            self.station = station
            self.target = target
            self.connected = connected
            self.reconnects = reconnects
            self.bytes = bytes
            self.dropped = dropped
            self.problem = problem
        }
    }

    /// A corrections stream and, per system, what it corrects (`sources`).
    public struct CorrectionSource: Codable, Sendable {
        public var stream: String
        public var messages: Int
        public var systems: [CorrectionSystem]

        public init(stream: String, messages: Int, systems: [CorrectionSystem]) {
            self.stream = stream
            self.messages = messages
            self.systems = systems
        }
    }

    /// One system of a corrections stream: satellites whose corrections serve now, those whose corrections are too
    /// old, those whose corrections name an ephemeris issue the gateway does not hold, and the newest correction's age
    /// (against the wall clock; nil before the first).
    public struct CorrectionSystem: Codable, Sendable {
        public var system: String
        public var corrected: Int
        public var stale: Int
        public var unmatched: Int
        public var ageSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case system, corrected, stale, unmatched
            case ageSeconds = "age_s"
        }

        public init(system: String, corrected: Int, stale: Int, unmatched: Int, ageSeconds: Double?) {
            self.system = system
            self.corrected = corrected
            self.stale = stale
            self.unmatched = unmatched
            self.ageSeconds = ageSeconds
        }
    }

    /// One signal of a satellite as observed: its RINEX code (`1C`), C/N0 in dB-Hz where the stream gives it, the
    /// seconds it has been tracked since it was last acquired or slipped (`lock_time`), and the cycle slips counted
    /// on it since the station started (`slips`); both nil where the station does not follow its signals.
    public struct SignalView: Codable, Sendable, Equatable {
        public var signal: String
        public var cn0: Double?
        public var lockTime: Double?
        public var slips: Int?

        enum CodingKeys: String, CodingKey {
            case signal, cn0, slips
            case lockTime = "lock_time"
        }

        public init(signal: String, cn0: Double?, lockTime: Double? = nil, slips: Int? = nil) {
            self.signal = signal
            self.cn0 = cn0
            self.lockTime = lockTime
            self.slips = slips
        }

        /// Every key is written, `null` where there is no value.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(signal, forKey: .signal)
            try c.encode(cn0, forKey: .cn0)
            try c.encode(lockTime, forKey: .lockTime)
            try c.encode(slips, forKey: .slips)
        }
    }

    /// One satellite of a station's latest epoch (`satellites`): its RINEX name (`G05`) and system letter; elevation
    /// and azimuth in degrees from the station's position and the satellite's broadcast ephemeris (nil when either is
    /// missing); the signals observed; whether a broadcast ephemeris was there; whether it was above the station's
    /// elevation mask (nil when its elevation or the mask is unknown); whether the solution's integrity check left it
    /// out; and how the positioning engine used it: `used`, the `reason` when not (`below_mask`, `no_ephemeris`,
    /// `outlier`, … as the engine names it), for used ones the post-fit `code_residual` and `phase_residual` in metres
    /// (phase: PPP and RTK; RTK's are double differences against the reference satellite, which itself has none);
    /// all nil for a station without positioning or an epoch the engine did not reach the satellites of.
    public struct SatelliteView: Codable, Sendable, Equatable {
        public var satellite: String
        public var system: String
        public var elevation: Double?
        public var azimuth: Double?
        public var signals: [SignalView]
        public var ephemeris: Bool
        public var aboveMask: Bool?
        public var excluded: Bool
        public var used: Bool?
        public var reason: String?
        public var codeResidual: Double?
        public var phaseResidual: Double?

        enum CodingKeys: String, CodingKey {
            case satellite, system, elevation, azimuth, signals, ephemeris, excluded, used, reason
            case aboveMask = "above_mask"
            case codeResidual = "code_residual"
            case phaseResidual = "phase_residual"
        }

        public init(satellite: String, system: String, elevation: Double?, azimuth: Double?, signals: [SignalView],
                    ephemeris: Bool, aboveMask: Bool?, excluded: Bool, used: Bool? = nil, reason: String? = nil,
                    codeResidual: Double? = nil, phaseResidual: Double? = nil) {
            self.satellite = satellite
            self.system = system
            self.elevation = elevation
            self.azimuth = azimuth
            self.signals = signals
            self.ephemeris = ephemeris
            self.aboveMask = aboveMask
            self.excluded = excluded
            self.used = used
            self.reason = reason
            self.codeResidual = codeResidual
            self.phaseResidual = phaseResidual
        }

        /// Every key is written, `null` where there is no value.
        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(satellite, forKey: .satellite)
            try c.encode(system, forKey: .system)
            try c.encode(elevation, forKey: .elevation)
            try c.encode(azimuth, forKey: .azimuth)
            try c.encode(signals, forKey: .signals)
            try c.encode(ephemeris, forKey: .ephemeris)
            try c.encode(aboveMask, forKey: .aboveMask)
            try c.encode(excluded, forKey: .excluded)
            try c.encode(used, forKey: .used)
            try c.encode(reason, forKey: .reason)
            try c.encode(codeResidual, forKey: .codeResidual)
            try c.encode(phaseResidual, forKey: .phaseResidual)
        }
    }

    /// A station's latest epoch, satellite by satellite (`satellites`): the epoch's time (ISO 8601, GPS time), the
    /// position the directions are seen from and where it came from (`solution`, `configured`: the configuration's
    /// or the stream's coordinates; nil when there is none), and the elevation mask in degrees (nil without positioning).
    public struct Sky: Codable, Sendable, Equatable {
        public var station: String
        public var time: String?
        public var positionSource: String?
        public var elevationMask: Double?
        public var satellites: [SatelliteView]

        enum CodingKeys: String, CodingKey {
            case station, time, satellites
            case positionSource = "position_source"
            case elevationMask = "elevation_mask"
        }

        public init(station: String, time: String?, positionSource: String?, elevationMask: Double?, satellites: [SatelliteView]) {
            self.station = station
            self.time = time
            self.positionSource = positionSource
            self.elevationMask = elevationMask
            self.satellites = satellites
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(station, forKey: .station)
            try c.encode(time, forKey: .time)
            try c.encode(positionSource, forKey: .positionSource)
            try c.encode(elevationMask, forKey: .elevationMask)
            try c.encode(satellites, forKey: .satellites)
        }
    }

    public struct Reply: Codable, Sendable {
        public var ok: Bool
        public var error: String?
        public var ready: Bool?
        public var uptimeSeconds: Double?
        public var gateway: String?
        public var version: String?
        public var ephemerides: Int?
        public var stations: [StationStatus]?
        public var forwarder: Forwarder?
        public var sources: [Source]?
        public var pushes: [Push]?
        public var corrections: [CorrectionSource]?
        public var solution: StationStatus?
        public var sky: Sky?
        public var caster: Caster?

        enum CodingKeys: String, CodingKey {
            case ok, error, ready, gateway, version, ephemerides, stations, forwarder, sources, pushes, corrections, solution, sky, caster
            case uptimeSeconds = "uptime_s"
        }

        public init(ok: Bool, error: String? = nil) {
            self.ok = ok
            self.error = error
        }
    }
}
