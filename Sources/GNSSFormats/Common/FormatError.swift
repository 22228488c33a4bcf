/// Where in an input a problem was found.
public enum InputLocation: Sendable, Hashable, CustomStringConvertible {
    case byteOffset(Int)
    case line(Int)
    case unknown

    public var description: String {
        switch self {
        case .byteOffset(let o): "byte \(o)"
        case .line(let l): "line \(l)"
        case .unknown: "?"
        }
    }
}

/// A decoding error: what went wrong, and where. Every reader in this module
/// reports bad input with one of these and carries on where it can.
public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Short machine-friendly kind, used as a metrics label (`crc`, `truncated`, `syntax`, …).
    public var kind: String
    public var message: String
    public var location: InputLocation
    /// File the input came from, when known.
    public var file: String?

    public init(_ kind: String, _ message: String, at location: InputLocation = .unknown, file: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.file = file
    }

    public func inFile(_ path: String) -> FormatError {
        var e = self
        e.file = path
        return e
    }

    public var description: String {
        switch (file, location) {
        case (let f?, .line(let l)): "\(f):\(l): \(message)"
        case (let f?, .byteOffset(let o)): "\(f): byte \(o): \(message)"
        case (let f?, .unknown): "\(f): \(message)"
        case (nil, .unknown): message
        case (nil, let loc): "\(loc): \(message)"
        }
    }
}
