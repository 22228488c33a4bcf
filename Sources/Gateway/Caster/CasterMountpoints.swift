import DPCLink
import GNSSCore
import NIOCore
import Synchronization

/// The caster's mountpoints and their clients: admits connections up to `maxClients`, keeps who streams which
/// mountpoint, and hands each reference station's correction records to that mountpoint's clients from the
/// station's task, without ever waiting for one (`CasterClient`).
final class CasterMountpoints: Sendable {
    private struct State {
        /// Connections open (streaming or still sending their request).
        var connections = 0
        var clients: [String: [ObjectIdentifier: CasterClient]] = [:]
        var content: [String: MountpointContent] = [:]
        /// The pushed mountpoints an NTRIP server streams into now.
        var sources: Set<String> = []
    }

    let maxClients: Int
    let metrics: CasterMetrics
    private let state = Mutex(State())
    private let allocator = ByteBufferAllocator()

    init(maxClients: Int, metrics: CasterMetrics) {
        self.maxClients = maxClients
        self.metrics = metrics
    }

    /// Takes a connection slot; false (counted) when `maxClients` are open.
    func admit() -> Bool {
        let ok = state.withLock { s in
            guard s.connections < maxClients else { return false }
            s.connections += 1
            return true
        }
        if !ok { metrics.refused(.clientLimit) }
        return ok
    }

    func release() {
        state.withLock { $0.connections -= 1 }
    }

    func subscribe(_ client: CasterClient) {
        state.withLock { $0.clients[client.mountpoint, default: [:]][ObjectIdentifier(client)] = client }
        metrics.clients(client.mountpoint).increment()
    }

    func unsubscribe(_ client: CasterClient) {
        let removed = state.withLock { $0.clients[client.mountpoint]?.removeValue(forKey: ObjectIdentifier(client)) != nil }
        if removed { metrics.clients(client.mountpoint).decrement() }
    }

    /// Takes `mountpoint` for one pushing server; false when another pushes into it now.
    func claimSource(_ mountpoint: String) -> Bool {
        let ok = state.withLock { $0.sources.insert(mountpoint).inserted }
        if ok { metrics.sources.increment() }
        return ok
    }

    /// The server pushing into `mountpoint` is gone; its clients stay until they leave.
    func releaseSource(_ mountpoint: String) {
        if state.withLock({ $0.sources.remove(mountpoint) != nil }) { metrics.sources.decrement() }
    }

    /// The pushed mountpoints a server streams into now.
    var liveSources: Set<String> {
        state.withLock { $0.sources }
    }

    /// A station's correction record, to its mountpoint's clients (and the mountpoint's sourcetable entry).
    func publish(_ record: CorrectionRecord) {
        guard !record.rtcm.isEmpty else { return }
        let clients = state.withLock { s in
            s.content[record.station, default: MountpointContent()].add(frames: record.rtcm, time: record.time)
            return s.clients[record.station].map { Array($0.values) } ?? []
        }
        metrics.published(record.station).increment(by: Int64(record.rtcm.count))
        guard !clients.isEmpty else { return }
        let raw = allocator.buffer(bytes: record.rtcm)
        var framed = allocator.buffer(capacity: record.rtcm.count + 16)
        framed.writeString(String(record.rtcm.count, radix: 16, uppercase: true) + "\r\n")
        framed.writeBytes(record.rtcm)
        framed.writeString("\r\n")
        let written = metrics.bytes(record.station)
        for c in clients where !c.offer(raw: raw, framed: framed, written: written) {
            metrics.slowClientsDropped.increment()
        }
    }

    /// What each mountpoint has carried so far.
    func content(_ mountpoint: String) -> MountpointContent {
        state.withLock { $0.content[mountpoint] } ?? MountpointContent()
    }

    /// Clients streaming each mountpoint now.
    var clientCounts: [String: Int] {
        state.withLock { s in s.clients.mapValues(\.count).filter { $0.value > 0 } }
    }

    /// Closes every streaming client (the daemon is stopping).
    func closeAll() {
        let all = state.withLock { s in s.clients.values.flatMap(\.values) }
        for c in all { c.channel.close(promise: nil) }
    }
}
