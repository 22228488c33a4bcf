import Foundation
import GNSSCore
import GNSSFormats
import GNSSSimulation
import Testing

/// The LEO constellation's orbits against Kepler's third law and the J2 secular rates of textbook orbital mechanics.
@Suite struct LEOOrbitTests {
    static let a = Ellipsoid.wgs84.semiMajorAxis + 1_000_000
    static let gm = 3.986_004_418e14
    static let j2 = 1.082_626_68e-3

    static func raan(_ s: (position: Vector3, velocity: Vector3)) -> Double {
        let r = s.position, v = s.velocity
        let hx = r.y * v.z - r.z * v.y, hy = r.z * v.x - r.x * v.z
        return atan2(hx, -hy)
    }

    @Test("the time between ascending nodes is Kepler's period 2π√(a³/GM) ≈ 6307 s, to J2's few tenths of a percent")
    func period() {
        let kepler = 2 * Double.pi * (Self.a * Self.a * Self.a / Self.gm).squareRoot()
        #expect(abs(kepler - 6307) < 1)
        var s = OrbitalElements(semiMajorAxis: Self.a, inclination: 55 * Constants.degreesToRadians, raan: 0, argumentOfLatitude: 0.01).state
        var crossings: [Double] = []
        var t = 0.0
        let h = 5.0
        while crossings.count < 3 && t < 30_000 {
            let next = J2Propagator.step(s, h)
            if s.position.z < 0 && next.position.z >= 0 {
                crossings.append(t + h * (-s.position.z) / (next.position.z - s.position.z))
            }
            s = next
            t += h
        }
        #expect(crossings.count == 3)
        let nodal = (crossings[2] - crossings[0]) / 2
        #expect(abs(nodal - kepler) / kepler < 0.005, "nodal period \(nodal) s, Kepler \(kepler) s")
    }

    @Test("the node regresses at −(3/2) n J2 (Re/a)² cos i", arguments: [55.0, 70.0, 87.5])
    func nodalRegression(inclinationDegrees: Double) {
        let i = inclinationDegrees * Constants.degreesToRadians
        let n = (Self.gm / (Self.a * Self.a * Self.a)).squareRoot()
        let re = Ellipsoid.wgs84.semiMajorAxis
        let expected = -1.5 * n * Self.j2 * (re / Self.a) * (re / Self.a) * cos(i)  // rad/s
        var s = OrbitalElements(semiMajorAxis: Self.a, inclination: i, raan: 0, argumentOfLatitude: 0).state
        let day = 86_400.0
        let h = 20.0
        // Average the osculating node over the first and the last orbit to remove its twice-per-orbit wobble.
        func meanNode(over steps: Int) -> Double {
            var sum = 0.0
            for _ in 0..<steps {
                sum += Self.raan(s)
                s = J2Propagator.step(s, h)
            }
            return sum / Double(steps)
        }
        let orbit = Int((6307 / h).rounded())
        let first = meanNode(over: orbit)
        for _ in 0..<(Int(day / h) - 2 * orbit) { s = J2Propagator.step(s, h) }
        let last = meanNode(over: orbit)
        let rate = (last - first) / (day - Double(orbit) * h)
        if abs(cos(i)) < 0.1 {
            #expect(abs(rate - expected) < 0.05 * abs(Self.j2 * n), "polar: \(rate) rad/s vs \(expected)")
        } else {
            #expect(abs(rate / expected - 1) < 0.01, "\(inclinationDegrees)°: \(rate * 86_400 / Constants.degreesToRadians)°/day vs \(expected * 86_400 / Constants.degreesToRadians)°/day")
        }
    }

    @Test("the standard constellation: 288 satellites, 12 planes per shell equally spaced, 8 per plane; ground tracks reach the shells' latitudes")
    func geometryAndGroundTracks() {
        let elements = LEOConstellation.standard.elements
        #expect(elements.count == 288)
        #expect(Set(elements.map(\.0)).count == 288)
        let shell = Array(elements.prefix(96)).map(\.1)
        let raans = Set(shell.map { ($0.raan / Constants.degreesToRadians * 1000).rounded() / 1000 })
        #expect(raans.count == 12 && raans.contains(0) && raans.contains(30) && raans.contains(330))
        #expect(abs((shell[1].argumentOfLatitude - shell[0].argumentOfLatitude) / Constants.degreesToRadians - 45) < 1e-9)
        #expect(abs((shell[8].argumentOfLatitude - shell[0].argumentOfLatitude) / Constants.degreesToRadians - 360.0 / 96) < 1e-9)

        let start = GNSSTime(seconds: 1_277_000_000)
        let sky = LEOSky(constellation: LEOConstellation(shells: [LEOConstellation.standard.shells[0], LEOConstellation.standard.shells[2]]),
                         start: start, span: 7000, step: 20, seed: 1)
        var maxLatitude: [Int: Double] = [:]
        for sat in [SatelliteID(.leo, 1), SatelliteID(.leo, 97)] {
            var t = start
            while t - start < 6400 {
                if let s = sky.state(sat, at: t) {
                    maxLatitude[sat.prn] = max(maxLatitude[sat.prn] ?? 0, abs(atan2(s.position.z, (s.position.x * s.position.x + s.position.y * s.position.y).squareRoot())))
                }
                t = t + 20
            }
        }
        let deg = Constants.radiansToDegrees
        #expect((maxLatitude[1] ?? 0) * deg > 54.5 && (maxLatitude[1] ?? 0) * deg < 55.5)
        #expect((maxLatitude[97] ?? 0) * deg > 87)
    }
}

