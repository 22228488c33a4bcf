/// The keys that appear more than once in one object of a JSON text, with the path of the object
/// (`$`, `$.cells[3]`). A reader such as Python's `json` or `JSONSerialization` keeps one of them and
/// silently loses the others, so this reads the text itself. Expects well-formed JSON.
enum JSONDuplicateKeys {
    static func find(in text: String) -> [String] {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.value(path: "$")
        return scanner.duplicates
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        var duplicates: [String] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
        }

        mutating func value(path: String) {
            skipSpace()
            guard i < bytes.count else { return }
            switch bytes[i] {
            case UInt8(ascii: "{"): object(path: path)
            case UInt8(ascii: "["): array(path: path)
            case UInt8(ascii: "\""): _ = string()
            default:
                while i < bytes.count, !",]} \t\r\n".utf8.contains(bytes[i]) { i += 1 }
            }
        }

        mutating func object(path: String) {
            i += 1
            var keys: Set<String> = []
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] != UInt8(ascii: "}") else { i += 1; return }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                let key = string()
                if !keys.insert(key).inserted { duplicates.append("\(path).\(key)") }
                skipSpace()
                i += 1  // the colon
                value(path: "\(path).\(key)")
            }
        }

        mutating func array(path: String) {
            i += 1
            var index = 0
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] != UInt8(ascii: "]") else { i += 1; return }
                if bytes[i] == UInt8(ascii: ",") { i += 1; index += 1; continue }
                value(path: "\(path)[\(index)]")
            }
        }

        /// A string's raw text between its quotes (escapes left as written: only equality matters here).
        mutating func string() -> String {
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") { i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1 }
            defer { i += 1 }
            return String(decoding: bytes[start..<min(i, bytes.count)], as: UTF8.self)
        }
    }
}
