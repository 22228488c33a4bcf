import DaemonSupport
import Testing
@testable import Gateway

@Suite struct BuildInfoMetricTests {
    @Test("/metrics carries gateway_build_info with the running version")
    func gatewayBuildInfo() {
        var text: [UInt8] = []
        GatewayMetrics().registry.emit(into: &text)
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n")
        let series = "gateway_build_info{version=\"\(SoftwareVersion.number)\"} "
        let line = lines.first { $0.hasPrefix(series) }
        #expect(line.flatMap { Double($0.dropFirst(series.count)) } == 1, "\(lines.filter { $0.contains("build") })")
    }
}
