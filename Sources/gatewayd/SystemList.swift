import ArgumentParser
import GNSSCore

/// The `--systems` option's list of system letters.
enum SystemList {
    /// The systems of a `--systems` list of letters (`G,E`), each among `allowed`.
    static func parse(_ text: String, among allowed: [GNSSSystem], named: String) throws -> Set<GNSSSystem> {
        var out = Set<GNSSSystem>()
        for part in text.split(separator: ",") {
            guard part.count == 1, let letter = part.first, let s = GNSSSystem(letter: letter), allowed.contains(s) else {
                throw ValidationError("unknown system '\(part)' in --systems (use \(named))")
            }
            out.insert(s)
        }
        return out
    }
}
