/// Builds ANTEX 1.4 text for tests: labels in columns 61–80, numbers where the format puts them.
public struct ANTEXText {
    public private(set) var lines: [String] = []

    public init() {
        add("     1.4            M", "ANTEX VERSION / SYST")
        add("A", "PCV TYPE / REFANT")
        add("", "END OF HEADER")
    }

    public mutating func add(_ content: String, _ label: String) {
        lines.append(content.padding(toLength: 60, withPad: " ", startingAt: 0) + label)
    }

    /// One antenna. `frequencies`: code (`G01`), offset north/east/up or x/y/z in mm, NOAZI values in mm.
    public mutating func antenna(type: String, serial: String = "", zenith: (Double, Double, Double) = (0, 90, 5),
                                 validFrom: String? = nil, frequencies: [(String, (Double, Double, Double), [Double])]) {
        add("", "START OF ANTENNA")
        add(type.padding(toLength: 20, withPad: " ", startingAt: 0) + serial, "TYPE / SERIAL NO")
        add("     0.0", "DAZI")
        add("  " + [zenith.0, zenith.1, zenith.2].map { f6($0, 1) }.joined(), "ZEN1 / ZEN2 / DZEN")
        add(String(repeating: " ", count: 6 - String(frequencies.count).count) + String(frequencies.count), "# OF FREQUENCIES")
        if let validFrom { add(validFrom, "VALID FROM") }
        for (code, offset, values) in frequencies {
            add("   " + code, "START OF FREQUENCY")
            add([offset.0, offset.1, offset.2].map { f10($0, 2) }.joined(), "NORTH / EAST / UP")
            lines.append("   NOAZI" + values.map { f8($0, 2) }.joined())
            add("   " + code, "END OF FREQUENCY")
        }
        add("", "END OF ANTENNA")
    }

    public var text: String { lines.joined(separator: "\n") + "\n" }

    private func fixed(_ v: Double, _ width: Int, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (abs(v) * scale).rounded()
        let whole = Int(r / scale), frac = Int(r) - whole * Int(scale)
        var s = (v < 0 && r > 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let f = String(frac)
            s += "." + String(repeating: "0", count: decimals - f.count) + f
        }
        return String(repeating: " ", count: max(0, width - s.count)) + s
    }
    private func f6(_ v: Double, _ d: Int) -> String { fixed(v, 6, d) }
    private func f8(_ v: Double, _ d: Int) -> String { fixed(v, 8, d) }
    private func f10(_ v: Double, _ d: Int) -> String { fixed(v, 10, d) }
}
