/// Fixed-column pieces shared by the RINEX writers.
enum RINEXText {
    /// A header line: 60 columns of content, then the label.
    static func line(_ content: String, _ label: String) -> String {
        let body = content.count > 60 ? String(content.prefix(60)) : content.padding(toLength: 60, withPad: " ", startingAt: 0)
        return body + label + "\n"
    }

    static func right(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    static func left(_ s: String, _ width: Int) -> String {
        s.count >= width ? String(s.prefix(width)) : s.padding(toLength: width, withPad: " ", startingAt: 0)
    }

    /// A fixed file date keeps written files reproducible; the data times are in the records.
    static let fileDate = "19800106 000000 UTC"
}
