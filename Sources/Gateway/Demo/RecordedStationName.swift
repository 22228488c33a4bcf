import Foundation

/// The station name `gatewayd demo` gives a recorded capture: the file's name without its extensions when
/// that is a valid station name (`GMSD7_20121014.rtcm3` is `GMSD7_20121014`), otherwise `RTCM-` and the
/// station id its messages carry (`RTCM-0`), otherwise `STREAM-` and its position among the files. A name
/// already taken gets `-2`, `-3`… appended.
enum RecordedStationName {
    static func names(paths: [String], stationIDs: [Int?]) -> [String] {
        var taken: Set<String> = []
        var out: [String] = []
        for (i, path) in paths.enumerated() {
            let base = URL(fileURLWithPath: path).lastPathComponent.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            var name: String
            if isValid(base) {
                name = base
            } else if i < stationIDs.count, let id = stationIDs[i] {
                name = "RTCM-\(id)"
            } else {
                name = "STREAM-\(i + 1)"
            }
            let stem = name
            var n = 2
            while taken.contains(name) {
                name = "\(stem.prefix(29))-\(n)"
                n += 1
            }
            taken.insert(name)
            out.append(name)
        }
        return out
    }

    /// What a configuration accepts as a station name: 1 to 32 letters, digits, '-' or '_'.
    static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 32 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
