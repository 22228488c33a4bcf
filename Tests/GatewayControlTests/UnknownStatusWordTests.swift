import Foundation
import Testing
import GatewayControl

/// A daemon of another version may write words this gatewayctl does not know (a new stream format, a new solution
/// quality): the status still reads, the word is kept as it came and written again unchanged.
struct UnknownStatusWordTests {
    static let newer = StationStatusWireTests.roverJSON
        .replacingOccurrences(of: #""format":"ubx""#, with: #""format":"sbf""#)
        .replacingOccurrences(of: #""role":"rover""#, with: #""role":"monitor""#)
        .replacingOccurrences(of: #""processing":"rtk""#, with: #""processing":"ppp-rtk""#)
        .replacingOccurrences(of: #""quality":"fixed""#, with: #""quality":"ppp-fixed""#)

    @Test func unknownWordsDecodeAndAreKept() throws {
        #expect(Self.newer != StationStatusWireTests.roverJSON)
        let s = try JSONDecoder().decode(StationStatus.self, from: Data(Self.newer.utf8))
        #expect(s.format == .unknown("sbf") && !s.format.isKnown)
        #expect(s.role == .unknown("monitor"))
        #expect(s.processing == .unknown("ppp-rtk"))
        #expect(s.quality == .unknown("ppp-fixed"))
        #expect("\(s.quality)" == "ppp-fixed")
        #expect(s.name == "ROV0" && s.epochs == 118 && s.solutions == ["fixed": 115, "float": 3])
        #expect(try StationStatusWireTests.encoded(s) == Self.newer)
    }

    /// A known word read from text is its case, never `unknown` with that word.
    @Test func knownWordsAreTheirCases() {
        #expect(StationStatus.Quality(rawValue: "float") == .float)
        #expect(StationStatus.Processing(rawValue: "none") == StationStatus.Processing.none)
        #expect(StationStatus.Format(rawValue: "RTCM3") == .unknown("RTCM3"))
    }

    /// A whole control reply with a station of an unknown quality reads as well (what gatewayctl decodes).
    @Test func aReplyWithAnUnknownWordReads() throws {
        let line = #"{"ok":true,"stations":["# + Self.newer + "]}"
        let reply = try JSONDecoder().decode(ControlProtocol.Reply.self, from: Data(line.utf8))
        #expect(reply.stations?.first?.quality == .unknown("ppp-fixed"))
    }
}
