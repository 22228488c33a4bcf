import Foundation
import DaemonSupport
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Keeps a station connected to its TCP server or NTRIP caster (over TLS for `ntrips://`, the caster's certificate
/// verified against the trust anchor, else the system's trust store): connects, streams into the station until the
/// connection ends (closed, refused, no data for `no_data_timeout`), then waits — 0.25 s doubling to 5 s, with
/// jitter, starting over after a connection that delivered data — and connects again, until stopped. For NTRIP
/// (unless `sourcetable: false`) the caster's sourcetable is fetched and checked for the mountpoint before the first
/// connection to it and after the caster said it has none: a mountpoint it does not list ends the attempt as
/// missing, and a caster that accepts `GET /` without a sourcetable is taken at its word and asked for the mountpoint.
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
        let ggaInterval = c.ntrip.ggaPosition != nil || c.ntrip.ggaFromSolution ? c.ntrip.ggaInterval : nil
        let timeout = c.noDataTimeout
        var backoff = ReconnectBackoff()
        var retry = false
        var checkSourcetable = request != nil && c.ntrip.sourcetable
        while !Task.isCancelled {
            link.attempt(retry: retry)
            retry = true
            let tls: NIOSSLContext?
            do {
                tls = try Self.tlsContext(c)
            } catch {
                link.end("tls", "TLS set-up failed: \(error)")
                if link.finishAttempt() { backoff.reset() }
                do { try await Task.sleep(for: backoff.next()) } catch { break }
                continue
            }
            if checkSourcetable, let request {
                checkSourcetable = !(await Self.checkSourcetable(link, request: request, remote: remote, tls: tls, group: group,
                                                                 timeout: timeout, ggaConfigured: ggaInterval != nil))
                if Task.isCancelled { break }
            }
            if !checkSourcetable {
                await Self.connection(link, remote: remote, tls: tls, group: group, timeout: timeout) {
                    SourceStreamHandler(link: link, request: request, ggaInterval: ggaInterval, noDataTimeout: timeout)
                }
                if Task.isCancelled { break }
                if link.endingReason == "mountpoint_missing" && request != nil && c.ntrip.sourcetable { checkSourcetable = true }
            }
            if link.finishAttempt() { backoff.reset() }
            do { try await Task.sleep(for: backoff.next()) } catch { break }
        }
        link.stopped()
    }

    /// Connects to `remote` with the TLS handler first for `tls`, the read timeout and the handler `handler` makes,
    /// and waits for the connection to end (closed on cancellation); one that cannot be made is reported to the link.
    private static func connection(_ link: SourceLink, remote: NetworkAddress, tls: NIOSSLContext?, group: EventLoopGroup, timeout: Double,
                                   handler: @escaping @Sendable () -> ChannelHandler) async {
        let serverName = Self.isAddressLiteral(remote.host) ? nil : remote.host
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .channelOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: largestRead))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        IdleStateHandler(readTimeout: .milliseconds(Int64(timeout * 1000))),
                        handler(),
                    ])
                }
            }
        await connectAndWait(bootstrap, to: remote) { link.end("connect_failed", $0) }
    }

    /// Connects `bootstrap` to `remote` and waits for the connection to end (closed on cancellation); a connection
    /// that cannot be made is described to `failed`. Station sources and push targets connect this way.
    static func connectAndWait(_ bootstrap: ClientBootstrap, to remote: NetworkAddress, failed: (String) -> Void) async {
        do {
            let channel = try await bootstrap.connect(host: remote.host, port: remote.port).get()
            await withTaskCancellationHandler {
                try? await channel.closeFuture.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            failed("cannot connect to \(remote): \(connectFailure(error))")
        }
    }

    /// Fetches the caster's sourcetable and looks for the mountpoint of `request` in it; true when the mountpoint may
    /// be asked for (listed, its record logged, or the caster answered `GET /` with something else than a
    /// sourcetable), false when the attempt has ended (the mountpoint is not listed, or no answer: reported to the
    /// link).
    private static func checkSourcetable(_ link: SourceLink, request: NTRIPRequest, remote: NetworkAddress, tls: NIOSSLContext?,
                                         group: EventLoopGroup, timeout: Double, ggaConfigured: Bool) async -> Bool {
        var tableRequest = request
        tableRequest.sourcetable = true
        let outcome = group.next().makePromise(of: SourcetableFetchHandler.Outcome.self)
        link.fetchingSourcetable()
        await connection(link, remote: remote, tls: tls, group: group, timeout: timeout) { [tableRequest] in
            SourcetableFetchHandler(link: link, request: tableRequest, noDataTimeout: timeout, outcome: outcome)
        }
        // The handler has completed it unless no connection was made; then this does.
        outcome.succeed(.failed)
        switch try? await outcome.futureResult.get() {
        case .sourcetable(let status, let table)?:
            let entries = SourcetableEntry.entries(table)
            if let entry = entries.first(where: { $0.mountpoint == request.mountpoint.mountpoint }) {
                link.listed(entry, ggaConfigured: ggaConfigured)
                return true
            }
            let refusal = NTRIPResponseParser.Failure.mountpointNotListed(status, entries.map { String($0.mountpoint.prefix(100)) })
            link.end(refusal.reason, refusal.description)
            return false
        case .notASourcetable?:
            return true
        case .failed?, nil:
            return false
        }
    }

    /// Why a connection could not be made, in a few words: the system's text for the first address's error, a
    /// timeout, or a name that does not resolve.
    static func connectFailure(_ error: Error) -> String {
        if let e = error as? NIOConnectionError {
            if let first = e.connectionErrors.first { return connectFailure(first.error) }
            if e.dnsAError != nil || e.dnsAAAAError != nil { return "the name does not resolve" }
        }
        if let io = error as? IOError { return String(cString: strerror(io.errnoCode)) }
        if case ChannelError.connectTimeout(let t) = error { return "no answer within \(t.nanoseconds / 1_000_000_000) s" }
        return "\(error)"
    }

    /// The TLS client context of an `ntrips://` source (nil for the others), made at each attempt so a renewed trust
    /// anchor file is read.
    private static func tlsContext(_ c: StationConfiguration) throws -> NIOSSLContext? {
        guard case .ntrip(let mountpoint) = c.source, mountpoint.secure else { return nil }
        return try tlsContext(trustAnchor: c.ntrip.trustAnchor)
    }

    /// A TLS client context verifying the server's certificate against `trustAnchor` (a PEM file), else the system's
    /// trust store.
    static func tlsContext(trustAnchor: String?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let anchor = trustAnchor {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(anchor))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Whether `host` is an IP address rather than a name (no SNI is sent for an address; the certificate must name it).
    static func isAddressLiteral(_ host: String) -> Bool {
        host.contains(":") || (host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." })
    }

    /// Closes the connection and ends the retries.
    func stop() async {
        task.cancel()
        await task.value
    }
}
