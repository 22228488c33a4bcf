import CYaml

/// What a settings file may not be, checked on the parser's events before the file is composed into a tree.
///
/// Composing costs more than reading: every mapping's keys are hashed, whole, to find duplicates, and a key that is
/// itself a collection is hashed again at every level it is nested in; a key that is an alias of a collection built
/// from aliases (a "billion laughs") is hashed as its full expansion. Composing also recurses once per level of
/// nesting (the parser stops at 1000 levels). No settings file needs a key that is not text or more than a few
/// levels, so both are refused first, each at its line, in time proportional to the file.
enum YAMLShape {
    /// Nesting deeper than this many collections is refused (a configuration uses five or six).
    static let maximumDepth = 64

    struct Refusal: Equatable {
        var line: Int
        var message: String
    }

    /// The first thing refused, or nil when the text is acceptable or cannot be parsed (the composer reports
    /// syntax errors, where it meets them, as before).
    static func refusal(_ text: String) -> Refusal? {
        var text = text
        return text.withUTF8 { check($0) }
    }

    private struct Open {
        let isMapping: Bool
        /// For a mapping, whether the next node is a key.
        var expectsKey: Bool
    }

    private static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Refusal? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
        var open: [Open] = []
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let type = event.type
            let line = Int(event.start_mark.line) + 1
            switch type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT, YAML_ALIAS_EVENT, YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                if let last = open.last, last.isMapping {
                    if last.expectsKey && type != YAML_SCALAR_EVENT {
                        let what = type == YAML_ALIAS_EVENT ? "an alias" : type == YAML_SEQUENCE_START_EVENT ? "a list" : "a mapping"
                        return Refusal(line: line, message: "a key must be text, not \(what)")
                    }
                    open[open.count - 1].expectsKey.toggle()
                }
                if type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT {
                    open.append(Open(isMapping: type == YAML_MAPPING_START_EVENT, expectsKey: true))
                    if open.count > maximumDepth {
                        return Refusal(line: line, message: "nested more than \(maximumDepth) levels deep")
                    }
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                if !open.isEmpty { open.removeLast() }
            default:
                break
            }
        }
    }
}
