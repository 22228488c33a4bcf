// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "gnss-gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .library(name: "GNSSCore", targets: ["GNSSCore"]),
        .library(name: "GNSSFormats", targets: ["GNSSFormats"]),
        .library(name: "GNSSOrbits", targets: ["GNSSOrbits"]),
        .library(name: "GNSSPositioning", targets: ["GNSSPositioning"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "GNSSCore"),
        .target(name: "GNSSFormats", dependencies: ["GNSSCore", "CZlib"]),
        .target(name: "GNSSOrbits", dependencies: ["GNSSCore"]),
        .target(name: "GNSSPositioning", dependencies: ["GNSSCore", "GNSSOrbits"]),
        .target(name: "Gateway", dependencies: ["GNSSCore", "GNSSFormats", "GNSSOrbits", "GNSSPositioning",
                                               .product(name: "Yams", package: "Yams")]),
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "GNSSCore", "GNSSFormats", "GNSSPositioning", "Gateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["GNSSCore"], path: "Tests/TestSupport"),
        .testTarget(name: "GNSSCoreTests", dependencies: ["GNSSCore"]),
        .testTarget(name: "GNSSFormatsTests", dependencies: ["GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GNSSOrbitsTests", dependencies: ["GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GNSSPositioningTests", dependencies: ["GNSSPositioning", "GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "GNSSPositioning", "GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
