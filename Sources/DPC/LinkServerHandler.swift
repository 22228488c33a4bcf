import DPCLink
import DaemonSupport
import Logging
import NIOCore
import NIOPosix

/// One gateway connection: challenge, proof, then records and acknowledgements.
///
/// Until the gateway has proved it holds the key the connection may send only
/// handshake-sized frames and must finish within the authentication timeout;
/// anything else (a wrong key, another protocol version, random bytes, an
/// oversize frame) is refused, answered with the reason and counted. An
/// authenticated link that stays silent past the idle timeout is closed.
final class LinkServerHandler: ChannelInboundHandler {
    typealias InboundIn = LinkFrame
    typealias OutboundOut = LinkFrame

    private enum State {
        case awaitingProof(challenge: [UInt8])
        case authenticated(RecordStream)
        case closed
    }

    private let key: SharedKey
    private let store: DPCStore
    private let metrics: DPCMetrics
    private let frameLimit: LinkFrameLimit
    private let authenticationTimeout: TimeAmount
    private var logger: Logger
    private var state: State = .closed
    private var toAcknowledge: UInt64?
    /// The last sequence acknowledged on this connection.
    private var acknowledged: UInt64 = 0
    private var timeout: Scheduled<Void>?

    private let processing: NetworkProcessing?
    /// This link's place among those the DPC's corrections go to.
    private var correctionsToken: Int?

