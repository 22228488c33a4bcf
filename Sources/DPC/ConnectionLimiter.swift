import Synchronization

/// Counts the DPC's open connections, in total and per peer address, and
/// admits a new one only while both stay within their caps, so no peer (and
/// no crowd of them) can hold more than a bounded share of the server before
/// authenticating.
public final class ConnectionLimiter: Sendable {
    public enum Refusal: String, Sendable {
        case total = "connection_limit"
        case perAddress = "address_limit"
    }

    private struct Counts {
        var total = 0
        var byAddress: [String: Int] = [:]
    }

    public let maxTotal: Int
    public let maxPerAddress: Int
    private let counts = Mutex(Counts())

    public init(maxTotal: Int, maxPerAddress: Int) {
        self.maxTotal = maxTotal
        self.maxPerAddress = maxPerAddress
    }

    /// Takes a place for a connection from `address`, or says which cap refuses it.
    public func admit(_ address: String) -> Refusal? {
        counts.withLock { c in
            if c.total >= maxTotal { return .total }
            if c.byAddress[address, default: 0] >= maxPerAddress { return .perAddress }
            c.total += 1
            c.byAddress[address, default: 0] += 1
            return nil
        }
    }

    /// Gives back the place of a closed connection from `address`.
    public func release(_ address: String) {
        counts.withLock { c in
            c.total -= 1
            let left = c.byAddress[address, default: 1] - 1
            c.byAddress[address] = left > 0 ? left : nil
        }
    }

    public var open: Int { counts.withLock { $0.total } }
}
