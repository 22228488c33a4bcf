import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// `gatewayd demo` as a user runs it: the bundled simulated network, the summary's story against the simulator's
/// truth, and Ctrl-C.
@Suite("The demo's story", .serialized)
struct DemoStoryTests {
    @Test("the summary tells convergence and RMS per station, the rover with and without LEO, and the outage")
    func wholeRun() throws {
        let dir = makeWorkDirectory("demo-story")
        let demo = try DaemonProcess("gatewayd", ["demo", "--speed", "100", "--directory", dir + "/state"], directory: dir)
        #expect(demo.wait(seconds: 120) == 0)
        let out = demo.output
        #expect(out.contains("demo summary\n"))
        // Every positioned station is judged against the truth.
        for station in ["REF0", "ROV0", "ROV0-GNSS"] {
            #expect(out.contains("  \(station): "), "\(out)")
        }
        #expect(out.contains("ROV0-GNSS: 280 epochs"), "\(out)")
        #expect(out.contains("PPP with G, E, L"))
        #expect(out.contains("PPP with G, E\n"))
        let lines = out.split(separator: "\n").map(String.init)
        func convergence(_ label: String) -> Double? {
            guard let line = lines.first(where: { $0.contains(label) }), let range = line.range(of: "converged after ") else { return nil }
            let rest = line[range.upperBound...].split(separator: " ")
            guard let value = Double(rest[0]) else { return nil }
            return rest[1].hasPrefix("min") ? value * 60 : value
        }
        // The simulated rover with the LEO satellites is within 10 cm / 20 cm within a minute; without them later or never.
        let withLEO = try #require(convergence("GPS+Galileo+LEO:"), "\(out)")
        #expect(withLEO <= 60)
        if let without = convergence("GPS+Galileo: ") { #expect(without > withLEO) }
        // The rover's 20 s outage (the fixture's, 06:02:30–06:02:49) is found and explained.
        #expect(out.contains("outage: no epochs for 21 s after 2020-06-25T06:02:29"), "\(out)")
    }

    @Test("Ctrl-C stops the streams and still prints the summary of what was played")
    func interrupted() throws {
        let dir = makeWorkDirectory("demo-interrupted")
        let demo = try DaemonProcess("gatewayd", ["demo", "--speed", "20", "--directory", dir + "/state"], directory: dir)
        #expect(eventually(seconds: 60) { demo.output.contains("forwarded") })
        demo.signal(SIGINT)
        #expect(demo.wait(seconds: 60) == 0)
        let out = demo.output
        #expect(out.contains("interrupted: stopping the streams"), "\(out)")
        #expect(out.contains("demo summary (interrupted)"), "\(out)")
        #expect(out.contains("  ROV0: "))
    }
}