/// The simulator's files read back by the project's RINEX reader.
@Suite struct SimulationFileTests {
    @Test("a LEO-only simulation written as RINEX 4.02 reads back with every satellite (L01…LS8) and value to the file's resolution")
    func rinexRoundTrip() throws {
        let start = GNSSTime(seconds: 1_277_000_000)
        let sky = LEOSky(start: start - 60, span: 300, seed: 3)
        let marker = ECEF(3_582_104.9185, 532_590.1945, 5_232_755.3150)
        var simulator = ObservationSynthesizer(sky: CombinedSky([sky]), station: marker, seed: 4)
        let epochs = (0..<30).map { simulator.epoch(at: start + Double($0) * 5).0 }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sim-\(UUID().uuidString).rnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SimulationFiles.rinex(epochs, marker: "SIM0", position: marker, interval: 5).write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try RINEXObservationReader(path: path)
        var read: [ObservationEpoch] = []
        while let e = try reader.next() { read.append(e) }
        #expect(read.count == epochs.count)
        #expect(reader.errors.isEmpty, "\(reader.errors)")
        #expect(epochs.contains { $0.satellites.contains { $0.satellite.prn >= 100 } }, "some satellites numbered from 100 on are in view")
        for (a, b) in zip(epochs, read) {
            #expect(a.time == b.time)
            #expect(a.satellites.map(\.satellite) == b.satellites.map(\.satellite))
            for (sa, sb) in zip(a.satellites, b.satellites) {
                for (x, y) in zip(sa.signals, sb.signals) {
                    #expect(abs((x.pseudorange ?? 0) - (y.pseudorange ?? 0)) < 0.0006)
                    #expect(abs((x.carrierPhase ?? 0) - (y.carrierPhase ?? 0)) < 0.0006)
                }
            }
        }
    }
}

/// The forces beyond J2 the true LEO orbits fly under, against the gradient of the zonal geopotential.
@Suite struct LEOOrbitForcesTests {
    /// The zonal potential of degree 3 and 4, GM/r · Jn (Re/r)ⁿ Pn(sin φ) with the textbook Legendre polynomials, its sign
    /// as the acceleration's (a = −∇ of this).
    static func potential(_ r: Vector3) -> Double {
        let gm = 3.986_004_418e14, re = 6_378_137.0
        let rn = r.norm, s = r.z / rn
        let p3 = (5 * s * s * s - 3 * s) / 2
        let p4 = (35 * s * s * s * s - 30 * s * s + 3) / 8
        return gm / rn * (-2.532_153e-6 * pow(re / rn, 3) * p3 + -1.619_621e-6 * pow(re / rn, 4) * p4)
    }

    @Test("J3 and J4 accelerate as the gradient of their potential, at 1000 km over the equator, mid-latitudes and a pole")
    func zonalGradient() {
        let a = Ellipsoid.wgs84.semiMajorAxis + 1_000_000
        let sites = [Vector3(a, 0, 0), Vector3(a * 0.5, a * 0.5, a * 0.7071), Vector3(-a * 0.3, a * 0.2, -a * 0.93), Vector3(1, 0, a)]
        let v = Vector3(0, 7350, 0)
        for r in sites {
            let extra = LEOOrbitForces(zonal: true, alongTrack: 0, radiationPressure: Vector3(0, 0, 0)).acceleration(r, v)
            let base = LEOOrbitForces.j2Only.acceleration(r, v)
            let h = 1.0
            func derivative(_ d: Vector3) -> Double {
                (Self.potential(r + d) - Self.potential(r + (-1) * d)) / (2 * h)
            }
            let expected = Vector3(-derivative(Vector3(h, 0, 0)), -derivative(Vector3(0, h, 0)), -derivative(Vector3(0, 0, h)))
            let got = Vector3(extra.x - base.x, extra.y - base.y, extra.z - base.z)
            let difference = Vector3(got.x - expected.x, got.y - expected.y, got.z - expected.z).norm
            #expect(expected.norm > 1e-6 && expected.norm < 1e-4, "J3+J4 at 1000 km: \(expected.norm) m/s²")
            #expect(difference < 1e-9, "J3+J4 acceleration \(got) against the potential's gradient \(expected)")
        }
    }

    @Test("the drag lowers the orbit by 2fa/v a second, as a constant tangential deceleration f does: 1.7 m a day at 1000 km")
    func dragLowersTheOrbit() {
        let e = OrbitalElements(semiMajorAxis: Ellipsoid.wgs84.semiMajorAxis + 1_000_000, inclination: 1, raan: 0, argumentOfLatitude: 0)
        var dragged = e.state, plain = e.state
        let drag = LEOOrbitForces(zonal: false, alongTrack: -1e-8, radiationPressure: Vector3(0, 0, 0))
        for _ in 0..<(86_400 / 20) {
            dragged = drag.step(dragged, 20)
            plain = LEOOrbitForces.j2Only.step(plain, 20)
        }
        // A day of −1e−8 m/s² at a = 7378 km, v = 7350 m/s: 2 · 1e−8 · 7.378e6 / 7350 · 86400 = 1.73 m lower.
        let sunk = plain.position.norm - dragged.position.norm
        #expect(abs(sunk - 1.73) < 0.3, "lowered by \(sunk) m")
    }
}
