import GNSSCore

/// What a mountpoint has carried, for its sourcetable entry: each RTCM 3 message type with how often it came, the
/// navigation systems of its observations, and its bit rate.
///
/// Rates are measured on the stream's own elapsed time: the sum of the steps forward between consecutive records, of
/// up to an hour each, so that a jump of the records' times (a stream's first epoch resolved on the wrong day, a
/// receiver restarted) counts for nothing while a gap in the data still counts.
struct MountpointContent: Sendable {
    private struct TypeSeen: Sendable {
        /// The stream's elapsed time when it first came.
        var firstElapsed: Double
        /// Records it came in.
        var count = 1
    }

    private var types: [Int: TypeSeen] = [:]
    private var lastTime: GNSSTime?
    /// The stream's elapsed time, seconds.
    private var elapsed = 0.0
    private var bytes = 0
    /// Message types beyond this many are not tracked (a stream carries a dozen or so).
    static let typeLimit = 64

    /// Takes the frames of one epoch's record (whole frames, as the gateway makes them).
    mutating func add(frames: [UInt8], time: GNSSTime) {
        if let last = lastTime {
            let step = time - last
            if step > 0, step <= 3600 { elapsed += step }
        }
        lastTime = time
        bytes += frames.count
        var inRecord: Set<Int> = []
        var i = 0
        while i + 6 <= frames.count, frames[i] == 0xD3 {
            let length = Int(frames[i + 1] & 0x03) << 8 | Int(frames[i + 2])
            if length >= 2, i + 3 + length + 3 <= frames.count {
                inRecord.insert(Int(frames[i + 3]) << 4 | Int(frames[i + 4] >> 4))
            }
            i += 3 + length + 3
        }
        for type in inRecord {
            if types[type] != nil {
                types[type]?.count += 1
            } else if types.count < Self.typeLimit {
                types[type] = TypeSeen(firstElapsed: elapsed)
            }
        }
    }

    /// `1006(10),1077(1),…`: each type with its mean interval in whole seconds once it came more than once.
    var formatDetails: String {
        types.sorted { $0.key < $1.key }.map { type, seen in
            let span = elapsed - seen.firstElapsed
            guard seen.count > 1, span > 0 else { return "\(type)" }
            let interval = span / Double(seen.count - 1)
            return "\(type)(\(max(1, Int(interval.rounded()))))"
        }.joined(separator: ",")
    }

    /// The systems of the MSM and SSR types seen, as sourcetables name them (`GPS+GLO+GAL+BDS+QZS`).
    var navigationSystems: String {
        let names: [(name: String, msm: Int, ssr: ClosedRange<Int>?)] = [
            ("GPS", 107, 1057...1062), ("GLO", 108, 1063...1068), ("GAL", 109, 1240...1245), ("SBAS", 110, 1252...1257),
            ("QZS", 111, 1246...1251), ("BDS", 112, 1258...1263), ("IRS", 113, nil),
        ]
        let groups = Set(types.keys.filter { (1071...1137).contains($0) }.map { $0 / 10 })
        return names.filter { system in
            groups.contains(system.msm) || types.keys.contains { type in system.ssr?.contains(type) ?? false }
        }.map(\.name).joined(separator: "+")
    }

    /// Whether observations (MSM) came: the carrier field, 2 (L1 and L2) for MSM.
    var carriesObservations: Bool { types.keys.contains { (1071...1137).contains($0) } }

    /// Bits a second over the stream's elapsed time, nil before any has elapsed.
    var bitRate: Int? {
        guard elapsed > 0 else { return nil }
        return Int((Double(bytes * 8) / elapsed).rounded())
    }
}
