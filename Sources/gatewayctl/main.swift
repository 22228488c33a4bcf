import ArgumentParser
import DaemonSupport
import Foundation
import GatewayControl

/// `gatewayctl [--socket PATH] [--json] COMMAND …`: the options may come before the command as well as after it.
@main
enum GatewayctlMain {
    static func main() {
        Gatewayctl.mainReportingFailures(reordered(Array(CommandLine.arguments.dropFirst())))
    }

    /// Moves `--socket PATH`, `--socket=PATH` and `--json` given before the subcommand to after it.
    static func reordered(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var rest = arguments[...]
        while let first = rest.first, first.hasPrefix("--") {
            rest = rest.dropFirst()
            leading.append(first)
            if first == "--socket", let value = rest.first {
                leading.append(value)
                rest = rest.dropFirst()
            }
        }
        guard let command = rest.first else { return arguments }
        return [command] + leading + rest.dropFirst()
    }
}

/// Asks a running gatewayd about its state over the control socket.
struct Gatewayctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayctl",
        abstract: "Query a running gatewayd through its control socket.",
        version: SoftwareVersion.line("gatewayctl"),
        subcommands: [Status.self, Sources.self, Stations.self, SolutionCommand.self, Satellites.self]
    )
}

struct ControlOptions: ParsableArguments {
    @Option(name: .long, help: "The control socket.")
    var socket = "/run/gatewayd/control.sock"

    @Flag(name: .long, help: "Print the daemon's JSON reply.")
    var json = false

    /// Sends the request, prints the raw reply with --json, and returns it decoded.
    func ask(_ request: ControlProtocol.Request) throws -> ControlProtocol.Reply {
        let line: String
        do {
            line = try ControlClient(path: socket).request(request)
        } catch {
            StandardError.error("\(error)")
            throw ExitCode(2)
        }
        guard let reply = try? JSONDecoder().decode(ControlProtocol.Reply.self, from: Data(line.utf8)) else {
            StandardError.error("unreadable reply: \(line)")
            throw ExitCode(2)
        }
        if json { print(line) }
        if !reply.ok {
            if !json { StandardError.error(reply.error ?? "request failed") }
            throw ExitCode(1)
        }
        return reply
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Readiness, uptime, stations and the forwarder.")
    @OptionGroup var options: ControlOptions

    func run() throws {
        let r = try options.ask(.init(command: "status"))
        guard !options.json else { return }
        print("gateway \(r.gateway ?? "?") \(r.version ?? "")  ready: \(r.ready == true ? "yes" : "no")  uptime: \(Table.duration(r.uptimeSeconds ?? 0))  ephemerides: \(r.ephemerides ?? 0)")
        if let f = r.forwarder {
            print("forwarder: \(f.state)  acked: \(f.acked)  pending: \(f.pending)  last sequence: \(f.lastSequence)  spool: \(f.spoolBytes) bytes  dropped: \(f.dropped)")
        } else {
            print("forwarder: none configured")
        }
        if let c = r.caster {
            let clients = c.clients.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            print("caster: \(c.listen)  clients: \(clients.isEmpty ? "no mountpoint" : clients)")
        }
        print()
        Table.stations(r.stations ?? [])
    }
}

struct Stations: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every station with its latest solution.")
    @OptionGroup var options: ControlOptions

    func run() throws {
        let r = try options.ask(.init(command: "stations"))
        guard !options.json else { return }
        let stations = r.stations ?? []
        Table.stations(stations)
        Table.quality(stations)
    }
}

