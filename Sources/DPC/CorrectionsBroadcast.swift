import Synchronization

/// The DPC's corrections on their way back to the gateways over the link: each
/// epoch's SSR frames get a sequence number and are sent to every authenticated
/// gateway. The latest `retained` epochs are kept, so a gateway that reconnects
/// is sent those after the last it acknowledged (older ones would be stale to
/// its users anyway). Bounded: the retained epochs, and per link what the
/// channel takes (a link that is not writable skips an epoch, counted).
public final class CorrectionsBroadcast: Sendable {
    /// Sends one epoch's corrections to a link; false when the link could not take them.
    public typealias Send = @Sendable (_ sequence: UInt64, _ rtcm: [UInt8]) -> Bool

    public static let retained = 64

    private struct Subscriber {
        var gateway: String
        var send: Send
    }

    private struct State {
        var next: UInt64 = 1
        var recent: [(sequence: UInt64, rtcm: [UInt8])] = []
        var subscribers: [Int: Subscriber] = [:]
        var nextToken = 0
        var acknowledged: [String: UInt64] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// One epoch's SSR frames, to every linked gateway. Returns to how many links they went, and how many could not
    /// take them.
    @discardableResult
    public func publish(_ rtcm: [UInt8]) -> (sent: Int, skipped: Int) {
        guard !rtcm.isEmpty else { return (0, 0) }
        let (sequence, targets) = state.withLock { s -> (UInt64, [Subscriber]) in
            let sequence = s.next
            s.next += 1
            s.recent.append((sequence, rtcm))
            if s.recent.count > Self.retained { s.recent.removeFirst(s.recent.count - Self.retained) }
            return (sequence, Array(s.subscribers.values))
        }
        let taken = targets.reduce(0) { $0 + ($1.send(sequence, rtcm) ? 1 : 0) }
        return (taken, targets.count - taken)
    }

    /// Adds a gateway's link; it is sent at once the retained corrections after the last it acknowledged. Returns the
    /// token that removes it.
    public func subscribe(gateway: String, send: @escaping Send) -> Int {
        let (token, backlog) = state.withLock { s in
            let token = s.nextToken
            s.nextToken += 1
            s.subscribers[token] = Subscriber(gateway: gateway, send: send)
            let after = s.acknowledged[gateway] ?? 0
            return (token, s.recent.filter { $0.sequence > after })
        }
        for entry in backlog where !send(entry.sequence, entry.rtcm) { break }
        return token
    }

    public func unsubscribe(_ token: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: token) }
    }

    /// A gateway has taken every correction up to `sequence`.
    public func acknowledge(gateway: String, through sequence: UInt64) {
        state.withLock { s in
            // Bounded by the gateways that link: one number each.
            s.acknowledged[gateway] = max(s.acknowledged[gateway] ?? 0, sequence)
        }
    }
}
