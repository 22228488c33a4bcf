import Logging
import NIOCore
import Prometheus
import Synchronization

/// What a push target's connection handler, its retry loop and the station's task share: the connection streaming
/// now (frames are written to it), what was sent and dropped, and why the last connection ended. Frames are queued
/// without waiting; past `PushClient.bufferBytes` unsent they are dropped and counted, so a stalled caster never
/// slows the station. Problems are logged once per change, not at every retry.
final class PushLink: Sendable {
    /// The target as status shows it.
    struct Snapshot: Sendable {
        var connected: Bool
        var reconnects: Int
        var bytes: Int
        var dropped: Int
        var problem: String?
    }

    private struct State {
        /// The connection the caster accepted, while it lasts.
        var channel: Channel?
        var reconnects = 0
        var bytes = 0
        var dropped = 0
        /// How the current attempt ended, first reason only.
        var ending: (reason: String, message: String)?
        var streamed = false
        var reported: String?
        var problem: String?
    }

    let station: String
    let target: PushTarget
    private let state = Mutex(State())
    private let unsent = Atomic<Int>(0)
    private let allocator = ByteBufferAllocator()
    private let logger: Logger
    private let metrics: GatewayMetrics
    private let connectedGauge: Gauge
    private let reconnectCounter: Counter
    private let byteCounter: Counter
    private let dropCounter: Counter

    init(station: String, target: PushTarget, metrics: GatewayMetrics, logger: Logger) {
        self.station = station
        self.target = target
        self.metrics = metrics
        var logger = logger
        logger[metadataKey: "station"] = "\(station)"
        logger[metadataKey: "push"] = "\(target)"
        self.logger = logger
        let name = target.description
        connectedGauge = metrics.pushConnected(station, name)
        reconnectCounter = metrics.pushReconnects(station, name)
        byteCounter = metrics.pushBytes(station, name)
        dropCounter = metrics.pushDropped(station, name)
        for reason in GatewayMetrics.pushErrorReasons { _ = metrics.pushErrors(station, name, reason: reason) }
        connectedGauge.set(Double(0))
    }

    /// A new connection attempt; `retry` when it is not the first.
    func attempt(retry: Bool) {
        state.withLock { s in
            s.ending = nil
            s.streamed = false
            if retry { s.reconnects += 1 }
        }
        if retry { reconnectCounter.increment() }
    }

    /// The caster accepted the push on `channel` with `status`: frames go to it from now on.
    func streaming(_ channel: Channel, status: String) {
        unsent.store(0, ordering: .relaxed)
        state.withLock { s in
            s.channel = channel
            s.streamed = true
            s.problem = nil
        }
        connectedGauge.set(Double(1))
        report("streaming (\(status))", warning: false)
    }

    /// One record's frames, from the station's task: written to the caster (as a chunk for NTRIP 2.0) unless it is
    /// not streaming or holds `PushClient.bufferBytes` unsent already, when they are dropped and counted.
    func send(_ frames: [UInt8]) {
        guard !frames.isEmpty else { return }
        guard let channel = state.withLock({ $0.channel }) else {
            drop(frames.count)
            return
        }
        var buffer: ByteBuffer
        if target.version == 2 {
            buffer = allocator.buffer(capacity: frames.count + 16)
            buffer.writeString(String(frames.count, radix: 16, uppercase: true) + "\r\n")
            buffer.writeBytes(frames)
            buffer.writeString("\r\n")
        } else {
            buffer = allocator.buffer(bytes: frames)
        }
        let size = buffer.readableBytes
        if unsent.wrappingAdd(size, ordering: .relaxed).newValue > PushClient.bufferBytes {
            unsent.wrappingSubtract(size, ordering: .relaxed)
            drop(frames.count)
            return
        }
        let payload = frames.count
        channel.writeAndFlush(buffer).whenComplete { [self] result in
            unsent.wrappingSubtract(size, ordering: .relaxed)
            if case .success = result {
                byteCounter.increment(by: Int64(payload))
                state.withLock { $0.bytes += payload }
            }
        }
    }

    private func drop(_ count: Int) {
        dropCounter.increment(by: Int64(count))
        state.withLock { $0.dropped += count }
    }

    /// The current connection ends for `reason`; only the first reason of an attempt is kept.
    func end(_ reason: String, _ message: String) {
        state.withLock { s in
            if s.ending == nil { s.ending = (reason, message) }
        }
    }

    /// Closes the account of an attempt once its connection is gone: counts and logs why it ended. Returns whether
    /// the caster had accepted it (the retry delay starts over then).
    func finishAttempt() -> Bool {
        let (ending, streamed) = state.withLock { s in
            let e = s.ending ?? (reason: "closed", message: "the caster closed the connection")
            s.channel = nil
            s.problem = e.message
            return (e, s.streamed)
        }
        connectedGauge.set(Double(0))
        metrics.pushErrors(station, target.description, reason: ending.reason).increment()
        report(ending.message, warning: true, reason: ending.reason)
        return streamed
    }

    /// The client stopped (the station was removed or the daemon stops).
    func stopped() {
        state.withLock { $0.channel = nil }
        connectedGauge.set(Double(0))
    }

    /// Logs `line` unless it is what was logged last.
    private func report(_ line: String, warning: Bool, reason: String? = nil) {
        let changed = state.withLock { s in
            defer { s.reported = line }
            return s.reported != line
        }
        guard changed else { return }
        if warning {
            logger.warning("push: \(line)", metadata: ["reason": "\(reason ?? "")", "retrying": "with backoff"])
        } else {
            logger.info("push \(line)")
        }
    }

    var snapshot: Snapshot {
        state.withLock { s in
            Snapshot(connected: s.channel != nil, reconnects: s.reconnects, bytes: s.bytes, dropped: s.dropped, problem: s.problem)
        }
    }
}
