import Foundation
import CZlib

/// Streaming gzip (and zlib) decompressor over zlib's inflate. Feeds any number of
/// concatenated gzip members, as `gzip` writes for appended files.
public final class GzipInflater {
    private var stream = z_stream()
    private var open = false
    private var finishedMember = false

    public init() throws(FormatError) {
        // 15 window bits + 32: detect gzip or zlib header automatically.
        let rc = czlib_inflate_init2(&stream, 15 + 32)
        guard rc == Z_OK else { throw FormatError(.gzip, "zlib inflateInit2 failed (\(rc))") }
        open = true
    }

    deinit {
        if open { inflateEnd(&stream) }
    }

    /// Decompresses `input`, appending the output to `output`. Throws on corrupt data.
    public func inflate<C: ContiguousBytes>(_ input: C, into output: inout [UInt8]) throws(FormatError) {
        var failure: FormatError?
        input.withUnsafeBytes { raw in
            do throws(FormatError) { try inflate(raw, into: &output) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    private func inflate(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(FormatError) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        stream.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        var chunk = [UInt8](repeating: 0, count: max(65_536, input.count * 4))
        while stream.avail_in > 0 {
            if finishedMember {
                // Another gzip member follows: start over.
                inflateReset(&stream)
                finishedMember = false
            }
            let rc: Int32 = chunk.withUnsafeMutableBufferPointer { buf in
                stream.next_out = buf.baseAddress
                stream.avail_out = uInt(buf.count)
                let rc = CZlib.inflate(&stream, Z_NO_FLUSH)
                let produced = buf.count - Int(stream.avail_out)
                output.append(contentsOf: buf[0..<produced])
                return rc
            }
            switch rc {
            case Z_STREAM_END:
                finishedMember = true
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                if stream.avail_in == 0 { return }
                continue
            default:
                throw FormatError(.gzip, "corrupt gzip data (zlib error \(rc))", at: .byteOffset(Int(stream.total_in)))
            }
        }
    }

    /// Whether the last member ended cleanly (false means the input was cut short).
    public var isAtMemberEnd: Bool { finishedMember }

    /// True when `bytes` starts with the gzip magic number.
    public static func isGzip<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        return it.next() == 0x1F && it.next() == 0x8B
    }
}

/// gzip compression of a whole buffer (used by writers and tests).
public func gzipCompress(_ input: [UInt8], level: Int32 = 6) throws(FormatError) -> [UInt8] {
    var stream = z_stream()
    guard czlib_deflate_init2(&stream, level, 15 + 16) == Z_OK else { throw FormatError(.gzip, "deflateInit2 failed") }
    defer { deflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    var input = input
    var rc: Int32 = Z_OK
    input.withUnsafeMutableBufferPointer { inBuf in
        stream.next_in = inBuf.baseAddress
        stream.avail_in = uInt(inBuf.count)
        repeat {
            chunk.withUnsafeMutableBufferPointer { out in
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                rc = deflate(&stream, Z_FINISH)
                output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
            }
        } while rc == Z_OK
    }
    guard rc == Z_STREAM_END else { throw FormatError(.gzip, "deflate failed (\(rc))") }
    return output
}
