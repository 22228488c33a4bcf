import Testing
import GNSSCore
import GNSSPositioning
import DaemonSupport
import GatewayControl
@testable import Gateway

/// The daemon fills a station's status with the control socket's words for its configuration and solutions: each
/// configured format, role and processing and each solution quality has the word it always had.
struct StationStatusWordsTests {
    @Test func configurationWords() {
        for format in StationConfiguration.StreamFormat.allCases {
            for role in StationConfiguration.Role.allCases {
                for processing in StationConfiguration.Processing.allCases {
                    var c = StationConfiguration(name: "ST", listen: NetworkAddress(host: "0.0.0.0", port: 5000), format: format, role: role,
                                                 processing: processing)
                    c.line = 1
                    let s = StationStatus(configuration: c)
                    #expect(s.format.rawValue == format.rawValue && s.format.isKnown)
                    #expect(s.role.rawValue == role.rawValue && s.role.isKnown)
                    #expect(s.processing.rawValue == processing.rawValue && s.processing.isKnown)
                    #expect(s.quality == .none)
                }
            }
        }
    }

    @Test func solutionQualityWords() {
        let qualities: [SolutionQuality] = [.fixed, .float, .sbas, .dgps, .single, .ppp, .none]
        for q in qualities {
            var s = StationStatus(configuration: StationConfiguration(name: "ROV", listen: NetworkAddress(host: "0.0.0.0", port: 5001),
                                                                      processing: .rtk))
            s.record(Solution(time: GNSSTime(seconds: 0), position: ECEF(6_378_137, 0, 0), quality: q, satellites: 8))
            #expect(s.quality.rawValue == q.description && s.quality.isKnown)
            #expect(s.solutions == [q.description: 1])
        }
    }
}
