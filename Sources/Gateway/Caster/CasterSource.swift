import DPCLink
import GNSSCore
import GNSSFormats

/// A stream an NTRIP server pushes into one of the caster's mountpoints (`SOURCE` or `POST`): its body (taken out
/// of chunks when it comes chunked) is read as RTCM 3, each read's whole frames published to the mountpoint's
/// clients as one record, as a station's relayed frames are; bytes that are not frames are dropped and counted.
struct CasterSource {
    let mountpoint: String
    private let mountpoints: CasterMountpoints
    private var chunks: ChunkedTransferDecoder?
    private var framer = RTCM3Framer()
    private var skipped = 0

    init(mountpoint: String, chunked: Bool, mountpoints: CasterMountpoints) {
        self.mountpoint = mountpoint
        self.mountpoints = mountpoints
        chunks = chunked ? ChunkedTransferDecoder() : nil
    }

    /// Whether a chunked body has ended (the server finished its stream).
    var ended: Bool { chunks?.isFinished ?? false }

    /// Reads `bytes` of the body and publishes the frames they complete.
    mutating func take<C: Collection>(_ bytes: C) throws(ChunkedTransferDecoder.Failure) where C.Element == UInt8 {
        var body: [UInt8] = []
        if var decoder = chunks {
            defer { chunks = decoder }
            try decoder.decode(bytes, into: &body)
        } else {
            body = Array(bytes)
        }
        guard !body.isEmpty else { return }
        mountpoints.metrics.sourceBytes(mountpoint).increment(by: Int64(body.count))
        framer.append(body)
        var frames: [UInt8] = []
        while let item = framer.next() {
            if case .frame(let frame) = item { frames += frame.bytes }
        }
        if framer.bytesSkipped > skipped {
            mountpoints.metrics.sourceDropped(mountpoint).increment(by: Int64(framer.bytesSkipped - skipped))
            skipped = framer.bytesSkipped
        }
        if !frames.isEmpty {
            mountpoints.publish(CorrectionRecord(station: mountpoint, time: GNSSTime.now, rtcm: frames))
        }
    }
}
