/// A quantity that can be summed bin by bin: counts, sums, moments.
public protocol WindowSum: Sendable {
    static var zero: Self { get }
    static func + (a: Self, b: Self) -> Self
}

/// A count and a sum (observations expected and received, C/N0 samples and their total, squared residuals…).
public struct Tally: WindowSum, Equatable {
    public var count: Double
    public var sum: Double

    public init(count: Double = 0, sum: Double = 0) {
        self.count = count
        self.sum = sum
    }

    public static let zero = Tally()
    public static func + (a: Tally, b: Tally) -> Tally { Tally(count: a.count + b.count, sum: a.sum + b.sum) }
    /// The mean, nil without samples.
    public var mean: Double? { count > 0 ? sum / count : nil }
}

/// The first moments of a series: how many values, their sum and the sum of their squares.
public struct Moments: WindowSum, Equatable {
    public var count: Double
    public var sum: Double
    public var squares: Double

    public init(count: Double = 0, sum: Double = 0, squares: Double = 0) {
        self.count = count
        self.sum = sum
        self.squares = squares
    }

    public init(_ value: Double) { self.init(count: 1, sum: value, squares: value * value) }

    public static let zero = Moments()
    public static func + (a: Moments, b: Moments) -> Moments {
        Moments(count: a.count + b.count, sum: a.sum + b.sum, squares: a.squares + b.squares)
    }

    /// Σ (x − m)² of the values about `m`.
    public func squaredDeviations(about m: Double) -> Double { max(squares - 2 * m * sum + count * m * m, 0) }
}

/// Sums over the last hour in sixty one-minute bins, by the minute of the data's own time. A bin more than an hour
/// older than the latest minute asked about is forgotten when its slot is reused, so the state has the same size
/// however long a station runs.
public struct HourWindow<Value: WindowSum>: Sendable {
    public static var minutes: Int64 { 60 }
    private var binMinute = [Int64](repeating: .min, count: 60)
    private var bins = [Value](repeating: .zero, count: 60)

    public init() {}

    /// The minute (since the GPS epoch) a time falls in.
    public static func minute(of seconds: Int64) -> Int64 { seconds >= 0 ? seconds / 60 : (seconds - 59) / 60 }

    public mutating func add(_ value: Value, minute: Int64) {
        let slot = Int(((minute % Self.minutes) + Self.minutes) % Self.minutes)
        if binMinute[slot] != minute {
            // A slot only ever holds a later minute than the one it replaces: data older than an hour is dropped.
            guard binMinute[slot] < minute else { return }
            binMinute[slot] = minute
            bins[slot] = .zero
        }
        bins[slot] = bins[slot] + value
    }

    /// The sum over the hour ending with minute `latest` (that minute and the 59 before it).
    public func sum(endingAt latest: Int64) -> Value {
        var total = Value.zero
        for i in binMinute.indices where binMinute[i] <= latest && binMinute[i] > latest - Self.minutes { total = total + bins[i] }
        return total
    }

    /// The sum of each bin's `transform` over the hour ending with minute `latest`.
    public func sum<T: WindowSum>(endingAt latest: Int64, _ transform: (Value) -> T) -> T {
        var total = T.zero
        for i in binMinute.indices where binMinute[i] <= latest && binMinute[i] > latest - Self.minutes { total = total + transform(bins[i]) }
        return total
    }

    /// Each bin of the hour ending with minute `latest`, with its minute.
    public func bins(endingAt latest: Int64) -> [(minute: Int64, value: Value)] {
        binMinute.indices.compactMap { i in
            let m = binMinute[i]
            return m <= latest && m > latest - Self.minutes ? (m, bins[i]) : nil
        }
    }
}