struct Sources: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Where the stations' streams come from (UDP addresses, TCP servers, NTRIP mountpoints) and what arrived from each, the casters their corrections are pushed to, and what each corrections stream corrects.")
    @OptionGroup var options: ControlOptions

    func run() throws {
        let r = try options.ask(.init(command: "sources"))
        guard !options.json else { return }
        let sources = r.sources ?? []
        Table.print([["SOURCE", "STATIONS", "CONNECTED", "RECONNECTS", "DATAGRAMS", "BYTES", "LAST DATA"]] + sources.map {
            [$0.url ?? $0.listen, $0.stations.joined(separator: ","), $0.connected.map { $0 ? "yes" : "no" } ?? "-",
             $0.reconnects.map(String.init) ?? "-", String($0.datagrams), String($0.bytes),
             $0.lastDataAgeSeconds.map { String(format: "%.1f s ago", $0) } ?? "-"]
        })
        for s in sources where s.connected == false {
            if let problem = s.problem { print("\(s.url ?? s.listen): \(problem)") }
        }
        if let pushes = r.pushes, !pushes.isEmpty {
            print("")
            let rows: [[String]] = pushes.map { p in
                [p.target, p.station, p.connected ? "yes" : "no", String(p.reconnects), String(p.bytes), String(p.dropped)]
            }
            Table.print([["PUSH", "STATION", "CONNECTED", "RECONNECTS", "BYTES", "DROPPED"]] + rows)
            for p in pushes where !p.connected {
                if let problem = p.problem { print("\(p.target): \(problem)") }
            }
        }
        let corrections = r.corrections ?? []
        guard !corrections.isEmpty else { return }
        print("")
        Table.print([["CORRECTIONS", "MESSAGES", "SYSTEM", "CORRECTED", "STALE", "UNMATCHED", "AGE"]] + corrections.flatMap { c in
            c.systems.map { s in
                [c.stream, String(c.messages), s.system, String(s.corrected), String(s.stale), String(s.unmatched),
                 s.ageSeconds.map { String(format: "%.1f s", $0) } ?? "-"]
            }
        })
    }
}

struct SolutionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "solution", abstract: "The latest solution of one station.")
    @OptionGroup var options: ControlOptions
    @Argument(help: "The station's name.") var name: String

    func run() throws {
        let r = try options.ask(.init(command: "solution", station: name))
        guard !options.json, let s = r.solution else { return }
        print("station:    \(s.name) (\(s.role), \(s.processing))")
        print("time:       \(s.time ?? "-") GPST")
        print("quality:    \(s.quality)  satellites: \(s.satellites)")
        if let e = s.ecef { print(String(format: "ecef:       %.4f %.4f %.4f m", e[0], e[1], e[2])) }
        if let l = s.llh { print(String(format: "llh:        %.9f° %.9f° %.4f m", l[0], l[1], l[2])) }
        if let g = s.sigma { print(String(format: "sigma:      %.3f %.3f %.3f m", g[0], g[1], g[2])) }
        if let n = s.note { print("note:       \(n)") }
        print("epochs:     \(s.epochs)  \(s.solutions.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))")
    }
}

