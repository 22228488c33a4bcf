// swift-tools-version: 6.1
import PackageDescription

// Speed measurements, kept apart so the main build stays fast.
// Run: (cd Benchmarks && swift run -c release gateway-bench) and (… gateway-capacity, … gateway-memory) after
// `swift build -c release` in ..
let package = Package(
    name: "gateway-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "gnss-gateway", path: "..")],
    targets: [
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
                .product(name: "GNSSFormats", package: "gnss-gateway"),
                .product(name: "GNSSCore", package: "gnss-gateway"),
            ]
        ),
        .executableTarget(name: "gateway-memory"),
    ],
    swiftLanguageModes: [.v6]
)
