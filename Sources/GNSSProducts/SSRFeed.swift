import GNSSCore
import GNSSFormats
import GNSSOrbits

/// One satellite's correction from an SSR message, with its time resolved.
public enum SSRUpdate: Sendable, Hashable {
    case orbit(SatelliteID, SSROrbitCorrection)
    case clock(SatelliteID, SSRClockCorrection)
    case highRateClock(SatelliteID, SSRHighRateClock)
    case codeBiases(SatelliteID, [SignalCode: Double])
    case accuracy(SatelliteID, Int)

    /// The satellite it corrects.
    public var satellite: SatelliteID? {
        switch self {
        case .orbit(let s, _), .clock(let s, _), .highRateClock(let s, _), .codeBiases(let s, _), .accuracy(let s, _): s
        }
    }

    /// The time the message stamped it with.
    public var epoch: GNSSTime? {
        switch self {
        case .orbit(_, let c): c.epoch
        case .clock(_, let c): c.epoch
        case .highRateClock(_, let c): c.epoch
        case .codeBiases, .accuracy: nil
        }
    }
}

extension SSRCorrections {
    public mutating func add(_ update: SSRUpdate) {
        switch update {
        case .orbit(let s, let c): add(orbit: c, for: s)
        case .clock(let s, let c): add(clock: c, for: s)
        case .highRateClock(let s, let c): add(highRateClock: c, for: s)
        case .codeBiases(let s, let b): add(codeBiases: b, for: s)
        case .accuracy(let s, let i): add(accuracy: i, for: s)
        }
    }
}

/// Turns SSR messages (RTCM 3, IGS, and LEO 4058/2) into corrections: their times resolved against a nearby time, update
/// intervals in seconds, signal identifiers as RINEX signal codes, the reference point as the format defines it (IGS
/// SSR: centre of mass; 4058/2: the point of the LEO broadcast orbit) or as the stream is declared (RTCM SSR).
public struct SSRFeed: Sendable {
    /// What RTCM SSR orbit corrections of this stream refer to (the standard leaves it to the provider).
    public var rtcmReference: SSRReferencePoint
    /// The time of the last message: the next ones are resolved near it.
    public private(set) var lastTime: GNSSTime?
    /// Messages not turned into corrections, by reason.
    public private(set) var refused: [String: Int] = [:]

    public init(rtcmReference: SSRReferencePoint = .antennaPhaseCentre, near time: GNSSTime? = nil) {
        self.rtcmReference = rtcmReference
        lastTime = time
    }

