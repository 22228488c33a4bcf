import Foundation
import Yams

/// One problem in a configuration file, at its line: an error that stops the file being used, or a warning
/// about a setting that works but that an operator would want to know of.
public struct ConfigurationProblem: Error, Sendable, CustomStringConvertible {
    public enum Severity: Sendable { case error, warning }

    public var file: String
    public var line: Int
    public var message: String
    public var severity: Severity

    public init(file: String, line: Int, message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.message = message
        self.severity = severity
    }

    /// `file:line: message`, or `file: message` for the file as a whole (line 0); warnings say so.
    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        switch severity {
        case .error: return "\(place): \(message)"
        case .warning: return "\(place): warning: \(message)"
        }
    }
}

/// Reading a YAML settings file into its top-level mapping, with the line of
/// every problem, for the daemons' configuration loaders.
public enum YAMLSettings {
    /// A parsed file: its top-level mapping and a checker to read it with, or the problems that stopped parsing.
    public struct Document {
        public var top: Node.Mapping?
        public var checker: SettingsChecker?
        public var problems: [ConfigurationProblem]
    }

    /// The largest configuration file read; a larger one is refused before it is read.
    public static let maximumFileBytes = 4 << 20

    public static func load(path: String) -> Document {
        let file: SmallFile
        do {
            file = try SmallFile(path: path, limit: maximumFileBytes)
        } catch {
            return Document(problems: [ConfigurationProblem(file: path, line: 0, message: error.description)])
        }
        var document = parse(String(decoding: file.bytes, as: UTF8.self), file: path)
        document.checker?.filePermissions = file.permissions
        return document
    }

    /// Why the file at `path` cannot be read, in the system's words (`No such file or directory`,
    /// `Permission denied`, `Is a directory`).
    static func unreadableReason(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var byte: UInt8 = 0
        guard read(fd, &byte, 1) >= 0 else { return String(cString: strerror(errno)) }
        return "it changed while being read"
    }

    public static func parse(_ text: String, file: String) -> Document {
        if let refusal = YAMLShape.refusal(text) {
            return Document(problems: [ConfigurationProblem(file: file, line: refusal.line, message: "YAML: \(refusal.message)")])
        }
        let node: Node?
        do {
            // The encoding is given: left to its default, it is looked up in the environment on every call, a
            // fifth of the time a small file takes to read.
            node = try Yams.compose(yaml: text, .default, .default, .utf8)
        } catch let error as YamlError {
            return Document(problems: [ConfigurationProblem(file: file, line: line(of: error), message: "YAML: \(message(of: error))")])
        } catch {
            return Document(problems: [ConfigurationProblem(file: file, line: 0, message: "YAML: \(error)")])
        }
        guard let root = node, case .mapping(let top) = root else {
            return Document(problems: [ConfigurationProblem(file: file, line: node?.mark?.line ?? 1,
                                                            message: "the configuration must be a mapping of settings")])
        }
        return Document(top: top, checker: SettingsChecker(file: file), problems: [])
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 0
        }
    }

    static func message(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: "\(error)"
        }
    }
}

/// Walks a YAML tree, collecting the problems met, each at its line.
public struct SettingsChecker {
    public let file: String
    /// The permission bits of the file read, nil for text given otherwise.
    public var filePermissions: UInt32?
    public var problems: [ConfigurationProblem] = []
    /// Settings that work but deserve the operator's attention; they do not stop the file being used.
    public var warnings: [ConfigurationProblem] = []

    public init(file: String) { self.file = file }

    public mutating func problem(_ node: Node?, _ message: String) {
        problems.append(.init(file: file, line: node?.mark?.line ?? 0, message: message))
    }

    public mutating func warning(_ node: Node?, _ message: String) {
        warnings.append(.init(file: file, line: node?.mark?.line ?? 0, message: message, severity: .warning))
    }

    public mutating func warning(line: Int, _ message: String) {
        warnings.append(.init(file: file, line: line, message: message, severity: .warning))
    }

    public mutating func problem(line: Int, _ message: String) {
        problems.append(.init(file: file, line: line, message: message))
    }

    /// Key/value pairs of a mapping, reporting keys outside `allowed`.
    public mutating func entries(_ mapping: Node.Mapping, allowed: Set<String>, context: String) -> [String: (key: Node, value: Node)] {
        var out: [String: (Node, Node)] = [:]
        for (k, v) in mapping {
            guard let key = k.string else { problem(k, "\(context): keys must be text"); continue }
            if !allowed.contains(key) {
                problem(k, "\(context): unknown setting '\(key)' (expected one of \(allowed.sorted().joined(separator: ", ")))")
            } else if out[key] != nil {
                problem(k, "\(context): '\(key)' is given twice")
            } else {
                out[key] = (k, v)
            }
        }
        return out
    }

    public mutating func string(_ n: Node, _ what: String) -> String? {
        guard case .scalar(let s) = n, !s.string.isEmpty else { problem(n, "\(what) must be text"); return nil }
        return s.string
    }

    public mutating func address(_ n: Node, _ what: String) -> NetworkAddress? {
        guard let s = string(n, what) else { return nil }
        guard let a = NetworkAddress(s) else { problem(n, "\(what) '\(s)' is not host:port with a port 1–65535"); return nil }
        return a
    }

    public mutating func paths(_ n: Node, _ what: String) -> [String] {
        switch n {
        case .scalar: return string(n, what).map { [$0] } ?? []
        case .sequence(let seq): return seq.compactMap { string($0, what) }
        default: problem(n, "\(what) must be a path or a list of paths"); return []
        }
    }
}
