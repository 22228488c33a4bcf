/// The wait before the next attempt to reach the DPC, or a station's TCP server
/// or NTRIP caster: 0.25 s after the first failure, doubling to at most 5 s, each
/// wait drawn between half and all of that so clients that lost a peer together
/// do not come back in step. The cap bounds how long a link stays down after its
/// peer is back.
struct ReconnectBackoff {
    static let first = Duration.milliseconds(250)
    static let cap = Duration.seconds(5)

    private var ceiling = first

    /// The next wait, and the ceiling doubled for the one after.
    mutating func next() -> Duration {
        let wait = ceiling / 2 + (ceiling / 2) * Double.random(in: 0...1)
        ceiling = min(ceiling * 2, Self.cap)
        return wait
    }

    /// The link came up: the next failure starts from the shortest wait again.
    mutating func reset() { ceiling = Self.first }
}
