import Foundation
import GNSSCore

/// How a station's solutions went against a known truth over a run: when they first came within the
/// convergence limits for good, how close they stayed after that, and, for each outage of the station's
/// epochs, how long they took to come back within the limits once the data returned.
public struct ConvergenceStory: Sendable {
    /// Within these limits a solution counts as converged: the "10 cm horizontal, 20 cm vertical".
    public static let horizontalLimit = 0.10
    public static let verticalLimit = 0.20

    /// A stretch without epochs: from the last epoch before it to the first after it, and the seconds from
    /// that first epoch until the solutions were back within the limits for good (nil: never).
    public struct Outage: Sendable {
        public var lastBefore: GNSSTime
        public var firstAfter: GNSSTime
        public var reconvergedAfter: Double?
        public var seconds: Double { firstAfter - lastBefore }
    }

    public var epochs = 0
    /// Seconds from the first epoch until the solutions stayed within the limits up to the first outage (or the
    /// end); nil when they never did.
    public var convergedAfter: Double?
    /// Root mean square errors of the converged epochs (every stretch's epochs after it came within the limits).
    public var horizontalRMS: Double?
    public var verticalRMS: Double?
    public var outages: [Outage] = []

    /// Solutions in time order with their errors against the truth (east, north, up in metres). A gap longer
    /// than three times the usual interval between epochs, and at least 3 s, is an outage.
    public init(errors: [(time: GNSSTime, error: ENU)]) {
        epochs = errors.count
        guard errors.count > 1 else { return }
        let steps = zip(errors.dropFirst(), errors).map { $0.time - $1.time }.sorted()
        let gapLimit = max(3 * steps[steps.count / 2], 3)
        // Stretches of epochs without an outage inside.
        var stretches: [Range<Int>] = []
        var start = 0
        for i in 1..<errors.count where errors[i].time - errors[i - 1].time > gapLimit {
            stretches.append(start..<i)
            outages.append(Outage(lastBefore: errors[i - 1].time, firstAfter: errors[i].time))
            start = i
        }
        stretches.append(start..<errors.count)
        var horizontal = 0.0, vertical = 0.0, converged = 0
        for (k, stretch) in stretches.enumerated() {
            // The first epoch from which every later one of the stretch is within the limits.
            var first = stretch.upperBound
            for i in stretch.reversed() {
                let e = errors[i].error
                guard e.horizontal <= Self.horizontalLimit && abs(e.up) <= Self.verticalLimit else { break }
                first = i
            }
            guard first < stretch.upperBound else { continue }
            let after = errors[first].time - errors[stretch.lowerBound].time
            if k == 0 { convergedAfter = after } else { outages[k - 1].reconvergedAfter = after }
            for i in first..<stretch.upperBound {
                horizontal += errors[i].error.horizontal * errors[i].error.horizontal
                vertical += errors[i].error.up * errors[i].error.up
                converged += 1
            }
        }
        if converged > 0 {
            horizontalRMS = (horizontal / Double(converged)).squareRoot()
            verticalRMS = (vertical / Double(converged)).squareRoot()
        }
    }

    /// One line for people: "converged after 12 s, then 2.1 cm horizontal and 3.0 cm vertical RMS".
    public var summary: String {
        guard epochs > 1 else { return "too few epochs to judge" }
        guard let convergedAfter else {
            return String(format: "not within %.0f cm horizontal / %.0f cm vertical for good in %d epochs",
                          Self.horizontalLimit * 100, Self.verticalLimit * 100, epochs)
        }
        var text = "converged after \(Self.seconds(convergedAfter))"
        if let h = horizontalRMS, let v = verticalRMS {
            text += String(format: ", then %.1f cm horizontal and %.1f cm vertical RMS", h * 100, v * 100)
        }
        return text
    }

    /// Seconds for people: "12 s" below two minutes, "2.5 min" above.
    public static func seconds(_ s: Double) -> String { s < 120 ? "\(Int(s.rounded())) s" : String(format: "%.1f min", s / 60) }
}

/// The simulator's truth of a station (its `NAME-truth.csv`): the marker position at each second.
public struct TruthTrack: Sendable {
    private var positions: [String: ECEF] = [:]

    /// Reads `time_gpst,marker_x,marker_y,marker_z,…` lines; nil when the file cannot be read.
    public init?(path: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: ",")
            guard fields.count >= 4, let x = Double(fields[1]), let y = Double(fields[2]), let z = Double(fields[3]) else { continue }
            positions[String(fields[0].prefix(19))] = ECEF(x, y, z)
        }
        if positions.isEmpty { return nil }
    }

    /// The marker at an ISO 8601 time (to the second), as solutions and the status write it.
    public func position(at time: String) -> ECEF? { positions[String(time.prefix(19))] }
}

/// A station's solutions as a live gateway logs them in JSON lines (`NAME.json`): time and ECEF position.
enum SolutionLogReader {
    static func positions(path: String) -> [(time: GNSSTime, iso: String, position: ECEF)] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var out: [(time: GNSSTime, iso: String, position: ECEF)] = []
        for line in text.split(separator: "\n") where line.hasPrefix("{") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let iso = object["time"] as? String, let ecef = object["ecef"] as? [Double], ecef.count == 3,
                  (object["quality"] as? String) != "none", let time = GNSSTime(iso8601: iso) else { continue }
            out.append((time, iso, ECEF(ecef[0], ecef[1], ecef[2])))
        }
        return out
    }
}
