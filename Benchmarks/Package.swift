// swift-tools-version: 6.1
import PackageDescription

// Speed measurements, kept apart so the main build stays fast.
// Run: (cd Benchmarks && swift run -c release gateway-bench) and (… gateway-capacity, … gateway-memory, … gateway-soak,
// … transport-bench, … network-bench, … network-day) after
// `swift build -c release` in ..
let package = Package(
    name: "gateway-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "gnss-gateway", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "GNSSFormats", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(
            name: "gateway-bench",
            dependencies: [
                .product(name: "GNSSFormats", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(
            name: "gateway-capacity",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "GNSSFormats", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(name: "gateway-memory"),
        .executableTarget(
            name: "gateway-soak",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "GNSSFormats", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(
            name: "network-bench",
            dependencies: [
                .product(name: "GNSSNetwork", package: "gnss-gateway"),
                .product(name: "GNSSSimulation", package: "gnss-gateway"),
                .product(name: "GNSSProducts", package: "gnss-gateway"),
                .product(name: "GNSSOrbits", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(
            name: "network-day",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "GNSSNetwork", package: "gnss-gateway"),
                .product(name: "GNSSSimulation", package: "gnss-gateway"),
                .product(name: "GNSSProducts", package: "gnss-gateway"),
                .product(name: "GNSSOrbits", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(
            name: "transport-bench",
            dependencies: [
                .product(name: "Gateway", package: "gnss-gateway"),
                .product(name: "DPC", package: "gnss-gateway"),
                .product(name: "DPCLink", package: "gnss-gateway"),
                .product(name: "JetStream", package: "gnss-gateway"),
                .product(name: "DaemonSupport", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
