/// What a file holds, recognised from its content (after gzip decompression),
/// never from its name.
public enum FileKind: String, Sendable, CaseIterable {
    case rinexObservation = "rinex-obs"
    case hatanaka = "crx"
    case rinexNavigation = "rinex-nav"
    case rinexClock = "rinex-clk"
    case sp3 = "sp3"
    case rtcm3 = "rtcm3"
    case ubx = "ubx"
    case unknown = "unknown"

    /// Recognises the format from the first bytes of the decoded content.
    public static func detect(_ head: [UInt8]) -> FileKind {
        guard !head.isEmpty else { return .unknown }
        let text = String(decoding: head.prefix(4096), as: UTF8.self)
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if firstLine.count >= 60 {
            let label = firstLine.count > 60 ? String(firstLine.dropFirst(60)).trimmed : ""
            if label.hasPrefix("CRINEX VERS") { return .hatanaka }
            if label.hasPrefix("RINEX VERSION / TYPE") {
                let typeChar = firstLine.count > 20 ? firstLine[firstLine.index(firstLine.startIndex, offsetBy: 20)] : " "
                switch typeChar {
                case "O": return .rinexObservation
                case "N", "G", "H", "B", "L", "J", "I": return .rinexNavigation
                case "C": return .rinexClock
                default: break
                }
                if firstLine.contains("NAV") { return .rinexNavigation }
                if firstLine.contains("OBS") { return .rinexObservation }
                if firstLine.contains("CLOCK") { return .rinexClock }
            }
        }
        if firstLine.hasPrefix("#a") || firstLine.hasPrefix("#c") || firstLine.hasPrefix("#d") || firstLine.hasPrefix("#b") {
            return .sp3
        }
        // Binary streams: look for a valid frame start near the beginning.
        if let i = head.firstIndex(of: 0xB5), i + 1 < head.count, head[i + 1] == 0x62, i < 1024 { return .ubx }
        if head.prefix(4096).contains(0xD3) { return .rtcm3 }
        return .unknown
    }
}