    init(key: SharedKey, store: DPCStore, metrics: DPCMetrics, frameLimit: LinkFrameLimit, authenticationTimeout: TimeAmount,
         processing: NetworkProcessing? = nil, logger: Logger) {
        self.processing = processing
        self.key = key
        self.store = store
        self.metrics = metrics
        self.frameLimit = frameLimit
        self.authenticationTimeout = authenticationTimeout
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        logger[metadataKey: "peer"] = "\(context.remoteAddress.map { "\($0)" } ?? "?")"
        let challenge = SharedKey.challenge()
        state = .awaitingProof(challenge: challenge)
        context.writeAndFlush(wrapOutboundOut(.hello(version: LinkFrame.protocolVersion, challenge: challenge)), promise: nil)
        let seconds = authenticationTimeout.nanoseconds / 1_000_000_000
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timeout = context.eventLoop.scheduleTask(in: authenticationTimeout) {
            let (handler, context) = loopBound.value
            handler.refuse(context: context, reason: "no authentication within \(seconds) s", counter: "timeout")
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timeout?.cancel()
        stopCorrections()
        if case .authenticated(let stream) = state {
            metrics.links.decrement()
            logger.info("gateway disconnected", metadata: ["gateway": "\(stream.gateway)"])
        }
        state = .closed
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch (state, frame) {
        case (.awaitingProof(let challenge), .authenticate(_, let gateway, let generation, let gatewayLast, let theirs, let proof)):
            timeout?.cancel()
            let expected = key.gatewayProof(dpcChallenge: challenge, gatewayChallenge: theirs, gateway: gateway, generation: generation)
            guard SharedKey.matches(expected, proof), !gateway.isEmpty else {
                refuse(context: context, reason: "authentication failed", counter: "bad_key")
                return
            }
            authenticated(context: context, stream: RecordStream(gateway: gateway, generation: generation),
                          gatewayLast: gatewayLast, dpcChallenge: challenge, gatewayChallenge: theirs)
        case (.authenticated(let stream), .record(let sequence, let body)):
            do {
                let record = try CorrectionRecord(decoding: body[...])
                if try store.store(stream, sequence: sequence, body: body) {
                    metrics.stored.increment()
                    processing?.accept(record)
                } else {
                    metrics.duplicates.increment()
                }
                toAcknowledge = max(toAcknowledge ?? 0, sequence)
            } catch {
                metrics.protocolErrors.increment()
                logger.error("record \(sequence) refused: \(error)", metadata: ["gateway": "\(stream.gateway)"])
                refuse(context: context, reason: "record \(sequence): \(error)", counter: nil)
            }
        case (.authenticated, .keepalive):
            context.writeAndFlush(wrapOutboundOut(.keepalive), promise: nil)
        case (.authenticated(let stream), .correctionsAcknowledge(let sequence)):
            processing?.broadcast.acknowledge(gateway: stream.gateway, through: sequence)
        case (.closed, _):
            break
        case (.awaitingProof, _):
            refuse(context: context, reason: "unexpected message before authentication", counter: "protocol")
        case (.authenticated, _):
            metrics.protocolErrors.increment()
            refuse(context: context, reason: "unexpected message", counter: nil)
        }
    }

    private func authenticated(context: ChannelHandlerContext, stream: RecordStream, gatewayLast: UInt64,
                               dpcChallenge: [UInt8], gatewayChallenge: [UInt8]) {
        state = .authenticated(stream)
        frameLimit.bodyBytes = LinkFrame.maximumBodyLength
        metrics.links.increment()
        let last = store.lastSequence(stream)
        let generation = RecordStream.hex(stream.generation)
        let known = store.generations(gateway: stream.gateway)
        if !known.isEmpty && !known.contains(stream.generation) {
            metrics.newGenerations.increment()
            logger.warning("gateway's spool started over with a new generation: its records are stored as new data",
                           metadata: ["gateway": "\(stream.gateway)", "generation": "\(generation)",
                                      "earlier_generations": "\(known.map(RecordStream.hex).joined(separator: ","))"])
        }
        if gatewayLast < last {
            metrics.sequenceRegressions.increment()
            logger.error("gateway's sequence numbers went back: the store holds later records of its generation; the welcome tells it, and it must start a new generation",
                         metadata: ["gateway": "\(stream.gateway)", "generation": "\(generation)",
                                    "gateway_last_sequence": "\(gatewayLast)", "stored_last_sequence": "\(last)"])
        }
        logger.info("gateway authenticated", metadata: ["gateway": "\(stream.gateway)", "generation": "\(generation)",
                                                        "last_sequence": "\(last)"])
        let answer = key.dpcProof(dpcChallenge: dpcChallenge, gatewayChallenge: gatewayChallenge, gateway: stream.gateway,
                                  generation: stream.generation)
        context.writeAndFlush(wrapOutboundOut(.welcome(proof: answer, lastSequence: last)), promise: nil)
        // The DPC's own corrections go back over the link, those retained since the gateway's last acknowledgement first.
        if let broadcast = processing?.broadcast {
            let channel = context.channel
            correctionsToken = broadcast.subscribe(gateway: stream.gateway) { sequence, rtcm in
                guard channel.isActive, channel.isWritable else { return false }
                channel.writeAndFlush(LinkFrame.corrections(sequence: sequence, rtcm: rtcm), promise: nil)
                return true
            }
        }
    }

    private func stopCorrections() {
        if let token = correctionsToken { processing?.broadcast.unsubscribe(token) }
        correctionsToken = nil
    }

    /// A batch of reads is over: make it durable, then acknowledge it. The fsync runs on a thread of the blocking
    /// pool, not on the event loop, which goes on serving this and the other connections meanwhile.
    func channelReadComplete(context: ChannelHandlerContext) {
        guard let sequence = toAcknowledge else { return }
        toAcknowledge = nil
        let store = self.store
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        NIOThreadPool.singleton.runIfActive(eventLoop: context.eventLoop) { try store.sync() }.whenComplete { result in
            let (handler, context) = loopBound.value
            handler.synced(result, through: sequence, context: context)
        }
    }

    /// Acknowledges through `sequence` once the store is synced. Syncs may end out of order; each covers every record
    /// stored before it began and acknowledgements are cumulative, so only a later sequence is sent.
    private func synced(_ result: Result<Void, Error>, through sequence: UInt64, context: ChannelHandlerContext) {
        if case .failure(let error) = result {
            logger.error("store sync failed, not acknowledging: \(error)")
            context.close(promise: nil)
            return
        }
        guard sequence > acknowledged else { return }
        acknowledged = sequence
        metrics.acknowledgements.increment()
        metrics.storeBytes.set(to: Double(store.totalBytes))
        context.writeAndFlush(wrapOutboundOut(.acknowledge(sequence: sequence)), promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard case .authenticated(let stream) = state else { return }  // the authentication timeout covers the rest
        metrics.idleClosed.increment()
        logger.warning("link closed: silent past the idle timeout", metadata: ["gateway": "\(stream.gateway)"])
        metrics.links.decrement()
        state = .closed
        stopCorrections()
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        switch state {
        case .closed:
            context.close(promise: nil)
        case .authenticated:
            metrics.protocolErrors.increment()
            logger.warning("link closed: \(error)")
            refuse(context: context, reason: "\(error)", counter: nil)
        case .awaitingProof:
            let counter = switch error as? LinkProtocolError {
            case .tooLarge?: "oversize"
            case .version?: "version"
            default: "protocol"
            }
            refuse(context: context, reason: "\(error)", counter: counter)
        }
    }

    private func refuse(context: ChannelHandlerContext, reason: String, counter: String?) {
        timeout?.cancel()
        if case .closed = state { return }
        if let counter {
            metrics.refused(counter)
            logger.warning("link refused: \(reason)", metadata: ["reason": "\(counter)"])
        }
        if case .authenticated = state { metrics.links.decrement() }
        state = .closed
        stopCorrections()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.refused(reason: reason))).whenComplete { _ in channel.close(promise: nil) }
    }
}
