import DaemonSupport
import Foundation
import Testing

@Suite struct VersionTests {
    @Test("--version of every executable prints its name, the version and the kind of build", arguments: ["gatewayd", "gatewayctl", "dpcd", "gnss-sim"])
    func version(executable: String) throws {
        let result = try DaemonProcess.run(executable, ["--version"], directory: FileManager.default.currentDirectoryPath)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == SoftwareVersion.line(executable) + "\n")
        #expect(result.output.hasPrefix("\(executable) \(SoftwareVersion.number) ("))
    }
}
