import NIOCore

/// What one client connection to a daemon's local server (the metrics endpoint, the control socket)
/// may hold, so that no client, however it behaves, makes the daemon grow without bound.
public struct ConnectionLimits: Sendable, Hashable {
    /// Connections open at once; a connection beyond it is closed as soon as it is accepted.
    public var maxConnections: Int
    /// A connection on which nothing is read or written for this long is closed
    /// (also one whose client stopped reading the replies).
    public var idleTimeout: Duration
    /// The largest request: an HTTP request's line and headers, or its body; a control request line.
    public var maxRequestBytes: Int

    public init(maxConnections: Int, idleTimeout: Duration, maxRequestBytes: Int) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.maxRequestBytes = maxRequestBytes
    }

    /// `GET /metrics` and `/healthz`: a few scrapers, each keeping a connection alive between scrapes
    /// (the idle timeout is longer than Prometheus's default one-minute interval, so it is reused).
    public static let metricsEndpoint = ConnectionLimits(maxConnections: 64, idleTimeout: .seconds(120), maxRequestBytes: 8 * 1024)
    /// The control socket: short exchanges with `gatewayctl` and monitoring scripts.
    public static let controlSocket = ConnectionLimits(maxConnections: 32, idleTimeout: .seconds(30), maxRequestBytes: 64 * 1024)

    /// Reply bytes queued in the daemon for one connection above which it stops taking requests
    /// from it, and below which it takes them again.
    static let replyBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 * 1024, high: 64 * 1024)
    /// The most bytes one read from a connection takes from the kernel: the requests a client can
    /// have decoded before the daemon next looks at whether its replies are being read.
    static let largestRead = 16 * 1024
}
