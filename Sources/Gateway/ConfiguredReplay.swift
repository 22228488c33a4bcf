import Foundation
import GNSSCore
import GNSSFormats
import GNSSPositioning
import GNSSProducts
import Synchronization

/// `gatewayd replay --config`: the configuration's stations fed from recorded
/// files through the same `StationPipeline` as live ingestion, stations
/// interleaved in time order (so RTK rovers see their reference station's
/// epochs), as fast as possible or paced at `speed` × real time. Solutions go
/// to `OUT/NAME.FORMAT` and each reference station's correction bytes to
/// `OUT/NAME.rtcm3`. The same input gives the same output bytes.
public struct ConfiguredReplay {
    public var configuration: GatewayConfiguration
    /// Recorded files per station name, in time order.
    public var inputs: [String: [String]]
    public var outputDirectory: String
    public var format: SolutionFormat = .pos
    /// JSON: write each epoch's per-satellite report too.
    public var satelliteReport = false
    /// When the recorded streams' ephemerides serve: from their arrival on (as live), or every epoch.
    public var ephemerides: EphemerisTiming = .asReceived
    /// Multiple of real time; nil for as fast as possible.
    public var speed: Double?
    public var progress: ((String, Int, GNSSTime) -> Void)?

    public init(configuration: GatewayConfiguration, inputs: [String: [String]], outputDirectory: String) {
        self.configuration = configuration
        self.inputs = inputs
        self.outputDirectory = outputDirectory
    }

    /// Epochs and solutions by quality, per station.
    public struct StationSummary: Sendable {
        public var epochs = 0
        public var byQuality: [SolutionQuality: Int] = [:]
        public var correctionBytes = 0
        public var problems = 0
        /// A corrections stream's SSR messages taken.
        public var ssrMessages = 0
    }

    /// One station's recorded input: bytes for a stream (RTCM 3), epochs for RINEX.
    private final class Feed {
        let pipeline: StationPipeline
        var files: [String]
        var bytes: FramePieces?
        var epochs: RINEXObservationSource?
        var lastTime: GNSSTime?
        var finished = false
        let log: SolutionLog
        var corrections: FileHandle?

        init(pipeline: StationPipeline, files: [String], log: SolutionLog) {
            self.pipeline = pipeline
            self.files = files
            self.log = log
        }

        /// The next piece of input through the pipeline; false at the end.
        func step() throws -> [StationOutput] {
            while true {
                if let source = bytes {
                    if let chunk = try source.next() { return pipeline.ingest(chunk, now: nil) }
                    bytes = nil
                    let tail = pipeline.finish()
                    if !tail.isEmpty { return tail }
                    continue
                }
                if let source = epochs {
                    if let e = try source.next() { return pipeline.ingest(epoch: e) }
                    epochs = nil
                    continue
                }
                guard !files.isEmpty else {
                    finished = true
                    return []
                }
                let path = files.removeFirst()
                let kind = FileKind.detect(try FileByteSource.peek(path: path))
                switch kind {
                case .rtcm3, .ubx:
                    // The satellite segment's downlink is RTCM 3 too.
                    let expected = pipeline.configuration.format == .ubx ? FileKind.ubx : FileKind.rtcm3
                    guard kind == expected else {
                        throw FormatError(.format, "a \(kind.rawValue) file for a station configured as \(pipeline.configuration.format.rawValue)", file: path)
                    }
                    bytes = FramePieces(try FileByteSource(path: path, chunkSize: 4096), framing: kind == .ubx ? .ubx : .rtcm3)
                case .rinexObservation, .hatanaka: epochs = try RINEXObservationSource(path: path)
                default: throw FormatError(.format, "\(kind.rawValue) is not a station stream this replay reads (RTCM 3, UBX or RINEX observations)", file: path)
                }
            }
        }
    }

