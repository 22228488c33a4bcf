import Foundation
import GNSSCore
import GNSSFormats
import GNSSOrbits
import GNSSPositioning
import GNSSProducts
import GNSSSimulation
import Testing
import TestSupport

/// SSR corrections for the LEO satellites (4058/2) on a simulated sky: generated from the true orbits and clocks
/// against the satellite segment's broadcast ephemerides, sent through RTCM 3 frames, decoded and applied.
@Suite struct LEOSSRTests {
    /// The corrections of `generator` from `start` to `end`, every message encoded, framed, re-framed and decoded as a
    /// user's decoder does, then kept by a timeline that turns them into updates; usable from their epoch on.
    static func broadcastCorrections(_ generator: inout LEOSSRGenerator, from start: GNSSTime, to end: GNSSTime) throws
        -> (timeline: SSRTimeline, messages: [SSRMessage], bytes: Int) {
        var timeline = SSRTimeline()
        var decoder = RTCM3Decoder()
        var framer = RTCM3Framer()
        var messages: [SSRMessage] = [], bytes = 0
        var t = start
        while !(end < t) {
            for m in generator.messages(at: t) {
                let frame = RTCM3Encoder.frame(try RTCM3SSRCodec.encode(m))
                bytes += frame.count
                framer.append(frame)
                guard case .frame(let f)? = framer.next(), case .ssr(let decoded) = try decoder.decode(f) else {
                    throw FormatError(.internal, "4058/2 frame not decoded as SSR")
                }
                messages.append(decoded)
                timeline.append(payload: f.payload, epoch: t)
            }
            t = t + generator.options.interval
        }
        timeline.finalise()
        return (timeline, messages, bytes)
    }

    static func rms(_ values: [Double]) -> Double { (values.reduce(0) { $0 + $1 * $1 } / Double(max(values.count, 1))).squareRoot() }

    @Test("broadcast plus decoded LEO SSR reproduces the true LEO orbits and clocks to about a millimetre")
    func correctedStatesMatchTruth() throws {
        let start = GNSSTime(seconds: 1_277_000_000)
        let sky = LEOSky(start: start - 300, span: 1500, seed: 5)
        var store = LEOEphemerisStore()
        for e in SatelliteSegment().ephemerides(sky: sky, from: start - 120, to: start + 720, seed: 1) { store.add(e) }
        var generator = try LEOSSRGenerator(broadcast: store, truth: { sky.state($0, at: $1) })
        let result = try Self.broadcastCorrections(&generator, from: start, to: start + 600)
        var timeline = result.timeline
        let messages = result.messages, bytes = result.bytes
        #expect(generator.outOfRange.isEmpty)
        // The largest corrections sent, which the field ranges must hold with a margin.
        let sent = messages.flatMap(\.satellites)
        func largest(_ k: Int) -> Double { sent.map { abs($0.orbit![k]) }.max() ?? 0 }
        let offsets = (0..<3).map(largest), rates = (3..<6).map(largest)
        let clocks = (0..<2).map { k in sent.map { abs($0.clock![k]) }.max() ?? 0 }
        print(String(format: "LEO SSR: %d messages, %d corrections, %.0f bit/s for %d satellites; largest |radial|, |along|, |cross| %.4f %.4f %.4f m, rates %.2e %.2e %.2e m/s, |C0| %.4f m, |C1| %.2e m/s",
                     messages.count, sent.count, Double(bytes * 8) / 600, sky.satellites.count, offsets[0], offsets[1], offsets[2],
                     rates[0], rates[1], rates[2], clocks[0], clocks[1]))
        #expect(messages.allSatisfy { $0.system == .leo && $0.messageType == 4058 && $0.satellites.count <= 30 })
        #expect(offsets.max()! < 0.5 && rates.max()! < 1e-3 && clocks[0] < 0.5)

        var orbit: [Double] = [], clock: [Double] = [], broadcastOrbit: [Double] = [], broadcastClock: [Double] = []
        var unavailable: [String: Int] = [:]
        for step in stride(from: 10.0, to: 600, by: 3.7) {
            let t = start + step
            timeline.advance(to: t)
            let corrections = timeline.held
            for sat in sky.satellites {
                guard let truth = sky.state(sat, at: t), let b = store.state(sat, at: t) else { continue }
                switch corrections.state(sat, at: t, leo: store) {
                case .success(let s):
                    orbit.append((s.position - truth.position).norm)
                    clock.append((s.clockBias - truth.clock) * Constants.speedOfLight)
                    broadcastOrbit.append((b.position - truth.position).norm)
                    broadcastClock.append((b.clockBias - truth.clock) * Constants.speedOfLight)
                case .failure(let why):
                    unavailable[why.label, default: 0] += 1
                }
            }
        }
        let total = orbit.count + unavailable.values.reduce(0, +)
        print(String(format: "LEO SSR vs truth over %d satellite epochs (%d without a corrected state: %@): orbit 3D RMS %.2f mm (broadcast %.1f mm), max %.2f mm; clock RMS %.2f mm (broadcast %.1f mm), max %.2f mm",
                     orbit.count, total - orbit.count, unavailable.description, Self.rms(orbit) * 1000, Self.rms(broadcastOrbit) * 1000,
                     (orbit.max() ?? 0) * 1000, Self.rms(clock) * 1000, Self.rms(broadcastClock) * 1000,
                     (clock.map(abs).max() ?? 0) * 1000))
        #expect(orbit.count > total * 99 / 100, "\(unavailable)")
        #expect(Self.rms(orbit) < 0.01 && Self.rms(clock) < 0.01)
        #expect(Self.rms(orbit) < Self.rms(broadcastOrbit) / 5 && Self.rms(clock) < Self.rms(broadcastClock) / 5)
    }

