/// The version of the project's programs (gatewayd, gatewayctl, dpcd, gnss-sim), kept here and nowhere else,
/// and how the running binary was built.
public enum SoftwareVersion {
    public static let number = "0.4.0"

    /// `debug` or `release`, as the binary was compiled.
    public static let build: String = {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }()

    /// What `--version` prints, e.g. `gatewayd 0.4.0 (release build)`.
    public static func line(_ program: String) -> String {
        "\(program) \(number) (\(build) build)"
    }
}
