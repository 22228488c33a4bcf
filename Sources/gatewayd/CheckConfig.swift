import ArgumentParser
import DaemonSupport
import Gateway
import JetStream

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a gateway configuration: every problem and warning with file:line; exit status 1 when there is a problem, 0 with warnings only."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let outcome = ConfigurationLoader.load(path: file)
        for p in (outcome.problems + outcome.warnings).sorted(by: { $0.line < $1.line }) { StandardError.writeLine(p.description) }
        guard let c = outcome.configuration else { throw ExitCode(1) }
        let stations = c.stations.map { "\($0.name) (\($0.role.rawValue), \($0.format.rawValue) \($0.listen.map { "on \($0)" } ?? "from \($0.source)"), \($0.processing.rawValue))" }
        print("\(file): OK, \(c.stations.count) station\(c.stations.count == 1 ? "" : "s"): \(stations.joined(separator: "; "))")
        if let j = c.dpcJetStream {
            print("  records to JetStream stream \(j.stream) (\(j.replicas) replica\(j.replicas == 1 ? "" : "s"), subjects \(j.streamSubjects)) on \(ServerListText.text(j.servers, separator: ", "))")
        } else if let a = c.dpcAddress {
            print("  records to the DPC link at \(a)")
        }
        if let p = c.ssrPublish {
            let to = p.destinations.isEmpty ? "the PPP stations only" : "UDP " + p.destinations.map(\.description).joined(separator: ", ")
            print("  SSR stream \(p.name) made from the products (orbits every \(Int(p.orbitInterval)) s, clocks every \(Int(p.clockInterval)) s) to \(to)")
        }
        if let caster = c.caster {
            let mountpoints = c.stations.filter { $0.role == .reference }.map(\.name)
            print("  NTRIP caster on \(caster.listen): mountpoints \(mountpoints.isEmpty ? "none" : mountpoints.joined(separator: ", ")), "
                  + "\(caster.users.count) user\(caster.users.count == 1 ? "" : "s"), at most \(caster.maxClients) clients")
            if !caster.sources.isEmpty {
                print("  pushed into the caster: \(caster.sources.map(\.mountpoint).joined(separator: ", ")) (disconnected after \(caster.sourceTimeout) s without data)")
            }
        }
        for s in c.stations where !s.push.isEmpty {
            let targets = s.push.map { "\($0) (NTRIP \($0.version == 1 ? "1.0 SOURCE" : "2.0 POST"))" }
            print("  \(s.name) pushed to \(targets.joined(separator: ", "))")
        }
    }
}
