import DaemonSupport
import Logging
import NIOCore
import NIOPosix

/// Keeps a station connected to its TCP server or NTRIP caster: connects, streams into the station until the
/// connection ends (closed, refused, no data for `no_data_timeout`), then waits — 0.25 s doubling to 5 s, with
/// jitter, starting over after a connection that delivered data — and connects again, until stopped.
final class StationSourceClient: Sendable {
    let link: SourceLink
    private let task: Task<Void, Never>

    /// The most a single read hands on: reads are bounded, and the station's inbox bounds how many wait.
    static let largestRead = 16_384
    static let connectTimeout = TimeAmount.seconds(5)

    init(station: StationRuntime, group: EventLoopGroup, metrics: GatewayMetrics, logger: Logger) {
        let link = SourceLink(station: station, metrics: metrics, logger: logger)
        self.link = link
        task = Task { await Self.run(link, configuration: station.configuration, group: group) }
    }

    private static func run(_ link: SourceLink, configuration c: StationConfiguration, group: EventLoopGroup) async {
        guard let remote = c.source.remoteAddress else { return }
        let request: NTRIPRequest? = if case .ntrip(let mountpoint) = c.source {
            NTRIPRequest(mountpoint: mountpoint, version: c.ntrip.version)
        } else {
            nil
        }
        let gga = c.ntrip.ggaPosition.map { (position: $0, interval: c.ntrip.ggaInterval) }
        let timeout = c.noDataTimeout
        var backoff = ReconnectBackoff()
        var retry = false
        while !Task.isCancelled {
            link.attempt(retry: retry)
            retry = true
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(connectTimeout)
                .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
                .channelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: largestRead))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers([
                            IdleStateHandler(readTimeout: .milliseconds(Int64(timeout * 1000))),
                            SourceStreamHandler(link: link, request: request, gga: gga, noDataTimeout: timeout),
                        ])
                    }
                }
            do {
                let channel = try await bootstrap.connect(host: remote.host, port: remote.port).get()
                await withTaskCancellationHandler {
                    try? await channel.closeFuture.get()
                } onCancel: {
                    channel.close(promise: nil)
                }
            } catch {
                link.end("connect_failed", "cannot connect to \(remote): \(error)")
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
