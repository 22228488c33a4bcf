import GNSSCore

/// How long a positioning filter takes to converge: the first time after
/// which every later solution stays within the horizontal and vertical limits.
public enum Convergence {
    public struct Sample: Sendable {
        public var time: GNSSTime
        /// Error against the truth, local east/north/up, metres.
        public var error: ENU

        public init(time: GNSSTime, error: ENU) {
            self.time = time
            self.error = error
        }

        public var horizontal: Double { (error.east * error.east + error.north * error.north).squareRoot() }
    }

    /// Seconds from `start` until the errors stay within the limits to the end of `samples`; nil if they never do.
    public static func time(_ samples: [Sample], from start: GNSSTime, horizontal: Double = 0.10, vertical: Double = 0.20) -> Double? {
        var converged: GNSSTime?
        for s in samples {
            if s.horizontal < horizontal && abs(s.error.up) < vertical {
                if converged == nil { converged = s.time }
            } else {
                converged = nil
            }
        }
        return converged.map { $0 - start }
    }

    /// Root-mean-square horizontal and vertical errors of the samples at or after `time`.
    public static func rms(_ samples: [Sample], after time: GNSSTime) -> (horizontal: Double, vertical: Double)? {
        let tail = samples.filter { $0.time >= time }
        guard !tail.isEmpty else { return nil }
        let n = Double(tail.count)
        let h = tail.reduce(0) { $0 + $1.horizontal * $1.horizontal } / n
        let v = tail.reduce(0) { $0 + $1.error.up * $1.error.up } / n
        return (h.squareRoot(), v.squareRoot())
    }
}
