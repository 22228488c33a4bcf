import Foundation
import Testing
import GatewayControl

/// A station's status as the control socket writes it (sorted keys, as the daemon's control server does): the wire
/// form gatewayctl and scripts read. The expected lines are what the status wrote while its format, role,
/// processing and quality were plain strings; the words being enums now changes none of it.
struct StationStatusWireTests {
    static func encoded(_ s: StationStatus) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(s), as: UTF8.self)
    }

    /// An RTK rover with a fixed solution.
    static func rover() -> StationStatus {
        var s = StationStatus(name: "ROV0", listen: "0.0.0.0:5001", format: .ubx, role: .rover, processing: .rtk)
        s.datagrams = 120
        s.bytes = 48_000
        s.frames = 360
        s.epochs = 118
        s.quality = .fixed
        s.satellites = 9
        s.ecef = [-3_976_219.5, 3_382_372.25, 3_652_513.125]
        s.llh = [35.0, 139.5, 60.25]
        s.sigma = [0.5, 0.25, 0.125]
        s.time = "2005-04-02T01:00:00.0Z"
        s.solutions = ["fixed": 115, "float": 3]
        s.lastDatagramAgeSeconds = 0.5
        return s
    }

    static let quality = #""observation_quality":{"cn0_by_elevation":{},"completeness":null,"completeness_total":null,"cycle_slips_detected":0,"cycle_slips_last_hour":0,"cycle_slips_receiver":0,"interval":null,"latency":null,"latency_mean":null,"multipath":{},"observations_expected":0,"observations_received":0,"outage_last":null,"outage_last_after":null,"outage_longest":null,"outages":0}"#

    static let roverJSON = #"{"bytes":48000,"datagrams":120,"decode_errors":0,"ecef":[-3976219.5,3382372.25,3652513.125],"epochs":118,"epochs_refused":0,"format":"ubx","frames":360,"last_datagram_age_s":0.5,"listen":"0.0.0.0:5001","llh":[35,139.5,60.25],"name":"ROV0","note":null,"#
        + quality
        + #","processing":"rtk","quality":"fixed","queue_drops":0,"role":"rover","satellites":9,"sigma":[0.5,0.25,0.125],"solutions":{"fixed":115,"float":3},"station_position":null,"time":"2005-04-02T01:00:00.0Z"}"#

    static let referenceJSON = #"{"bytes":0,"datagrams":0,"decode_errors":0,"ecef":null,"epochs":0,"epochs_refused":0,"format":"rtcm3","frames":0,"last_datagram_age_s":null,"listen":"0.0.0.0:5000","llh":null,"name":"REF0","note":null,"#
        + quality
        + #","processing":"none","quality":"none","queue_drops":0,"role":"reference","satellites":0,"sigma":null,"solutions":{},"station_position":null,"time":null}"#

    @Test func aSolvedRoverIsWrittenAsBefore() throws {
        #expect(try Self.encoded(Self.rover()) == Self.roverJSON)
    }

    @Test func aFreshReferenceStationIsWrittenAsBefore() throws {
        let s = StationStatus(name: "REF0", listen: "0.0.0.0:5000", format: .rtcm3, role: .reference, processing: .none)
        #expect(try Self.encoded(s) == Self.referenceJSON)
    }

    @Test func aStatusReadsBackToTheSameLine() throws {
        let read = try JSONDecoder().decode(StationStatus.self, from: Data(Self.roverJSON.utf8))
        #expect(read.format == .ubx && read.role == .rover && read.processing == .rtk && read.quality == .fixed)
        #expect(try Self.encoded(read) == Self.roverJSON)
    }

    /// Every word the status knows is written as it reads.
    @Test func everyKnownWordRoundTrips() throws {
        func roundTrip<W: StatusWord>(_: W.Type) throws {
            for w in W.known {
                let data = try JSONEncoder().encode([w])
                #expect(String(decoding: data, as: UTF8.self) == "[\"\(w.rawValue)\"]")
                #expect(try JSONDecoder().decode([W].self, from: data) == [w])
                #expect(W(rawValue: w.rawValue) == w && w.isKnown)
            }
        }
        try roundTrip(StationStatus.Format.self)
        try roundTrip(StationStatus.Role.self)
        try roundTrip(StationStatus.Processing.self)
        try roundTrip(StationStatus.Quality.self)
    }
}
