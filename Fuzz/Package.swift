// swift-tools-version:5.4
import PackageDescription

// Coverage-guided fuzzing (libFuzzer) of every decoder an outsider can reach, kept apart like Benchmarks/.
// Each target is one harness: it defines LLVMFuzzerTestOneInput and no main (libFuzzer brings its own).
// Build and run one with ./run.sh HARNESS [SECONDS]; see ../README.md, "Fuzzing".
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point to
// `<module>_main` and links `main` to it, which leaves a harness without an entry point of its own
// undefined instead of letting libFuzzer's `main` in. Swift 6 mode is asked for with -swift-version.
var formats: Target.Dependency { .product(name: "GNSSFormats", package: "gnss-gateway") }
var core: Target.Dependency { .product(name: "GNSSCore", package: "gnss-gateway") }

func harness(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, swiftSettings: [.unsafeFlags(["-parse-as-library", "-swift-version", "6"])])
}

let package = Package(
    name: "gateway-fuzz",
    dependencies: [
        .package(name: "gnss-gateway", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
    ],
    targets: [
        harness("fuzz-rtcm3", [formats]),
        harness("fuzz-ubx", [formats, core]),
        harness("fuzz-rinex-obs", [formats]),
        harness("fuzz-rinex-nav", [formats]),
        harness("fuzz-control", [.product(name: "GatewayControl", package: "gnss-gateway")]),
        harness("fuzz-link", [.product(name: "DPCLink", package: "gnss-gateway"),
                              .product(name: "NIOCore", package: "swift-nio"),
                              .product(name: "NIOEmbedded", package: "swift-nio")]),
        harness("fuzz-config", [.product(name: "Gateway", package: "gnss-gateway")]),
        harness("fuzz-ntrip", [.product(name: "Gateway", package: "gnss-gateway")]),
    ]
)
