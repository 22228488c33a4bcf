import DaemonSupport
import NIOCore
import NIOPosix
import Synchronization

/// One bound UDP port and the stations it feeds. Several stations may share a
/// port when each names its source addresses (`allow`); a datagram from a
/// source no station accepts, an oversize datagram, or one that finds its
/// station's inbox full is dropped and counted by reason, and so are those the
/// kernel dropped because the socket's receive buffer was full.
final class UDPListener: Sendable {
    /// Datagrams this long or longer are dropped as oversize (an RTCM 3 frame is at most 1029 bytes; a datagram may carry
    /// several). The receive buffers hold this many bytes: a longer datagram is cut to it and still seen as oversize.
    static let smallestOversizeDatagram = 9216

    let address: NetworkAddress
    private let channel: Channel
    private let routes: RouteTable
    /// The socket's receive buffer as the kernel set it (`SO_RCVBUF` read back: twice what was granted, with
    /// the kernel's bookkeeping), at most twice `net.core.rmem_max` for an unprivileged daemon.
    let receiveBufferBytes: Int
    private let kernelDrops: ReceiveBufferDrops?

    var localAddress: SocketAddress? { channel.localAddress }

    /// Binds `address` with a receive buffer of `receiveBuffer` bytes asked for.
    init(address: NetworkAddress, stations: [StationRuntime], receiveBuffer: Int, group: EventLoopGroup, metrics: GatewayMetrics) async throws {
        self.address = address
        let table = RouteTable(stations)
        routes = table
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: SocketOptionValue(clamping: receiveBuffer))
            .channelOption(ChannelOptions.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.smallestOversizeDatagram))
            .channelOption(ChannelOptions.maxMessagesPerRead, value: 16)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramHandler(listen: address.description, routes: table, metrics: metrics))
                }
            }
        do {
            channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch {
            let names = stations.map(\.configuration.name).sorted().joined(separator: ", ")
            throw ListenError(purpose: (stations.count == 1 ? "station " : "stations ") + names, transport: .udp,
                              address: address.description, setting: "listen", underlying: error)
        }
        receiveBufferBytes = Int(try await channel.getOption(ChannelOptions.socketOption(.so_rcvbuf)).get())
        kernelDrops = ReceiveBufferDrops(channel: channel, counter: metrics.datagramsDropped("receive_buffer", listen: address.description))
    }

    /// Counts the datagrams the kernel dropped at this socket since the last call (a full receive buffer).
    func countKernelDrops() async {
        await kernelDrops?.update()
    }

    var stations: [StationRuntime] { routes.stations }

    func replace(_ list: [StationRuntime]) { routes.replace(list) }

    func close() async {
        try? await channel.close()
    }
}

/// Which station of a port a source address belongs to; replaced whole on reload.
final class RouteTable: Sendable {
    private struct Route: Sendable {
        var station: StationRuntime
        var filters: [SourceFilter]
    }

    private let routes: Mutex<[Route]>

    init(_ stations: [StationRuntime]) {
        routes = Mutex(Self.routes(stations))
    }

    var stations: [StationRuntime] { routes.withLock { $0.map(\.station) } }

    func replace(_ stations: [StationRuntime]) {
        let new = Self.routes(stations)
        routes.withLock { $0 = new }
    }

    /// The station accepting datagrams from `source`, or nil when none does.
    func station(for source: SocketAddress?) -> StationRuntime? {
        let ip = source?.ipAddress
        return routes.withLock { list in
            list.first { r in r.filters.isEmpty || (ip.map { a in r.filters.contains { $0.matches(a) } } ?? false) }?.station
        }
    }

    private static func routes(_ stations: [StationRuntime]) -> [Route] {
        // Stations with an allow list are tried first, so a catch-all station on the same port gets only the rest.
        stations.map { Route(station: $0, filters: $0.configuration.allow.compactMap(SourceFilter.init)) }
            .sorted { !$0.filters.isEmpty && $1.filters.isEmpty }
    }
}

/// An `allow` entry: one address (`192.0.2.7`, `2001:db8::1`) or an IPv4 network (`192.0.2.0/24`).
struct SourceFilter: Sendable, Hashable {
    private var address: String
    private var network: (base: UInt32, mask: UInt32)?

    init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        if parts.count == 2 {
            guard let base = Self.ipv4(String(parts[0])), let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            network = (base & mask, mask)
            address = text
        } else {
            guard !text.isEmpty else { return nil }
            address = text
        }
    }

    func matches(_ ip: String) -> Bool {
        if let network {
            guard let a = Self.ipv4(ip) else { return false }
            return a & network.mask == network.base
        }
        return ip == address
    }

    static func ipv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for o in octets {
            guard let b = UInt8(o) else { return nil }
            value = value << 8 | UInt32(b)
        }
        return value
    }

    static func == (a: SourceFilter, b: SourceFilter) -> Bool { a.address == b.address }
    func hash(into h: inout Hasher) { h.combine(address) }
}

/// Hands each datagram to its station, counting what is received and what is dropped.
private final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let listen: String
    private let routes: RouteTable
    private let metrics: GatewayMetrics

    init(listen: String, routes: RouteTable, metrics: GatewayMetrics) {
        self.listen = listen
        self.routes = routes
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let received = ContinuousClock.now
        guard let station = routes.station(for: envelope.remoteAddress) else {
            metrics.datagramsDropped("not_allowed", listen: listen).increment()
            return
        }
        let size = envelope.data.readableBytes
        station.counters.datagrams.increment()
        station.counters.bytes.increment(by: Int64(size))
        guard size < UDPListener.smallestOversizeDatagram else {
            metrics.datagramsDropped("oversize", listen: listen).increment()
            return
        }
        if !station.submit(Array(envelope.data.readableBytesView), received: received) {
            metrics.datagramsDropped("queue_full", listen: listen).increment()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A UDP socket error (e.g. ICMP unreachable echoed back) concerns one datagram, not the socket: keep serving.
        metrics.datagramsDropped("socket_error", listen: listen).increment()
    }
}
