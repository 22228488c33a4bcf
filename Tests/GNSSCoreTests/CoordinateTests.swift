import Testing
@testable import GNSSCore

@Suite struct CoordinateTests {
    // RTKLIB 2.4.3 rnx2rtkp -p 0 on rtk-0759-3040/07590920.05o, first epoch, printed once with -e (ECEF)
    // and once in its default latitude/longitude/ellipsoidal-height form: the same solution in two frames.
    static let rtklibECEF = ECEF(-3_976_227.6692, 3_382_380.8829, 3_652_520.2507)
    static let rtklibLatitude = 35.160868346
    static let rtklibLongitude = 139.613825769
    static let rtklibHeight = 83.8246

    @Test func ecefToGeodeticMatchesRTKLIB() {
        let g = Self.rtklibECEF.geodetic()
        #expect(abs(g.latitudeDegrees - Self.rtklibLatitude) < 2e-9)
        #expect(abs(g.longitudeDegrees - Self.rtklibLongitude) < 2e-9)
        #expect(abs(g.height - Self.rtklibHeight) < 2e-4)
    }

    @Test func geodeticToECEFMatchesRTKLIB() {
        let p = Geodetic(latitudeDegrees: Self.rtklibLatitude, longitudeDegrees: Self.rtklibLongitude,
                         height: Self.rtklibHeight).ecef()
        #expect(p.distance(to: Self.rtklibECEF) < 1e-3)
    }

    @Test func poleAndEquator() {
        // WGS-84 semi-minor axis b = 6356752.3142 m (NIMA TR8350.2 table 3.1).
        let pole = Geodetic(latitudeDegrees: 90, longitudeDegrees: 0, height: 0).ecef()
        #expect(abs(pole.z - 6_356_752.3142) < 1e-3)
        let g = ECEF(6_378_137, 0, 0).geodetic()
        #expect(abs(g.latitude) < 1e-12 && abs(g.height) < 1e-6)
        let north = ECEF(0, 0, 6_356_752.3142 + 10).geodetic()
        #expect(abs(north.latitudeDegrees - 90) < 1e-9 && abs(north.height - 10) < 1e-3)
    }

    @Test func enuOfALocalOffset() {
        let origin = Self.rtklibECEF
        let g = origin.geodetic()
        // 100 m straight up along the ellipsoid normal.
        let up = Geodetic(latitude: g.latitude, longitude: g.longitude, height: g.height + 100).ecef()
        let enu = up.enu(relativeTo: origin)
        #expect(abs(enu.up - 100) < 1e-6 && abs(enu.east) < 1e-6 && abs(enu.north) < 1e-6)
        let back = ENU(east: 12, north: -7, up: 3).ecef(origin: origin)
        let again = back.enu(relativeTo: origin)
        #expect(abs(again.east - 12) < 1e-6 && abs(again.north + 7) < 1e-6 && abs(again.up - 3) < 1e-6)
        #expect(abs(ENU(east: 1, north: 0, up: 1).azimuthElevation.elevation - .pi / 4) < 1e-12)
    }
}

@Suite struct SignalTests {
    // Carrier frequencies from the interface control documents (IS-GPS-200, GLONASS ICD 5.1,
    // Galileo OS SIS ICD, BDS-SIS-ICD B1I/B3I).
    @Test func frequencies() throws {
        #expect(CarrierFrequency.of(system: .gps, band: 1) == 1_575_420_000)
        #expect(CarrierFrequency.of(system: .gps, band: 2) == 1_227_600_000)
        #expect(CarrierFrequency.of(system: .galileo, band: 7) == 1_207_140_000)
        #expect(CarrierFrequency.of(system: .beidou, band: 2) == 1_561_098_000)
        #expect(CarrierFrequency.of(system: .beidou, band: 6) == 1_268_520_000)
        #expect(CarrierFrequency.of(system: .glonass, band: 1, glonassChannel: 1) == 1_602_562_500)
        #expect(CarrierFrequency.of(system: .glonass, band: 2, glonassChannel: -7) == 1_242_937_500)
        #expect(CarrierFrequency.of(system: .glonass, band: 1) == nil)
        // GPS L1 wavelength 0.190293672798 m.
        let l1 = try #require(CarrierFrequency.wavelength(system: .gps, band: 1))
        #expect(abs(l1 - 0.190_293_672_798) < 1e-12)
    }

    @Test func codesAndSatellites() throws {
        let c = try #require(ObservationCode("L5Q"))
        #expect(c.kind == .carrierPhase && c.signal == SignalCode(band: 5, attribute: "Q"))
        #expect(c.description == "L5Q")
        #expect(ObservationCode("Z1C") == nil)
        #expect(SatelliteID(rinex: "G05") == SatelliteID(.gps, 5))
        #expect(SatelliteID(rinex: " 5") == SatelliteID(.gps, 5))
        #expect(SatelliteID(rinex: "R 7") == SatelliteID(.glonass, 7))
        #expect(SatelliteID(rinex: "S120") == SatelliteID(.sbas, 20))
        #expect(SatelliteID(rinex: "G99") == nil)
        #expect(SatelliteID(rinex: "X01") == nil)
        #expect(SatelliteID(.beidou, 59).description == "C59")
        #expect(SatelliteID(.leo, 101).description == "LA1")
        #expect(SatelliteID(.leo, 288).description == "LS8")
        #expect(SatelliteID(rinex: "LS8") == SatelliteID(.leo, 288) && SatelliteID(rinex: "L288") == SatelliteID(.leo, 288))
        #expect(SatelliteID(rinexBytes: Array("LA1".utf8)[...]) == SatelliteID(.leo, 101))
    }
}
