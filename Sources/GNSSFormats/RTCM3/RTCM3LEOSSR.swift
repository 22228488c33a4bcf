import GNSSCore

/// Message 4058 subtype 2: orbit and clock corrections to the LEO broadcast ephemerides (4058/1), combined in one
/// message as RTCM 1060 combines them for GPS. It is carried as an `SSRMessage` (`messageType` 4058, `system` `.leo`,
/// `kind` `.combined`), so that everything that takes SSR takes it unchanged. `docs/leo-messages.md` describes every field.
extension RTCM3LEO {
    public static let ssrSubtype = 2

    // MARK: Subtype 2 layout

    /// Header bits: number, subtype, epoch (GPS seconds of week), update interval, multiple-message bit, IOD SSR,
    /// provider, solution, satellite count.
    static let ssrHeaderBits = 12 + 4 + 20 + 4 + 1 + 4 + 16 + 4 + 6
    /// Radial, along-track and cross-track offsets: one resolution for all three (from the ground a LEO satellite's
    /// along- and cross-track errors reach the range nearly as fully as its radial one).
    static let ssrOffset: (bits: Int, scale: Double) = (19, 1e-4)
    static let ssrRate: (bits: Int, scale: Double) = (19, 1e-6)
    /// C0 (m), C1 (m/s), C2 (m/s²).
    static let ssrClock: [(bits: Int, scale: Double)] = [(22, 1e-4), (21, 1e-6), (20, 2e-8)]
    /// Bits per satellite: PRN, 4058/1 IOD, three offsets, three rates, C0–C2.
    static let ssrSatelliteBits = 9 + 8 + 3 * 19 + 3 * 19 + 22 + 21 + 20
    /// The most satellites one message holds within an RTCM 3 frame's 1023 bytes.
    public static let ssrMaximumSatellites = (1023 * 8 - ssrHeaderBits) / ssrSatelliteBits

    /// Whether a satellite's corrections fit the 4058/2 fields (no value beyond its range, none missing).
    public static func ssrFits(_ s: SSRMessage.Satellite) -> Bool {
        guard s.satellite.system == .leo, (1...511).contains(s.satellite.prn), let iod = s.iod, (0...255).contains(iod),
              let o = s.orbit, o.count == 6, let c = s.clock, (1...3).contains(c.count) else { return false }
        let fields = [ssrOffset, ssrOffset, ssrOffset, ssrRate, ssrRate, ssrRate]
        return zip(o, fields).allSatisfy { fits($0, $1) } && zip(c, ssrClock).allSatisfy { fits($0, $1) }
    }

    private static func fits(_ value: Double, _ f: (bits: Int, scale: Double)) -> Bool {
        let v = (value / f.scale).rounded()
        return v.isFinite && abs(v) < Double(1 << (f.bits - 1))
    }

    /// The 4058/2 payload of a LEO SSR message (`system` `.leo`, `kind` `.combined`). As in 4058/1, a value that does
    /// not fit its field is an error, never a wrapped or clipped field.
    public static func encode(ssr m: SSRMessage) throws(FormatError) -> [UInt8] {
        guard m.system == .leo, m.kind == .combined else {
            throw FormatError(.encode, "4058/2 carries combined LEO orbit and clock corrections, not \(m.system) \(m.kind.rawValue)")
        }
        guard (0..<604_800).contains(m.epochSeconds) else { throw FormatError(.encode, "epoch \(m.epochSeconds) s outside the week") }
        guard (0...15).contains(m.updateInterval), (0...15).contains(m.iodSSR), (0...65_535).contains(m.providerID),
              (0...15).contains(m.solutionID) else {
            throw FormatError(.encode, "update interval, IOD SSR, provider or solution outside its field")
        }
        guard m.satellites.count <= ssrMaximumSatellites else {
            throw FormatError(.encode, "\(m.satellites.count) satellites do not fit one frame (at most \(ssrMaximumSatellites))")
        }
        var w = BitWriter()
        w.uint(messageType, 12)
        w.uint(ssrSubtype, 4)
        w.uint(m.epochSeconds, 20)
        w.uint(m.updateInterval, 4)
        w.bool(m.multipleMessage)
        w.uint(m.iodSSR, 4)
        w.uint(m.providerID, 16)
        w.uint(m.solutionID, 4)
        w.uint(m.satellites.count, 6)
        for s in m.satellites {
            guard ssrFits(s), let iod = s.iod, let o = s.orbit, let c = s.clock else {
                throw FormatError(.encode, "\(s.satellite): corrections missing or beyond the 4058/2 fields")
            }
            w.uint(s.satellite.prn, 9)
            w.uint(iod, 8)
            for (k, v) in o.enumerated() {
                let f = k < 3 ? ssrOffset : ssrRate
                w.int(Int((v / f.scale).rounded()), f.bits)
            }
            for (k, f) in ssrClock.enumerated() { w.int(Int(((k < c.count ? c[k] : 0) / f.scale).rounded()), f.bits) }
        }
        w.alignToByte()
        return w.bytes
    }

    /// Decodes a 4058/2 payload (starting with the message number). The epoch is a GPS time of week, resolved, as for
    /// RTCM SSR, against a nearby time by whoever applies the corrections.
    public static func decodeSSR(payload: ArraySlice<UInt8>) throws(FormatError) -> SSRMessage {
        var r = BitReader(payload)
        let type = try r.uint(12)
        let subtype = try r.uint(4)
        guard type == messageType, subtype == ssrSubtype else {
            throw FormatError(.format, "message \(type) subtype \(subtype) is not LEO SSR (4058/2)")
        }
        let epoch = try r.uint(20)
        guard epoch < 604_800 else { throw FormatError(.syntax, "epoch \(epoch) s beyond the week") }
        let interval = try r.uint(4)
        let multiple = try r.bool()
        let iodSSR = try r.uint(4), provider = try r.uint(16), solution = try r.uint(4)
        let count = try r.uint(6)
        guard count <= ssrMaximumSatellites else { throw FormatError(.syntax, "\(count) satellites cannot fit one frame") }
        var satellites: [SSRMessage.Satellite] = []
        satellites.reserveCapacity(count)
        for _ in 0..<count {
            let prn = try r.uint(9)
            guard prn >= 1 else { throw FormatError(.syntax, "LEO satellite number 0") }
            var s = SSRMessage.Satellite(satellite: SatelliteID(.leo, prn))
            s.iod = try r.uint(8)
            var orbit: [Double] = []
            for k in 0..<6 {
                let f = k < 3 ? ssrOffset : ssrRate
                orbit.append(Double(try r.int(f.bits)) * f.scale)
            }
            s.orbit = orbit
            var clock: [Double] = []
            for f in ssrClock { clock.append(Double(try r.int(f.bits)) * f.scale) }
            s.clock = clock
            satellites.append(s)
        }
        // Only the padding to a whole byte may follow.
        guard r.remaining < 8 else { throw FormatError(.syntax, "\(r.remaining / 8) bytes after the last satellite") }
        return SSRMessage(messageType: messageType, system: .leo, kind: .combined, epochSeconds: epoch, updateInterval: interval,
                          multipleMessage: multiple, iodSSR: iodSSR, providerID: provider, solutionID: solution,
                          satellites: satellites)
    }
}
