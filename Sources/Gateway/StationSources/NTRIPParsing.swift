/// The NTRIP readers as the fuzzing harnesses (`Fuzz/`) drive them, through the same calls the daemon makes: a
/// caster's answer fed to the client's parser in the pieces given, and a request head read as the caster reads it.
@_spi(Fuzzing) public enum NTRIPParsing {
    /// Feeds `pieces` to the answer parser in order; the stream bytes it gave, or nil once it refused the answer.
    public static func answer(_ pieces: [ArraySlice<UInt8>]) -> Int? {
        var parser = NTRIPResponseParser()
        var data: [UInt8] = []
        for piece in pieces {
            do { try parser.feed(piece, data: &data) } catch { return nil }
        }
        return parser.finish() == nil ? data.count : nil
    }

    /// Reads a request head from the start of `bytes` (up to the caster's limit), as the caster does: the
    /// mountpoint asked for, or nil when the head is incomplete, too long or refused.
    public static func request(_ bytes: [UInt8]) -> String? {
        let head = Array(bytes.prefix(CasterRequest.headLimit))
        guard let end = CasterRequest.headEnd(head) else { return nil }
        return (try? CasterRequest(head: head[..<end]))?.mountpoint
    }
}