    struct Outcome {
        /// Seconds until the error stays below 10 cm horizontally and 20 cm vertically.
        var convergence: Double?
        var rms: (horizontal: Double, vertical: Double)?
    }

    /// Kinematic PPP, GNSS (precise orbits and clocks) plus LEO, as the convergence experiment runs it: the LEO
    /// satellites by their broadcast ephemerides alone, then with their SSR corrections.
    static func leoPPP(segment: SatelliteSegment, duration: Double, seed: UInt64) throws
        -> (broadcast: Outcome, corrected: Outcome) {
        let products = try SynthesizerTests.products()
        let start = GNSSTime(calendar: CalendarDate(year: 2020, month: 6, day: 25, hour: 6), scale: .gps)!
        let leo = LEOSky(start: start - 300, span: duration + 600, seed: seed)
        var store = LEOEphemerisStore()
        for e in segment.ephemerides(sky: leo, from: start - 120, to: start + duration + 120, seed: seed &+ 1) { store.add(e) }
        var generator = try LEOSSRGenerator(broadcast: store, truth: { leo.state($0, at: $1) })
        let (timeline, _, _) = try broadcastCorrections(&generator, from: start - 60, to: start + duration)
        let sky = CombinedSky([PreciseSky(ephemeris: products.precise, systems: [.gps, .galileo]), leo])
        var simulator = ObservationSynthesizer(sky: sky, station: SynthesizerTests.esbc, seed: seed &+ 2)
        let epochs = stride(from: 0.0, to: duration, by: 2).map { simulator.epoch(at: start + $0) }
        func process(_ corrections: SSRTimeline?) -> Outcome {
            var timeline = corrections
            let profile = PositioningProfile(mode: .ppp, dynamics: .kinematic, elevationMask: 10 * Constants.degreesToRadians,
                                             systems: [.gps, .galileo, .leo])
            var engine = PositioningEngine(profile: profile)
            var samples: [Convergence.Sample] = []
            for (epoch, truth) in epochs {
                timeline?.advance(to: epoch.time)
                let p = PositioningProducts(ephemerides: products.ephemerides, precise: products.precise, leo: store, ssr: timeline?.held)
                let s = engine.solve(epoch, products: p)
                if s.quality != .none { samples.append(.init(time: epoch.time, error: s.position.enu(relativeTo: truth.marker))) }
            }
            let time = Convergence.time(samples, from: start)
            return Outcome(convergence: time, rms: time.flatMap { Convergence.rms(samples, after: start + $0) })
        }
        return (process(nil), process(timeline))
    }

    static func describe(_ o: Outcome) -> String {
        let time = o.convergence.map { String(format: "%.1f min", $0 / 60) } ?? "never"
        let rms = o.rms.map { String(format: "RMS %.1f mm horizontal, %.1f mm vertical", $0.horizontal * 1000, $0.vertical * 1000) } ?? "no RMS"
        return "converged \(time), \(rms)"
    }

    @Test("LEO-augmented PPP with LEO SSR corrections is no worse than with the LEO broadcast ephemerides alone",
          .enabled(if: SharedData.available, "needs ../shared/data"))
    func pppWithLEOCorrections() throws {
        for (label, orbitError) in [("simulated segment (2 cm)", 0.02), ("a segment ten times worse (20 cm)", 0.2)] {
            var segment = SatelliteSegment()
            segment.orbitError = orbitError
            segment.clockError = orbitError
            let (broadcast, corrected) = try Self.leoPPP(segment: segment, duration: 900, seed: 7)
            print("GNSS+LEO kinematic PPP, \(label): LEO broadcast \(Self.describe(broadcast)); with LEO SSR \(Self.describe(corrected))")
            let c = try #require(corrected.rms), cTime = try #require(corrected.convergence)
            #expect(c.horizontal < 0.02 && c.vertical < 0.04)
            // No worse: within a millimetre of the broadcast's figures or better, and converged no later than a minute after
            // (with the worse segment the broadcast alone need not converge at all).
            if let b = broadcast.rms, let bTime = broadcast.convergence {
                #expect(c.horizontal <= b.horizontal + 0.001 && c.vertical <= b.vertical + 0.001)
                #expect(cTime <= bTime + 60)
            } else {
                #expect(orbitError > 0.1, "the simulated segment's broadcast alone should converge")
            }
        }
    }
}
