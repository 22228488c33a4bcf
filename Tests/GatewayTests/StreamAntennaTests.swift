import Foundation
import Testing
import TestSupport
import GNSSCore
import GNSSFormats
@testable import Gateway

/// A stream's antenna (1006 height, 1033 descriptor) reaches replay's antenna models, as a RINEX header's does.
struct StreamAntennaTests {
    @Test func rtcmCaptureDescribesItsAntenna() throws {
        // The simulated rover's capture with a 1006 and a 1033 in front.
        let coordinates = StationCoordinates(stationID: 7, position: ECEF(3_582_105.29, 532_589.73, 5_232_754.81), antennaHeight: 0.216)
        let descriptors = StationDescriptors(stationID: 7, antennaDescriptor: "ASH701945E_M    SCIS")
        let stream = RTCM3Framer.frame(coordinates.encode()) + RTCM3Framer.frame(descriptors.encode())
            + (try FileByteSource.readAll(path: SharedData.fixture("sim/ROV0.rtcm3")))
        let path = NSTemporaryDirectory() + "stream-antenna-\(getpid()).rtcm3"
        try Data(stream).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let source = try ObservationSources.open(path)
        #expect(source.antenna == nil)          // nothing read yet
        _ = try source.next()
        #expect(source.antenna == ReceiverAntenna(type: "ASH701945E_M    SCIS", eccentricity: ENU(east: 0, north: 0, up: 0.216)))
    }
}
