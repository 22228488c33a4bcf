/// Appending to a framer's unread bytes: once more than half the buffer has been
/// consumed it is dropped from the front, so a framer holds at most one frame
/// plus the last chunk whatever the stream's length. `base` keeps the stream
/// offset of the buffer's first byte.
@inline(__always)
func appendCompacting<C: Collection>(_ bytes: C, to buffer: inout [UInt8], start: inout Int, base: inout Int) where C.Element == UInt8 {
    if start > 0 && start >= buffer.count / 2 {
        buffer.removeSubrange(0..<start)
        base += start
        start = 0
    }
    buffer.append(contentsOf: bytes)
}
