import DaemonSupport

/// The file holding the shared key as hex text. Refused when others may read or write it (the key is then no
/// longer shared by the two daemons only) or when it is larger than a key's text can be.
public struct SharedKeyFile: Sendable {
    /// The most a key file may hold: far more than the 64 hex digits of a 32-byte key and a newline.
    public static let maximumBytes = 1024

    public let path: String
    public let text: String
    /// The file's permission bits.
    public let permissions: UInt32

    public init(path: String) throws(SharedKeyFileError) {
        let file: SmallFile
        do {
            file = try SmallFile(path: path, limit: Self.maximumBytes)
        } catch {
            switch error {
            case .unreadable: throw .unreadable("key file \(path): \(error.description)")
            case .tooLarge: throw .refused("key file \(path): \(error.description)")
            }
        }
        var exposure: [String] = []
        if file.permissions & 0o004 != 0 { exposure.append("read") }
        if file.permissions & 0o002 != 0 { exposure.append("write") }
        if !exposure.isEmpty {
            throw .refused("key file \(path) has mode \(Self.octal(file.permissions)): others can \(exposure.joined(separator: " and ")) it; "
                           + "allow only its owner and the daemon's group with: chmod 0640 \(path)")
        }
        self.path = path
        text = String(decoding: file.bytes, as: UTF8.self)
        permissions = file.permissions
    }

    /// What an operator should know about a key file that may be used.
    public var doubts: [String] {
        guard permissions & 0o020 != 0 else { return [] }
        return ["key file \(path) has mode \(Self.octal(permissions)): its group can write it, and so replace the key; chmod 0640 \(path)"]
    }

    /// Permission bits as `chmod` takes them (`0640`).
    public static func octal(_ permissions: UInt32) -> String {
        let digits = String(permissions, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}

/// Why a key file was not taken: it cannot be read (as this user), or it is refused whoever reads it.
public enum SharedKeyFileError: Error, Sendable, CustomStringConvertible {
    case unreadable(String)
    case refused(String)

    public var description: String {
        switch self {
        case .unreadable(let message), .refused(let message): message
        }
    }
}
