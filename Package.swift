// swift-tools-version: 6.1
import PackageDescription

/// The numerical cores are optimised in debug builds too: the tests that run the filters over hours of simulated
/// network data would otherwise take minutes.
let numericCore: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "gnss-gateway",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .executable(name: "gatewayctl", targets: ["gatewayctl"]),
        .executable(name: "dpcd", targets: ["dpcd"]),
        .executable(name: "gnss-sim", targets: ["gnss-sim"]),
        .library(name: "GNSSCore", targets: ["GNSSCore"]),
        .library(name: "GNSSFormats", targets: ["GNSSFormats"]),
        .library(name: "GNSSOrbits", targets: ["GNSSOrbits"]),
        .library(name: "GNSSPositioning", targets: ["GNSSPositioning"]),
        .library(name: "GNSSProducts", targets: ["GNSSProducts"]),
        .library(name: "GNSSSimulation", targets: ["GNSSSimulation"]),
        .library(name: "GNSSNetwork", targets: ["GNSSNetwork"]),
        .library(name: "GatewayControl", targets: ["GatewayControl"]),
        .library(name: "DPCLink", targets: ["DPCLink"]),
        .library(name: "Gateway", targets: ["Gateway"]),
        .library(name: "DPC", targets: ["DPC"]),
        .library(name: "DaemonSupport", targets: ["DaemonSupport"]),
        .library(name: "JetStream", targets: ["JetStream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CNats", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .target(name: "GNSSCore", swiftSettings: numericCore),
        .target(name: "GNSSFormats", dependencies: ["GNSSCore", "CZlib"]),
        .target(name: "GNSSOrbits", dependencies: ["GNSSCore"], swiftSettings: numericCore),
        .target(name: "GNSSPositioning", dependencies: ["GNSSCore", "GNSSOrbits"], swiftSettings: numericCore),
        .target(name: "GNSSProducts", dependencies: ["GNSSCore", "GNSSFormats", "GNSSOrbits"]),
        .target(name: "GNSSSimulation", dependencies: ["GNSSCore", "GNSSFormats", "GNSSOrbits", "GNSSPositioning", "GNSSNetwork"],
                swiftSettings: numericCore),
        .target(name: "GNSSNetwork", dependencies: ["GNSSCore", "GNSSFormats", "GNSSOrbits", "GNSSPositioning", "GNSSProducts"],
                swiftSettings: numericCore),
        .target(name: "DaemonSupport", dependencies: [
            "CSystemd",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "DPCLink", dependencies: [
            "DaemonSupport", "GNSSCore", "GNSSFormats",
            .product(name: "Yams", package: "Yams"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "JetStream", dependencies: [
            "CNats", "DaemonSupport",
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "DPC", dependencies: [
            "DPCLink", "DaemonSupport", "JetStream", "GNSSCore", "GNSSFormats", "GNSSNetwork",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "GatewayControl"),
        .target(name: "Gateway", dependencies: [
            "GatewayControl", "GNSSCore", "GNSSFormats", "GNSSOrbits", "GNSSPositioning", "GNSSProducts", "DaemonSupport", "DPCLink", "JetStream",
            .product(name: "Yams", package: "Yams"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "GNSSCore", "GNSSFormats", "GNSSOrbits", "GNSSPositioning", "GNSSProducts", "Gateway", "DaemonSupport", "DPC", "DPCLink", "JetStream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "gatewayctl",
            dependencies: ["GatewayControl", "DaemonSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "dpcd",
            dependencies: [
                "DPC", "DPCLink", "DaemonSupport", "GNSSCore", "GNSSNetwork", "JetStream",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "gnss-sim",
            dependencies: ["GNSSSimulation", "GNSSNetwork", "GNSSCore", "GNSSOrbits", "GNSSFormats", "GNSSPositioning", "GNSSProducts", "DaemonSupport",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(name: "TestSupport", dependencies: ["GNSSCore"], path: "Tests/TestSupport"),
        .testTarget(name: "GNSSCoreTests", dependencies: ["GNSSCore"]),
        .testTarget(name: "GNSSFormatsTests", dependencies: ["GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GNSSOrbitsTests", dependencies: ["GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GNSSPositioningTests", dependencies: ["GNSSPositioning", "GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GNSSProductsTests", dependencies: ["GNSSProducts", "GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "DaemonSupport", "DPCLink", "JetStream", .product(name: "Logging", package: "swift-log"), "GNSSPositioning", "GNSSProducts", "GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "GNSSSimulationTests",
                    dependencies: ["GNSSSimulation", "GNSSPositioning", "GNSSProducts", "GNSSOrbits", "GNSSFormats", "GNSSCore", "Gateway", "TestSupport"]),
        .testTarget(name: "GNSSNetworkTests",
                    dependencies: ["GNSSNetwork", "GNSSSimulation", "GNSSPositioning", "GNSSProducts", "GNSSOrbits", "GNSSFormats", "GNSSCore", "TestSupport"]),
        .testTarget(name: "DaemonSupportTests", dependencies: ["DaemonSupport", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "DPCTests", dependencies: ["DPC", "DPCLink", "DaemonSupport", "JetStream", "GNSSFormats", "GNSSCore", "TestSupport",
                                                     .product(name: "NIOCore", package: "swift-nio"),
                                                     .product(name: "NIOPosix", package: "swift-nio"),
                                                     .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "GatewayIntegrationTests",
                    dependencies: ["Gateway", "GatewayControl", "DPC", "DaemonSupport", "JetStream", "GNSSProducts", "GNSSOrbits", "GNSSFormats", "GNSSCore",
                                   "TestSupport", "gatewayd", "gatewayctl", "dpcd", "gnss-sim",
                                   .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)
