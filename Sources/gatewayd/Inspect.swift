import ArgumentParser
import DaemonSupport
import GNSSFormats

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Decode any supported file (RTCM 3, UBX, RINEX obs/nav/clock, Hatanaka, SP3; gzip or not).",
        discussion: "Formats are recognised by content. With --json, one JSON object per RTCM frame, RINEX epoch or UBX message goes to stdout; a summary per type goes to stderr."
    )

    @Flag(name: .long, help: "Write one JSON object per decoded record to stdout.")
    var json = false

    @Argument(help: "Files to decode.")
    var paths: [String]

    func run() throws {
        let out = StandardOutput()
        var failed = false
        for path in paths {
            let sink = InspectSink(writeJSON: json) { out.writeLine($0) }
            let kind: FileKind
            do {
                kind = try Inspection.inspect(path: path, sink: sink)
            } catch {
                StandardError.error("\(error)")
                failed = true
                continue
            }
            out.flush()
            StandardError.writeLine("\(path): \(kind.rawValue)")
            for line in sink.summaryLines() { StandardError.writeLine(line) }
            if sink.totalErrors > 0 { failed = true }
        }
        out.flush()
        if failed { throw ExitCode(1) }
    }
}