    public func run() throws -> [String: StationSummary] {
        for name in inputs.keys where !configuration.stations.contains(where: { $0.name == name }) {
            throw ReplayUsageError("--input names '\(name)', which is not a station of the configuration")
        }
        let products = try Products.load(navigation: configuration.navigation, sp3: configuration.sp3, clock: configuration.clock,
                                         antex: configuration.antex)
        let ephemerides = SharedEphemerides()
        ephemerides.add(products: products.ephemerides.satellites.flatMap { products.ephemerides.all(for: $0) })
        if self.ephemerides == .ahead {
            for station in configuration.stations where station.format != .leo {
                for path in inputs[station.name] ?? [] { _ = ephemerides.add(try Self.streamEphemerides(path)) }
            }
        }
        let references = ReferenceEpochs()
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        // The SSR stream made from the products goes to OUT/NAME.rtcm3, as it would go out over UDP.
        let published = Mutex<[UInt8]>([])
        let publisher = try configuration.ssrPublish.map { p throws(SSRGenerator.UsageError) in
            try CorrectionPublisher(configuration: p, products: products, ephemerides: ephemerides) { datagram, _ in
                published.withLock { $0 += datagram }
            }
        }

        var feeds: [(String, Feed)] = []
        // Reference stations first: of epochs of one time, a rover's RTK finds its reference's already published.
        for station in configuration.stations.filter({ $0.role == .reference }) + configuration.stations.filter({ $0.role != .reference }) {
            guard let files = inputs[station.name], !files.isEmpty else { continue }
            let pipeline = StationPipeline(configuration: station, ephemerides: ephemerides, references: references,
                                           products: products, metrics: nil, publisher: publisher)
            let log = try SolutionLog(directory: outputDirectory, station: station.name, format: format, append: false,
                                      satelliteReport: satelliteReport)
            let feed = Feed(pipeline: pipeline, files: files, log: log)
            if station.role == .reference || station.format == .leo {
                let path = (outputDirectory as NSString).appendingPathComponent("\(station.name).rtcm3")
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                feed.corrections = FileHandle(forWritingAtPath: path)
            }
            feeds.append((station.name, feed))
        }
        guard !feeds.isEmpty else { throw ReplayUsageError("no input: give --input STATION=PATH for stations of the configuration") }

        var summaries: [String: StationSummary] = [:]
        let started = ContinuousClock.now
        var firstTime: GNSSTime?
        while let (name, feed) = feeds.filter({ !$0.1.finished }).min(by: { Self.earlier($0.1.lastTime, $1.1.lastTime) }) {
            for output in try feed.step() {
                switch output {
                case .solution(let s, let epoch):
                    feed.lastTime = s.time
                    summaries[name, default: StationSummary()].epochs += 1
                    summaries[name, default: StationSummary()].byQuality[s.quality, default: 0] += 1
                    feed.log.write(s, epoch: epoch)
                    progress?(name, summaries[name]?.epochs ?? 0, s.time)
                    if let speed, speed > 0 {
                        let first = firstTime ?? s.time
                        firstTime = first
                        let due = started + .milliseconds(Int64((s.time - first) / speed * 1000))
                        let wait = due - ContinuousClock.now
                        if wait > .zero { Thread.sleep(forTimeInterval: wait.inSeconds) }
                    }
                case .corrections(let time):
                    feed.lastTime = time
                case .relay:
                    break
                case .correction(let record):
                    feed.lastTime = record.time
                    feed.corrections?.write(Data(record.rtcm))
                    summaries[name, default: StationSummary()].correctionBytes += record.rtcm.count
                }
            }
        }
        if let p = configuration.ssrPublish {
            let path = (outputDirectory as NSString).appendingPathComponent("\(p.name).rtcm3")
            try Data(published.withLock { $0 }).write(to: URL(fileURLWithPath: path))
            summaries[p.name, default: StationSummary()].ssrMessages = publisher?.counts.messages ?? 0
            summaries[p.name, default: StationSummary()].correctionBytes = publisher?.counts.bytes ?? 0
        }
        for (name, feed) in feeds {
            feed.log.flush()
            try? feed.corrections?.close()
            summaries[name, default: StationSummary()].problems = feed.pipeline.counters.decodeErrors
            summaries[name, default: StationSummary()].ssrMessages = feed.pipeline.counters.ssrMessages
        }
        return summaries
    }

    /// Every ephemeris a recorded stream carries (none from a RINEX observation file).
    private static func streamEphemerides(_ path: String) throws -> [Ephemeris] {
        let kind = FileKind.detect(try FileByteSource.peek(path: path))
        guard kind == .rtcm3 || kind == .ubx else { return [] }
        let scan = try ObservationSources.open(path)
        var found: [Ephemeris] = []
        while try scan.next() != nil { found += scan.takeEphemerides() }
        return found + scan.takeEphemerides()
    }

    private static func earlier(_ a: GNSSTime?, _ b: GNSSTime?) -> Bool {
        switch (a, b) {
        case (nil, nil): false
        case (nil, _): true
        case (_, nil): false
        case (let a?, let b?): a < b
        }
    }
}