    /// RTCM DF391: the update interval's index to seconds.
    public static let updateIntervals: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 240, 300, 600, 900, 1800, 3600, 7200, 10800]

    /// The corrections of one message; `near` resolves its week (a day for GLONASS RTCM SSR) when no message came
    /// before it. Messages that carry nothing PPP applies (VTEC, phase biases) or that refer to a regional datum give
    /// none and are counted in `refused`.
    public mutating func updates(_ m: SSRMessage, near: GNSSTime? = nil) -> [SSRUpdate] {
        guard let epoch = epoch(of: m, near: near) else { return [] }
        return updates(m, at: epoch)
    }

    /// The time of a message, resolved near the last message's (or `near` before the first); nil, counted, when there is
    /// nothing to resolve it against.
    public mutating func epoch(of m: SSRMessage, near: GNSSTime? = nil) -> GNSSTime? {
        epoch(system: m.system, igs: m.igsSubtype != nil, seconds: m.epochSeconds, near: near)
    }

    /// The same from the time fields alone (`RTCM3SSRCodec.epoch(payload:)`).
    public mutating func epoch(system: GNSSSystem, igs: Bool, seconds: Int, near: GNSSTime? = nil) -> GNSSTime? {
        guard let reference = lastTime ?? near else {
            refused["no time to resolve the epoch against", default: 0] += 1
            return nil
        }
        let epoch: GNSSTime
        if system == .glonass && !igs {
            let leap = Double(LeapSeconds.gpsMinusUTC(at: reference))
            epoch = reference.nearest(secondOfDay: Double(seconds), scaleOffset: 10_800 - leap)
        } else if system == .beidou && !igs {
            // RTCM BeiDou SSR counts its epoch in BeiDou time (DF465), 14 s behind GPS time.
            epoch = reference.nearest(secondOfWeek: Double(seconds) - GNSSTime.bdtMinusGPST)
        } else {
            epoch = reference.nearest(secondOfWeek: Double(seconds))
        }
        lastTime = epoch
        return epoch
    }

    /// Counts a message left out for `reason`.
    public mutating func refuse(_ reason: String) { refused[reason, default: 0] += 1 }

    /// The corrections of a message whose time is `epoch`.
    public mutating func updates(_ m: SSRMessage, at epoch: GNSSTime) -> [SSRUpdate] {
        var out: [SSRUpdate] = []
        out.reserveCapacity(m.satellites.count)
        forEachUpdate(m, at: epoch) { out.append($0) }
        return out
    }

    /// Takes a message's corrections into `corrections` at once (no list of them in between).
    public mutating func add(_ m: SSRMessage, at epoch: GNSSTime, into corrections: inout SSRCorrections) {
        forEachUpdate(m, at: epoch) { corrections.add($0) }
    }

    private mutating func forEachUpdate(_ m: SSRMessage, at epoch: GNSSTime, _ body: (SSRUpdate) -> Void) {
        switch m.kind {
        case .vtec:
            refused["VTEC ionosphere (PPP uses the ionosphere-free combination)", default: 0] += 1
            return
        case .phaseBias:
            refused["phase biases (PPP estimates float ambiguities)", default: 0] += 1
            return
        default: break
        }
        if m.referenceDatum == 1 {
            refused["regional datum", default: 0] += 1
            return
        }
        let interval = Self.updateIntervals[min(m.updateInterval, Self.updateIntervals.count - 1)]
        // LEO corrections (4058/2) move the point the LEO broadcast orbit gives, that of the signals' ranges.
        let point: SSRReferencePoint = m.system == .leo ? .antennaPhaseCentre : (m.messageType == 4076 ? .centreOfMass : rtcmReference)
        let issue = SSRIssue(provider: m.providerID, solution: m.solutionID, iodSSR: m.iodSSR)
        for s in m.satellites {
            let sat = s.satellite
            if let o = s.orbit, o.count == 6 {
                // BeiDou's ephemeris is named by toe modulo and IOD together (RTCM); IGS SSR gives an IOD alone.
                guard sat.system != .beidou || s.toeModulo != nil else {
                    refused["BeiDou IGS SSR orbit (no toe modulo to name the ephemeris by)", default: 0] += 1
                    continue
                }
                let issueOfData = sat.system == .beidou
                    ? KeplerEphemeris.beidouSSRIssue(toeModulo: s.toeModulo ?? 0, iod: s.iod ?? 0) : s.iod ?? -1
                body(.orbit(sat, SSROrbitCorrection(
                    epoch: epoch, updateInterval: interval, issueOfData: issueOfData, issue: issue,
                    offset: RadialAlongCross(radial: o[0], along: o[1], cross: o[2]),
                    rate: RadialAlongCross(radial: o[3], along: o[4], cross: o[5]), referencePoint: point)))
            }
            if let c = s.clock {
                body(.clock(sat, SSRClockCorrection(epoch: epoch, updateInterval: interval, issue: issue, polynomial: c)))
            }
            if let h = s.highRateClock {
                body(.highRateClock(sat, SSRHighRateClock(epoch: epoch, updateInterval: interval, issue: issue, correction: h)))
            }
            if m.kind == .codeBias {
                var biases: [SignalCode: Double] = [:]
                for b in s.codeBiases {
                    guard let code = SSRSignals.code(m.system, b.signal) else {
                        refused["code bias of unknown signal", default: 0] += 1
                        continue
                    }
                    biases[code] = b.bias
                }
                body(.codeBiases(sat, biases))
            }
            if let u = s.ura { body(.accuracy(sat, u)) }
        }
    }
}

/// RTCM 3 SSR signal and tracking mode identifiers (DF380/DF381/DF382/DF383 tables) as RINEX signal codes.
public enum SSRSignals {
    private static let tables: [GNSSSystem: [String]] = [
        .gps: ["1C", "1P", "1W", "1Y", "1M", "2C", "2D", "2S", "2L", "2X", "2P", "2W", "2Y", "2M", "5I", "5Q", "5X",
               "1S", "1L", "1X"],
        .glonass: ["1C", "1P", "2C", "2P", "4A", "4B", "4X", "6A", "6B", "6X", "3I", "3Q", "3X"],
        .galileo: ["1A", "1B", "1C", "1X", "1Z", "5I", "5Q", "5X", "7I", "7Q", "7X", "8I", "8Q", "8X", "6A", "6B", "6C",
                   "6X", "6Z"],
        .qzss: ["1C", "1S", "1L", "2S", "2L", "2X", "5I", "5Q", "5X", "6S", "6L", "6X", "1X"],
        .beidou: ["2I", "2Q", "2X", "6I", "6Q", "6X", "7I", "7Q", "7X", "1D", "1P", "1X", "5D", "5P", "5X"],
    ]

    public static func code(_ system: GNSSSystem, _ identifier: Int) -> SignalCode? {
        guard let table = tables[system], table.indices.contains(identifier) else { return nil }
        return SignalCode(table[identifier])
    }

    public static func identifier(_ system: GNSSSystem, _ code: SignalCode) -> Int? {
        tables[system]?.firstIndex(of: code.description)
    }
}

