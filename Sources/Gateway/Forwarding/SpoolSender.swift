/// What takes the spool's records on to the DPC and releases them once they are held there: the direct link
/// (`Forwarder`) or a JetStream stream (`JetStreamForwarder`).
public protocol SpoolSender: Sendable {
    var state: Forwarder.LinkState { get }
    /// Runs until the task is cancelled.
    func run() async
    /// Hands the DPC's corrections to `sink` from now on (nil: they are dropped).
    func deliverCorrections(to sink: (@Sendable ([UInt8]) -> Void)?)
}

extension Forwarder: SpoolSender {}

extension JetStreamForwarder: SpoolSender {}
