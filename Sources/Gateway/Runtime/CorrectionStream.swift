import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSProducts

/// One corrections stream's SSR as the gateway holds it: the corrections, how its messages' times resolve, and what
/// the operator sees of it.
public struct CorrectionStream: Sendable {
    public private(set) var feed: SSRFeed
    public private(set) var corrections = SSRCorrections()
    /// The newest correction epoch of each system.
    public private(set) var newest: [GNSSSystem: GNSSTime] = [:]
    public private(set) var messages = 0
    /// The corrections the last message gave.
    public private(set) var lastUpdates: [SSRUpdate] = []

    init(reference: SSRReferencePoint) {
        feed = SSRFeed(rtcmReference: reference)
    }

    mutating func add(_ message: SSRMessage, near: GNSSTime?) {
        messages += 1
        lastUpdates = feed.updates(message, near: near)
        for u in lastUpdates {
            corrections.add(u)
            if let epoch = u.epoch, let sat = u.satellite, newest[sat.system].map({ $0 < epoch }) ?? true { newest[sat.system] = epoch }
        }
    }

    /// Satellites of each system whose orbit and clock corrections are current at the system's newest epoch.
    public var currentSatellites: [GNSSSystem: Int] {
        var out: [GNSSSystem: Int] = [:]
        for sat in corrections.satellites {
            if let time = newest[sat.system], corrections.isCurrent(sat, at: time) { out[sat.system, default: 0] += 1 }
        }
        return out
    }

    /// Per system, at `now` (the wall clock; the system's newest correction time without one): satellites whose
    /// corrections give a state, those whose corrections are too old, those whose corrections name an ephemeris issue
    /// `ephemerides` lacks, and the newest correction's age.
    public func health(ephemerides: EphemerisStore, leo: LEOEphemerisStore, now: GNSSTime?)
        -> [GNSSSystem: (corrected: Int, stale: Int, unmatched: Int, age: Double?)] {
        var out: [GNSSSystem: (corrected: Int, stale: Int, unmatched: Int, age: Double?)] = [:]
        for sat in corrections.satellites {
            guard let newestTime = newest[sat.system] else { continue }
            let t = now ?? newestTime
            var entry = out[sat.system] ?? (0, 0, 0, now.map { $0 - newestTime })
            let result = sat.system == .leo ? corrections.state(sat, at: t, leo: leo) : corrections.state(sat, at: t, ephemerides: ephemerides)
            switch result {
            case .success: entry.corrected += 1
            case .failure(.stale): entry.stale += 1
            case .failure(.noMatchingEphemeris): entry.unmatched += 1
            case .failure: break
            }
            out[sat.system] = entry
        }
        return out
    }

    /// What a station status says of the stream.
    public var note: String {
        let satellites = currentSatellites.sorted { $0.key < $1.key }.map { "\($0.key.letter) \($0.value)" }.joined(separator: ", ")
        let latest = newest.values.max().map { ", newest \($0.iso8601(fractionDigits: 0))" } ?? ""
        var text = "SSR: \(messages) messages, satellites corrected: \(satellites.isEmpty ? "none" : satellites)\(latest)"
        if corrections.jumps > 0 { text += ", \(corrections.jumps) jumps" }
        if !feed.refused.isEmpty {
            text += "; not applied: " + feed.refused.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        }
        return text
    }
}