/// A recorded correction stream's messages in the order they become usable: each from its epoch plus a latency on.
/// A replay moves, before each observation epoch, every correction usable by then into `held`. The messages are kept
/// as their encoded bytes and turned into corrections as they become usable: a day of 5 s clocks is a few megabytes so,
/// where its corrections would be a hundred.
public struct SSRTimeline: Sendable {
    private var messages: [(usable: GNSSTime, epoch: GNSSTime, payload: [UInt8])] = []
    private var next = 0
    public var latency: Double
    /// Turns the messages into corrections (and counts those it leaves out).
    public private(set) var feed: SSRFeed
    /// The corrections usable at the time of the last `advance`.
    public private(set) var held: SSRCorrections

    public init(latency: Double = 0, feed: SSRFeed = SSRFeed(), corrections: SSRCorrections = SSRCorrections()) {
        self.latency = latency
        self.feed = feed
        held = corrections
    }

    public var count: Int { messages.count }
    public var span: ClosedRange<GNSSTime>? {
        guard let first = messages.first?.usable, let last = messages.last?.usable else { return nil }
        return first...last
    }

    /// Adds a message (its body) whose time is `epoch`.
    public mutating func append(payload: [UInt8], epoch: GNSSTime) {
        messages.append((epoch + latency, epoch, payload))
    }

    /// Sorts by the time of use (a stream's own order, unless its times went back); call once after appending.
    public mutating func finalise() {
        if zip(messages, messages.dropFirst()).allSatisfy({ !($1.usable < $0.usable) }) { return }
        messages = messages.enumerated().sorted { a, b in
            a.element.usable != b.element.usable ? a.element.usable < b.element.usable : a.offset < b.offset
        }.map(\.element)
    }

    /// Moves every correction usable at `time` into `held`.
    public mutating func advance(to time: GNSSTime) {
        while next < messages.count, !(time < messages[next].usable) {
            do {
                let m = try RTCM3SSRCodec.decode(payload: messages[next].payload[...])
                feed.add(m, at: messages[next].epoch, into: &held)
            } catch {
                feed.refuse("undecodable: \(error.message)")
            }
            next += 1
        }
    }
}

/// A recorded correction stream (RTCM 3 frames: SSR, and the broadcast ephemerides many such streams carry too).
public struct SSRCapture: Sendable {
    public var timeline: SSRTimeline
    public var ephemerides: [Ephemeris] = []
    /// The LEO broadcast ephemerides (4058/1) the stream carries, which its LEO corrections (4058/2) refer to.
    public var leoEphemerides: [LEOEphemeris] = []
    /// SSR messages decoded, by message type (4076 with its IGS subtype, as "4076.21").
    public var messages: [String: Int] = [:]
    public var errors: [FormatError] = []

    /// Reads `paths` in order; `near` is a time within half a week of the first message (an observation file's start).
    public static func read(_ paths: [String], near: GNSSTime, latency: Double = 0,
                            rtcmReference: SSRReferencePoint = .antennaPhaseCentre) throws(FormatError) -> SSRCapture {
        var capture = SSRCapture(timeline: SSRTimeline(latency: latency, feed: SSRFeed(rtcmReference: rtcmReference)))
        // The messages' times, resolved in stream order as the timeline's feed will see them.
        var times = SSRFeed(near: near)
        for path in paths {
            let source = try FileByteSource(path: path, chunkSize: 1 << 16)
            var framer = RTCM3Framer()
            var decoder = RTCM3Decoder(referenceTime: near)
            func drain() {
                while let item = framer.next() {
                    switch item {
                    case .error(let e): capture.errors.append(e.inFile(path))
                    case .frame(let frame):
                        do {
                            // SSR is read for its time alone here; the timeline decodes it when it becomes usable.
                            if let (system, igs, seconds) = try? RTCM3SSRCodec.epoch(payload: frame.payload[...]) {
                                let p = frame.payload
                                let key = igs && p.count > 2 ? "4076.\((Int(p[1] & 0x01) << 7) | Int(p[2] >> 1))" : String(frame.messageType)
                                capture.messages[key, default: 0] += 1
                                if let epoch = times.epoch(system: system, igs: igs, seconds: seconds) {
                                    capture.timeline.append(payload: frame.payload, epoch: epoch)
                                }
                                continue
                            }
                            switch try decoder.decode(frame) {
                            case .ephemeris(let e, _): capture.ephemerides.append(e)
                            case .leoEphemeris(let e): capture.leoEphemerides.append(e)
                            default: break
                            }
                        } catch {
                            capture.errors.append(error.inFile(path))
                        }
                    }
                }
            }
            while let chunk = try source.next() {
                framer.append(chunk)
                drain()
            }
            if let e = framer.finish() { capture.errors.append(e.inFile(path)) }
        }
        capture.timeline.finalise()
        return capture
    }
}
