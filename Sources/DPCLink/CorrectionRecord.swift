import GNSSCore
import GNSSFormats

/// One unit the gateway forwards to the DPC: the RTCM 3 frames a station's
/// epoch produced (observations, coordinates, descriptors, ephemerides), with
/// the station's name and the epoch's time.
///
/// Binary form (little-endian): version byte (1), GPS seconds (Int64), fraction
/// of a second (Float64 bits), station name (UInt8 length + UTF-8), RTCM bytes
/// (UInt32 length + bytes).
public struct CorrectionRecord: Sendable, Hashable {
    public var station: String
    public var time: GNSSTime
    public var rtcm: [UInt8]

    public init(station: String, time: GNSSTime, rtcm: [UInt8]) {
        self.station = station
        self.time = time
        self.rtcm = rtcm
    }

    static let version: UInt8 = 1

    public func encoded() -> [UInt8] {
        var out: [UInt8] = [Self.version]
        out.reserveCapacity(rtcm.count + station.utf8.count + 24)
        out.appendLittleEndian(UInt64(bitPattern: time.seconds))
        out.appendLittleEndian(time.fraction.bitPattern)
        let name = Array(station.utf8.prefix(255))
        out.append(UInt8(name.count))
        out += name
        out.appendLittleEndian(UInt32(rtcm.count))
        out += rtcm
        return out
    }

    public init(decoding bytes: ArraySlice<UInt8>) throws(FormatError) {
        var r = ByteCursor(bytes)
        guard try r.byte() == Self.version else { throw FormatError(.record, "unknown correction record version") }
        let seconds = Int64(bitPattern: try r.uint64())
        let fraction = Double(bitPattern: try r.uint64())
        guard fraction.isFinite else { throw FormatError(.record, "bad time in correction record") }
        let nameLength = Int(try r.byte())
        station = String(decoding: try r.bytes(nameLength), as: UTF8.self)
        time = GNSSTime(seconds: seconds, fraction: fraction)
        let length = Int(try r.uint32())
        rtcm = Array(try r.bytes(length))
    }

    /// The RTCM 3 message types of the frames in the record, in order.
    public var messageTypes: [Int] {
        var framer = RTCM3Framer()
        framer.append(rtcm)
        var types: [Int] = []
        while let item = framer.next() {
            if case .frame(let f) = item { types.append(f.messageType) }
        }
        return types
    }
}