struct Satellites: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The satellites of one station's latest epoch: direction, signals with C/N0, lock time and slips, ephemeris, mask, and how the engine used each (residuals, or why not).")
    @OptionGroup var options: ControlOptions
    @Argument(help: "The station's name.") var name: String

    func run() throws {
        let r = try options.ask(.init(command: "satellites", station: name))
        guard !options.json, let sky = r.sky else { return }
        let from = switch sky.positionSource {
        case "solution": "seen from the latest solution"
        case "configured": "seen from the station's coordinates"
        default: "no position: directions unknown"
        }
        let mask = sky.elevationMask.map { String(format: "mask %.1f°", $0) } ?? "no mask"
        print("station: \(sky.station)  epoch: \(sky.time.map { "\($0) GPST" } ?? "none yet")  satellites: \(sky.satellites.count)  \(from), \(mask)")
        guard !sky.satellites.isEmpty else { return }
        print()
        let header = ["SAT", "ELEV", "AZIM", "EPH", "MASK", "USE", "CODE RES m", "PHASE RES m", "SIGNALS (C/N0 dB-Hz, lock, slips)"]
        Table.print([header] + sky.satellites.map(Self.row))
    }

    /// One satellite's row of the table.
    static func row(_ s: ControlProtocol.SatelliteView) -> [String] {
        func degrees(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "" }
        func metres(_ v: Double?) -> String { v.map { String(format: "%.3f", $0) } ?? "" }
        let mask: String = s.aboveMask.map { $0 ? "above" : "below" } ?? "-"
        let use: String
        if let used = s.used {
            use = used ? "used" : (s.reason ?? "unused")
        } else {
            use = s.excluded ? "excluded" : "-"
        }
        let signals = s.signals.map(Self.signal).joined(separator: ", ")
        return [s.satellite, degrees(s.elevation), degrees(s.azimuth), s.ephemeris ? "yes" : "no", mask, use,
                metres(s.codeResidual), metres(s.phaseResidual), signals]
    }

    /// `1C 45.2 312s`, with the slips when there were any (`1C 38.0 4s 2 slips`).
    static func signal(_ s: ControlProtocol.SignalView) -> String {
        var text = "\(s.signal) \(s.cn0.map { String(format: "%.1f", $0) } ?? "-")"
        if let lock = s.lockTime { text += " " + Table.duration(lock) }
        if let slips = s.slips, slips > 0 { text += slips == 1 ? " 1 slip" : " \(slips) slips" }
        return text
    }
}

enum Table {
    static func stations(_ list: [StationStatus]) {
        Table.print([["STATION", "ROLE", "PROC", "DATAGRAMS", "EPOCHS", "QUALITY", "SATS", "LAT", "LON", "HEIGHT", "ERRORS"]] + list.map { s in
            [s.name, s.role.rawValue, s.processing.rawValue, String(s.datagrams), String(s.epochs), s.quality.rawValue, String(s.satellites),
             s.llh.map { String(format: "%.7f", $0[0]) } ?? "-", s.llh.map { String(format: "%.7f", $0[1]) } ?? "-",
             s.llh.map { String(format: "%.3f", $0[2]) } ?? "-", String(s.decodeErrors)]
        })
    }

    /// The stations' observation quality: completeness and slips over the last hour and since start, latency,
    /// outages, code multipath over the last hour; then C/N0 by elevation, a row per station and system.
    static func quality(_ list: [StationStatus]) {
        func percent(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        func seconds(_ v: Double?) -> String { v.map { String(format: "%.1f s", $0) } ?? "-" }
        Swift.print()
        Table.print([["STATION", "COMPLETE 1H", "COMPLETE", "SLIPS 1H", "SLIPS", "LATENCY", "OUTAGES", "LONGEST", "MULTIPATH 1H (m)"]] + list.map { s in
            let q = s.observationQuality
            let multipath = q.multipath.sorted { $0.key < $1.key }.map { system, signals in
                system + " " + signals.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.map { String(format: "%.2f", $0) } ?? "-")" }
                    .joined(separator: " ")
            }.joined(separator: ", ")
            return [s.name, percent(q.completeness), percent(q.completenessTotal), String(q.cycleSlipsLastHour), String(q.cycleSlips),
                    seconds(q.latency), String(q.outages), seconds(q.outageLongest), multipath.isEmpty ? "-" : multipath]
        })
        let bins = (0..<9).map { "\($0 * 10)-\($0 * 10 + 10)°" }
        let rows = list.flatMap { s in
            s.observationQuality.cn0ByElevation.sorted { $0.key < $1.key }.map { system, means in
                [s.name, system] + bins.indices.map { i in i < means.count ? means[i].map { String(format: "%.1f", $0) } ?? "-" : "-" }
            }
        }
        guard !rows.isEmpty else { return }
        Swift.print()
        Table.print([["C/N0 1H (dB-Hz)", "SYS"] + bins] + rows)
    }

    static func print(_ rows: [[String]]) {
        guard let first = rows.first else { return }
        let widths = first.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            Swift.print(row.enumerated().map { i, cell in cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds)
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
