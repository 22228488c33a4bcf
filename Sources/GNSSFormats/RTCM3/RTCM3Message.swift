import GNSSCore

/// Any decoded RTCM 3 message.
public enum RTCM3Message: Sendable {
    case msm(MSMMessage)
    case legacyObservations(LegacyObservations)
    case stationCoordinates(StationCoordinates)
    case descriptors(StationDescriptors)
    case glonassBiases(GlonassCodePhaseBiases)
    case systemParameters(SystemParameters)
    case ephemeris(Ephemeris, messageType: Int)
    case ssr(SSRMessage)
    /// A LEO broadcast ephemeris (this project's message 4058, subtype 1).
    case leoEphemeris(LEOEphemeris)
    /// A well-formed frame of a message type this project does not decode.
    case unsupported(type: Int)
}

/// Turns RTCM 3 frames into messages. Keeps the latest full time seen in the
/// stream (from ephemerides, LEO ones included) to resolve truncated week numbers and GLONASS days.
public struct RTCM3Decoder: Sendable {
    /// Reference for truncated times; set it from a clock or a file date when known.
    public var referenceTime: GNSSTime?

    public init(referenceTime: GNSSTime? = nil) {
        self.referenceTime = referenceTime
    }

    public mutating func decode(_ frame: RTCM3Frame) throws(FormatError) -> RTCM3Message {
        do {
            return try decode(payload: frame.payload)
        } catch {
            var e = error
            e.location = .byteOffset(frame.offset)
            e.message = "message \(frame.messageType): " + e.message
            throw e
        }
    }

    public mutating func decode(payload p: [UInt8]) throws(FormatError) -> RTCM3Message {
        guard p.count >= 2 else { throw FormatError(.truncated, "empty message") }
        let type = Int(p[0]) << 4 | Int(p[1] >> 4)
        let message: RTCM3Message
        switch type {
        case 1001...1004, 1009...1012: message = .legacyObservations(try LegacyObservations.decode(p, type: type))
        case 1005, 1006: message = .stationCoordinates(try StationCoordinates.decode(p, type: type))
        case 1007, 1008, 1033: message = .descriptors(try StationDescriptors.decode(p, type: type))
        case 1013: message = .systemParameters(try SystemParameters.decode(p))
        case 1230: message = .glonassBiases(try GlonassCodePhaseBiases.decode(p))
        case 1071...1077, 1081...1087, 1091...1097, 1101...1107, 1111...1117, 1121...1127, 1131...1137:
            message = .msm(try MSMMessage.decode(p))
        case _ where RTCM3EphemerisCodec.messageTypes.contains(type):
            let e = try RTCM3EphemerisCodec.decode(payload: p[...], referenceTime: referenceTime)
            if case .kepler = e, type != 1020 { referenceTime = e.toe }
            message = .ephemeris(e, messageType: type)
        case _ where RTCM3SSRCodec.handles(messageType: type):
            message = .ssr(try RTCM3SSRCodec.decode(payload: p[...]))
        case RTCM3LEO.messageType:
            switch RTCM3LEO.subtype(ofPayload: p[...]) {
            case RTCM3LEO.ephemerisSubtype:
                let e = try RTCM3LEO.decode(payload: p[...])
                referenceTime = e.reference   // full GPS week and time of week
                message = .leoEphemeris(e)
            case RTCM3LEO.ssrSubtype:
                message = .ssr(try RTCM3LEO.decodeSSR(payload: p[...]))
            case RTCM3LEO.msm7Subtype:
                message = .msm(try MSMMessage.decode(p))
            default:
                message = .unsupported(type: type)
            }
        default:
            message = .unsupported(type: type)
        }
        return message
    }
}

/// Encoders for the messages the gateway sends.
public enum RTCM3Encoder {
    /// A complete frame (preamble, length, body, CRC) for a message body.
    public static func frame(_ payload: [UInt8]) -> [UInt8] { RTCM3Framer.frame(payload) }

    /// MSM frames for one epoch: one message per system, the multiple-message bit set on all but the last.
    /// The epoch's LEO observations follow as LEO MSM7 messages (4058/7, one per PRN block, whatever
    /// `msmType` the other systems use) unless `includeLEO` is false.
    public static func msmFrames(epoch: ObservationEpoch, stationID: Int, msmType: Int = 7,
                                 includeLEO: Bool = true) throws(FormatError) -> [[UInt8]] {
        let systems = Array(Set(epoch.satellites.map(\.satellite.system))).sorted().filter { $0 != .leo }
        // Systems with no encodable signal send nothing, so the bit is set once the messages that remain are known.
        var messages = systems.map { sys in
            MSMMessage.make(system: sys, msmType: msmType, stationID: stationID, time: epoch.time,
                            multipleMessage: true, observations: epoch.satellites)
        }.filter { !$0.cells.isEmpty }
        if includeLEO {
            messages += MSMMessage.makeLEO(stationID: stationID, time: epoch.time, multipleMessage: true, observations: epoch.satellites)
        }
        var frames: [[UInt8]] = []
        for (i, var msm) in messages.enumerated() {
            msm.multipleMessage = i < messages.count - 1
            frames.append(frame(try msm.encode()))
        }
        return frames
    }
}
