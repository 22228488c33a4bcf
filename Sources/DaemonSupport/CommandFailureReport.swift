import ArgumentParser
import Foundation

/// The programs' entry points: parse the command line, run the command it names, and report a failure the
/// project's one way (`StandardError.error`: `gatewayd: error: …`) instead of swift-argument-parser's
/// `Error: …`. Help, `--version` and exit codes a command throws are left as the parser handles them.
extension ParsableCommand {
    public static func mainReportingFailures(_ arguments: [String]? = nil) async -> Never {
        do {
            var command = try parseAsRoot(arguments)
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            reportFailure(error)
        }
        exit(withError: nil)
    }

    public static func mainReportingFailures(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
        } catch {
            reportFailure(error)
        }
        exit(withError: nil)
    }

    private static func reportFailure(_ error: Error) -> Never {
        let code = exitCode(for: error)
        if error is ExitCode || code == .success { exit(withError: error) }
        var message = fullMessage(for: error)
        if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
        StandardError.error(message)
        Foundation.exit(code.rawValue)
    }
}
