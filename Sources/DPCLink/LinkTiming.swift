/// The link's clocks that both sides must agree on: a gateway with nothing to
/// send sends a keep-alive this often, the DPC answers each one, and either
/// side takes a link that stays silent much longer for dead (a peer gone
/// without closing its connection, as after a power cut).
public enum LinkTiming {
    /// How often a gateway with nothing else to send sends `keepalive`.
    public static let keepaliveInterval = Duration.seconds(15)
    /// How long a gateway waits without any frame from the DPC before it reconnects.
    public static let gatewaySilenceLimit = Duration.seconds(45)
}
