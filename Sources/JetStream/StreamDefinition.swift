import CNats

/// The stream the records travel on, as the daemons need it: its name, the subjects it takes, how many
/// servers keep a copy, how long the server remembers message ids to drop a resend, and how much it holds.
public struct StreamDefinition: Sendable, Hashable {
    public var name: String
    public var subjects: [String]
    public var replicas: Int
    public var duplicateWindow: Duration
    public var maxBytes: Int64

    public init(name: String, subjects: [String], replicas: Int, duplicateWindow: Duration = .seconds(120), maxBytes: Int64) {
        self.name = name
        self.subjects = subjects
        self.replicas = replicas
        self.duplicateWindow = duplicateWindow
        self.maxBytes = maxBytes
    }

    /// What `ensure` found.
    public enum Outcome: Sendable, Equatable { case created, existing }
}

extension JetStreamConnection {
    /// Creates the stream when the cluster has none of that name; when it has one, checks that it takes the
    /// definition's subjects with as many replicas, and throws a `StreamMismatch` naming the difference if not.
    public func ensure(_ stream: StreamDefinition) async throws -> StreamDefinition.Outcome {
        let existing: (subjects: [String], replicas: Int)? = try await calls.run { () throws -> ([String], Int)? in
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var code = jsErrCode(0)
            let status = js_GetStreamInfo(&info, self.context, stream.name, nil, &code)
            defer { if let info { jsStreamInfo_Destroy(info) } }
            do {
                try JetStreamError.check(status, code: code, "looking up stream \(stream.name)")
            } catch let error as JetStreamError where error.notFound {
                return nil
            }
            guard let config = info?.pointee.Config?.pointee else { return ([], 0) }
            var subjects: [String] = []
            for i in 0..<Int(config.SubjectsLen) {
                if let s = config.Subjects?[i] { subjects.append(String(cString: s)) }
            }
            return (subjects, Int(config.Replicas))
        }
        if let existing {
            let missing = stream.subjects.filter { !existing.subjects.contains($0) }
            guard missing.isEmpty, existing.replicas == stream.replicas else {
                throw StreamMismatch(stream: stream.name, wanted: stream, subjects: existing.subjects, replicas: existing.replicas)
            }
            return .existing
        }
        try await calls.run { () throws in
            var config = jsStreamConfig()
            jsStreamConfig_Init(&config)
            let subjects = CStringList(stream.subjects)
            try stream.name.withCString { (name) throws in
                try subjects.withArray { (array) throws in
                    config.Name = name
                    config.Subjects = array
                    config.SubjectsLen = subjects.count
                    config.Storage = js_FileStorage
                    config.Retention = js_LimitsPolicy
                    config.Discard = js_DiscardOld
                    config.Replicas = Int64(stream.replicas)
                    config.MaxBytes = stream.maxBytes
                    config.Duplicates = stream.duplicateWindow.milliseconds * 1_000_000
                    var info: UnsafeMutablePointer<jsStreamInfo>?
                    var code = jsErrCode(0)
                    let status = js_AddStream(&info, self.context, &config, nil, &code)
                    if let info { jsStreamInfo_Destroy(info) }
                    try JetStreamError.check(status, code: code, "creating stream \(stream.name) (\(stream.replicas) replicas)")
                }
            }
        }
        return .created
    }
}

/// The cluster has a stream of the configured name set up otherwise: the daemons do not change it.
public struct StreamMismatch: Error, Sendable, CustomStringConvertible {
    public var stream: String
    public var wanted: StreamDefinition
    public var subjects: [String]
    public var replicas: Int

    public var description: String {
        "stream \(stream) exists with other settings: subjects \(subjects.joined(separator: ", ")), \(replicas) replicas; "
            + "the configuration needs subjects \(wanted.subjects.joined(separator: ", ")) and \(wanted.replicas) replicas "
            + "(change the configuration, or the stream with the nats tool)"
    }
}
