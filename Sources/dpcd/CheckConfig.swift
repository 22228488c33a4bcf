import ArgumentParser
import DPC
import DaemonSupport
import JetStream

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a dpcd configuration: every problem and warning with file:line; exit status 1 when there is a problem, 0 with warnings only."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        let loaded = DPCConfiguration.load(path: file)
        for p in (loaded.problems + loaded.warnings).sorted(by: { $0.line < $1.line }) { StandardError.writeLine(p.description) }
        guard let c = loaded.configuration else { throw ExitCode(1) }
        let link = c.linkEnabled ? "link on \(c.listen)" : "no direct link"
        print("\(file): OK, \(link), store \(c.store), metrics \(c.metrics?.description ?? "off")")
        if let j = c.jetStream {
            print("  records from JetStream stream \(j.stream) (\(j.replicas) replica\(j.replicas == 1 ? "" : "s")) as durable consumer \(j.durable ?? "") on \(ServerListText.text(j.servers, separator: ", "))")
        }
    }
}
