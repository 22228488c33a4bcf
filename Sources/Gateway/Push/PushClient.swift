import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Keeps a station's corrections pushed to one caster (`push:`) as an NTRIP server: connects (over TLS for
/// `ntrips://`), sends `SOURCE` or `POST`, and once the caster accepts, the station's frames go to it through the
/// `PushLink` until the connection ends; then waits — 0.25 s doubling to 5 s, with jitter, starting over after a
/// connection the caster accepted — and connects again, until stopped.
final class PushClient: Sendable {
    let link: PushLink
    private let task: Task<Void, Never>

    /// Bytes queued for the caster and not yet taken by its socket, above which frames are dropped.
    static let bufferBytes = 256 << 10
    /// The kernel send buffer asked for the socket: what the caster has not taken is then mostly counted above.
    static let socketSendBuffer = 32 << 10

    init(station: String, target: PushTarget, group: EventLoopGroup, metrics: GatewayMetrics, logger: Logger) {
        let link = PushLink(station: station, target: target, metrics: metrics, logger: logger)
        self.link = link
        task = Task { await Self.run(link, group: group) }
    }

    /// One record's frames, from the station's task; never waits.
    func send(_ frames: [UInt8]) {
        link.send(frames)
    }

    private static func run(_ link: PushLink, group: EventLoopGroup) async {
        let target = link.target
        let remote = target.mountpoint.caster
        let request = NTRIPRequest(mountpoint: target.mountpoint, version: target.version, push: true)
        var backoff = ReconnectBackoff()
        var retry = false
        while !Task.isCancelled {
            link.attempt(retry: retry)
            retry = true
            var tls: NIOSSLContext?
            if target.mountpoint.secure {
                do {
                    tls = try StationSourceClient.tlsContext(trustAnchor: target.trustAnchor)
                } catch {
                    link.end("tls", "TLS set-up failed: \(error)")
                }
            }
            if !target.mountpoint.secure || tls != nil {
                let serverName = StationSourceClient.isAddressLiteral(remote.host) ? nil : remote.host
                let bootstrap = ClientBootstrap(group: group)
                    .connectTimeout(StationSourceClient.connectTimeout)
                    .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
                    .channelOption(ChannelOptions.socketOption(.so_sndbuf), value: socketSendBuffer)
                    .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                    .channelInitializer { [tls] channel in
                        channel.eventLoop.makeCompletedFuture {
                            if let tls {
                                try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                            }
                            try channel.pipeline.syncOperations.addHandler(PushStreamHandler(link: link, request: request))
                        }
                    }
                await StationSourceClient.connectAndWait(bootstrap, to: remote) { link.end("connect_failed", $0) }
            }
            if Task.isCancelled { break }
            if link.finishAttempt() { backoff.reset() }
            do { try await Task.sleep(for: backoff.next()) } catch { break }
        }
        link.stopped()
    }

    /// Closes the connection and ends the retries.
    func stop() async {
        task.cancel()
        await task.value
    }
}
