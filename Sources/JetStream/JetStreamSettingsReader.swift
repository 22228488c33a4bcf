import DaemonSupport
import Yams

extension SettingsChecker {
    /// Reads the JetStream settings of a mapping (`servers`, `stream`, `replicas`, `subject_prefix`, `max_bytes`,
    /// `corrections_subject`, and `durable` where `durable` is allowed), reporting every problem at its line; `context` names the mapping
    /// in messages (`dpc`, `jetstream`). Keys the caller reads itself go in `otherKeys`.
    public mutating func jetStream(_ mapping: Node.Mapping, at node: Node, context: String, durable durableAllowed: Bool,
                                   otherKeys: Set<String> = []) -> JetStreamSettings? {
        var keys: Set<String> = ["servers", "stream", "replicas", "subject_prefix", "max_bytes", "corrections_subject"]
        if durableAllowed { keys.insert("durable") }
        let e = entries(mapping, allowed: keys.union(otherKeys), context: context)
        let before = problems.count
        var servers: [String] = []
        switch e["servers"]?.value {
        case nil:
            problem(node, "\(context): servers is missing: give the NATS servers, e.g. [nats://127.0.0.1:4222]")
        case .sequence(let list)?:
            if list.isEmpty { problem(e["servers"]?.value, "\(context).servers is empty: give at least one nats://HOST:PORT") }
            for item in list {
                guard let url = string(item, "\(context).servers entry") else { continue }
                if let p = JetStreamSettings.problem(server: url) { problem(item, "\(context).servers: \(p)") } else { servers.append(url) }
            }
        case let v?:
            if let url = string(v, "\(context).servers") {
                if let p = JetStreamSettings.problem(server: url) { problem(v, "\(context).servers: \(p)") } else { servers.append(url) }
            }
        }
        var s = JetStreamSettings(servers: servers)
        if let v = e["stream"]?.value, let name = string(v, "\(context).stream") {
            if let p = JetStreamSettings.problem(name: name, what: "\(context).stream") { problem(v, p) } else { s.stream = name }
        }
        if let v = e["replicas"]?.value {
            if let n = v.int, JetStreamSettings.replicaRange.contains(n) { s.replicas = n } else {
                problem(v, "\(context).replicas must be a count from 1 to 5 (the servers keeping each record)")
            }
        }
        if let v = e["subject_prefix"]?.value, let prefix = string(v, "\(context).subject_prefix") {
            if let p = JetStreamSettings.problem(subjectPrefix: prefix) { problem(v, "\(context): \(p)") } else { s.subjectPrefix = prefix }
        }
        if let v = e["corrections_subject"]?.value, let subject = string(v, "\(context).corrections_subject") {
            if let p = JetStreamSettings.problem(subjectPrefix: subject) {
                problem(v, "\(context): \(p.replacingOccurrences(of: "subject_prefix", with: "corrections_subject"))")
            } else if subject == s.subjectPrefix || subject.hasPrefix(s.subjectPrefix + ".") {
                problem(v, "\(context).corrections_subject '\(subject)' is inside the records' subjects (\(s.streamSubjects)): give another")
            } else {
                s.correctionsSubject = subject
            }
        }
        if let v = e["max_bytes"]?.value {
            if let n = v.int, n >= 1 << 20 { s.maxBytes = Int64(n) } else { problem(v, "\(context).max_bytes must be a byte count of at least 1 MiB") }
        }
        if durableAllowed {
            if let v = e["durable"]?.value {
                if let name = string(v, "\(context).durable") {
                    if let p = JetStreamSettings.problem(name: name, what: "\(context).durable") { problem(v, p) } else { s.durable = name }
                }
            } else {
                problem(node, "\(context): durable is missing: name this DPC's consumer (each DPC its own name, e.g. dpc-1)")
            }
        }
        return problems.count == before ? s : nil
    }
}
