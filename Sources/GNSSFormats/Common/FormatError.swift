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
    /// What kind of problem it is; its raw value is a metrics label.
    public enum Kind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// Text or fields that do not parse.
        case syntax
        /// Input that ends inside a record or frame.
        case truncated
        /// A value that cannot be written in a message's fields.
        case encode
        /// A file of another format than expected, or of none known.
        case format
        case gzip
        /// Reading the input failed.
        case io
        /// A record of a known format this reader does not take.
        case record
        case unsupported
        /// A time that cannot be, or goes backwards.
        case time
        /// A length field that disagrees with the data.
        case length
        /// A frame whose CRC does not match.
        case crc
        /// A file whose checksum does not match.
        case checksum
        /// A reader's own inconsistency.
        case `internal`

        public var description: String { rawValue }
    }

    public var kind: Kind
    public var message: String
    public var location: InputLocation
    /// File the input came from, when known.
    public var file: String?

    public init(_ kind: Kind, _ message: String, at location: InputLocation = .unknown, file: String? = nil) {
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
