import DaemonSupport
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import Synchronization

/// Makes the SSR stream of `ssr_publish` from the configured products, at the pace of the stations' data: before a
/// station solves an epoch, every correction epoch up to its time is generated, taken into the shared corrections as
/// the stream `name` (so PPP stations may apply it as any corrections stream) and handed, framed, to `send` (a
/// datagram of frames and the correction epoch they are of).
public final class CorrectionPublisher: Sendable {
    public let configuration: SSRPublishConfiguration
    private let ephemerides: SharedEphemerides
    private let send: @Sendable ([UInt8], GNSSTime) -> Void
    private struct State {
        var generator: SSRGenerator
        /// The next correction epoch to generate.
        var next: GNSSTime?
        var messages = 0
        var frameBytes = 0
    }
    private let state: Mutex<State>

    /// Throws when the products cannot make the stream (an interval SSR does not define, APC without ANTEX).
    public init(configuration: SSRPublishConfiguration, products: Products, ephemerides: SharedEphemerides,
                send: @escaping @Sendable ([UInt8], GNSSTime) -> Void) throws(SSRGenerator.UsageError) {
        self.configuration = configuration
        self.ephemerides = ephemerides
        self.send = send
        var options = SSRGenerator.Options()
        options.systems = configuration.systems
        options.orbitInterval = configuration.orbitInterval
        options.clockInterval = configuration.clockInterval
        options.format = SSRGenerator.Format(rawValue: configuration.format) ?? .rtcm
        options.reference = configuration.reference ?? (products.antennas.isEmpty ? .centreOfMass : .antennaPhaseCentre)
        options.accuracy = configuration.accuracy
        let offset = products.antennas.isEmpty ? nil
            : AntennaModels(calibrations: products.antennas, receiverType: nil, eccentricity: ENU(east: 0, north: 0, up: 0))
                .ionosphereFreeSatelliteOffset
        state = Mutex(State(generator: try SSRGenerator(ephemerides: products.ephemerides, precise: products.precise,
                                                         options: options, antennaOffset: offset)))
    }

    /// What the stream's RTCM SSR orbits refer to, as its users are to take them.
    public var reference: SSRReferencePoint {
        state.withLock { $0.generator.options.reference }
    }

    /// Messages and frame bytes made so far.
    public var counts: (messages: Int, bytes: Int) { state.withLock { ($0.messages, $0.frameBytes) } }

    /// Generates every correction epoch up to `time` not made yet (from the first clock epoch at or before it on).
    public func advance(to time: GNSSTime) {
        let interval = configuration.clockInterval
        let made: [(time: GNSSTime, frames: [[UInt8]])] = state.withLock { s in
            var next = s.next ?? GNSSTime(seconds: Int64((time.totalSeconds / interval).rounded(.down) * interval))
            var epochs: [(time: GNSSTime, frames: [[UInt8]])] = []
            while !(time < next) {
                var frames: [[UInt8]] = []
                for m in s.generator.messages(at: next) {
                    // Users get the values as encoded: the stream's own store takes them the same way.
                    guard let payload = try? RTCM3SSRCodec.encode(m), let sent = try? RTCM3SSRCodec.decode(payload: payload[...]) else { continue }
                    _ = ephemerides.add(ssr: sent, stream: configuration.name, reference: s.generator.options.reference, near: next)
                    frames.append(RTCM3Framer.frame(payload))
                    s.messages += 1
                    s.frameBytes += frames[frames.count - 1].count
                }
                if !frames.isEmpty { epochs.append((next, frames)) }
                next = next + interval
            }
            s.next = next
            return epochs
        }
        // A few frames a datagram, well under the path MTU.
        for epoch in made {
            for datagram in DatagramSender.pack(epoch.frames) { send(datagram, epoch.time) }
        }
    }
}
