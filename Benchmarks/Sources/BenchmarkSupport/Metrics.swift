/// Sum of every sample of a Prometheus metric family in a `/metrics` body (all label sets).
public func total(_ body: String, _ name: String) -> Double {
    body.split(separator: "\n").filter { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
        .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
}

/// Sum of a metric family's samples whose labels include `label`.
public func total(_ body: String, _ name: String, label: String) -> Double {
    body.split(separator: "\n").filter { $0.hasPrefix(name + "{") && $0.contains(label) }
        .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
}

/// A quantile from a cumulative histogram, interpolated linearly inside its bucket.
public func quantile(_ body: String, _ name: String, _ q: Double) -> Double? {
    var buckets: [(le: Double, count: Double)] = []
    for line in body.split(separator: "\n") where line.hasPrefix(name + "_bucket{le=\"") {
        let le = line.split(separator: "\"")[1]
        guard let count = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
        buckets.append((le == "+Inf" ? .infinity : Double(le) ?? .infinity, count))
    }
    guard let all = buckets.last?.count, all > 0 else { return nil }
    let target = q * all
    var previous: (le: Double, count: Double) = (0, 0)
    for b in buckets {
        if b.count >= target {
            guard b.le.isFinite else { return previous.le }
            let inside = b.count - previous.count
            return inside > 0 ? previous.le + (b.le - previous.le) * (target - previous.count) / inside : b.le
        }
        previous = b
    }
    return nil
}
