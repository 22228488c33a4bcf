import Foundation

/// Real receiver data shared beside the project (`../shared/data`); tests that
/// need it are disabled, with the reason printed, when it is absent.
public enum SharedData {
    public static let root: String = {
        // Tests/TestSupport/SharedData.swift → the package root is three levels up.
        let here = URL(fileURLWithPath: #filePath)
        let package = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.deletingLastPathComponent().appendingPathComponent("shared/data").path
    }()

    public static var available: Bool {
        let ok = FileManager.default.fileExists(atPath: root + "/README.md")
        if !ok { reportMissing() }
        return ok
    }

    private static let reportOnce: Void = {
        print("skipping tests that need real receiver data: \(root) is absent")
    }()

    public static func reportMissing() { _ = reportOnce }

    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// Whether a command-line tool is on PATH (for comparisons against independent decoders).
    public static func hasTool(_ name: String) -> Bool {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return paths.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }
}

extension SharedData {
    /// The package's own `fixtures/` folder.
    public static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/" + name).path
    }
}
