import GNSSCore

/// Broadcast ephemerides by satellite, fed from any source (RINEX nav, RTCM,
/// UBX). Keeps a bounded history per satellite and picks, for a time, the
/// healthy ephemeris with the nearest reference time within its validity.
public struct EphemerisStore: Sendable {
    private var bySatellite: [SatelliteID: [Ephemeris]] = [:]
    /// Ephemerides kept per satellite (a day of GPS at 2 h is 12; Galileo updates every 10 min).
    public var historyLimit: Int

    public init(historyLimit: Int = 200) {
        self.historyLimit = historyLimit
    }

    /// Adds an ephemeris. Returns false when an identical one (same satellite,
    /// reference time and issue of data) is already held.
    @discardableResult
    public mutating func add(_ e: Ephemeris) -> Bool {
        Self.add(e, to: &bySatellite[e.satellite, default: []], limit: historyLimit)
    }

    /// Into the satellite's list in place (no copy of it per ephemeris). The list is sorted by toe: the same
    /// issue, if there, has e's toe, and e's place is after every earlier toe, so the search goes back from the end
    /// over the later and equal toes only (ephemerides mostly arrive in time order: none or a few).
    private static func add(_ e: Ephemeris, to list: inout [Ephemeris], limit: Int) -> Bool {
        var place = list.count
        while place > 0 && list[place - 1].toe > e.toe { place -= 1 }
        var i = place
        while i > 0 && list[i - 1].toe == e.toe {
            if list[i - 1].sameIssue(as: e) {
                if list[i - 1] == e { return false }
                list[i - 1] = e
                return true
            }
            i -= 1
        }
        list.insert(e, at: place)
        if list.count > limit { list.removeFirst(list.count - limit) }
        return true
    }

    public var satellites: [SatelliteID] { bySatellite.keys.sorted() }
    public var count: Int { bySatellite.values.reduce(0) { $0 + $1.count } }

    public func all(for satellite: SatelliteID) -> [Ephemeris] { bySatellite[satellite] ?? [] }

    /// The ephemeris to use for `satellite` at `time`, or nil when none is valid.
    /// `message` restricts the choice (e.g. Galileo F/NAV for E5a signals).
    public func select(_ satellite: SatelliteID, at time: GNSSTime, message: NavigationMessage? = nil,
                       requireHealthy: Bool = true) -> Ephemeris? {
        guard let list = bySatellite[satellite] else { return nil }
        // GPS-like ephemerides are fitted around toe: take the nearest. Galileo and BeiDou issue
        // toe at the start of their validity: take the latest one already in force, a later one only if none is.
        let forward = satellite.system == .galileo || satellite.system == .beidou
        var best: Int?
        var bestScore = Double.infinity
        // The list is sorted by toe and the validity is the system's: only the entries within it of `time` can
        // serve. By index: each candidate is read in place, the one chosen copied once.
        let validity = Ephemeris.validity(satellite.system)
        var i = Self.firstIndex(in: list, toeNotBefore: time - validity)
        while i < list.count {
            defer { i += 1 }
            let dt = time - list[i].toe
            if dt < -validity { break }
            if requireHealthy && !list[i].isHealthy { continue }
            if let message, case .kepler(let k) = list[i], k.message != message { continue }
            let score = forward && dt < -60 ? validity + abs(dt) : abs(dt)
            if score < bestScore {
                best = i
                bestScore = score
            }
        }
        return best.map { list[$0] }
    }

    /// The ephemeris of `satellite` with SSR issue of data `issue` nearest in time to `time` and valid then: GPS and
    /// QZSS by IODE, Galileo by IODnav (I/NAV, the message SSR refers to, else any), GLONASS by tb, BeiDou by toe
    /// modulo and parameter CRC (`KeplerEphemeris.beidouSSRIssue`). Searched in place
    /// over the entries within the system's validity of `time`, as `select(_:at:)` does.
    public func select(_ satellite: SatelliteID, issue: Int, near time: GNSSTime) -> Ephemeris? {
        guard let list = bySatellite[satellite] else { return nil }
        let validity = Ephemeris.validity(satellite.system)
        var best: Int?, bestIsINAV = false
        var i = Self.firstIndex(in: list, toeNotBefore: time - validity)
        while i < list.count, list[i].toe - time <= validity {
            defer { i += 1 }
            let inav: Bool
            switch list[i] {
            case .kepler(let k):
                guard (k.satellite.system == .beidou ? k.beidouSSRIssue : k.iode) == issue else { continue }
                inav = k.message == .inav
            case .glonass(let g):
                guard g.tb == issue else { continue }
                inav = false
            case .sbas: continue
            }
            // Galileo: an I/NAV issue before any other; otherwise the nearest.
            if let b = best {
                if bestIsINAV && !inav { continue }
                if bestIsINAV == inav && abs(time - list[b].toe) <= abs(time - list[i].toe) { continue }
            }
            best = i
            bestIsINAV = inav
        }
        return best.map { list[$0] }
    }

    /// Binary search: the index of the first ephemeris with toe at or after `time` (the count when none is).
    private static func firstIndex(in list: [Ephemeris], toeNotBefore time: GNSSTime) -> Int {
        var low = 0, high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle].toe - time < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension Ephemeris {
    func sameIssue(as other: Ephemeris) -> Bool {
        switch (self, other) {
        case (.kepler(let a), .kepler(let b)): a.iode == b.iode && a.message == b.message
        case (.glonass(let a), .glonass(let b)): a.tb == b.tb
        case (.sbas(let a), .sbas(let b)): a.iodn == b.iodn
        default: false
        }
    }
}
