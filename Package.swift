// swift-tools-version: 6.0
import PackageDescription

// Numeric kernels are compiled with optimisation and AVX2/FMA code generation even in debug
// builds: unoptimised SIMD code is ~50x slower and would make `swift test` crawl. Every x86-64
// server CPU since 2015 (Intel Haswell, AMD Zen) has these instructions.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "haswell"]),
]

let package = Package(
    name: "MedChain",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "medchain", targets: ["medchain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // deps: ledger
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // deps: store
        // deps: privacy
        // deps: network
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // deps: node
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // MARK: Layer 1 — data extraction and storage

        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(name: "Tensor", swiftSettings: kernelSettings),
        .target(name: "DataSets", dependencies: ["CZlib", "Tensor"]),
        // targets: store
        .target(name: "DataCatalog", dependencies: ["DataSets", "ContentStore"]),
        .target(
            name: "ContentStore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),

        // MARK: Layer 2 — data management

        // targets: ledger
        .target(
            name: "Ledger",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // targets: consensus
        .target(
            name: "Consensus",
            dependencies: ["Ledger", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // MARK: Layer 3 — data application

        .target(name: "Learning", dependencies: ["Tensor", "DataSets"], swiftSettings: kernelSettings),
        // targets: privacy
        .systemLibrary(name: "CGMP", path: "Sources/CGMP"),
        .target(name: "Paillier", dependencies: ["CGMP"]),
        .target(name: "Privacy", dependencies: ["Tensor", "DataSets", "Learning"]),
        // targets: network
        .target(
            name: "PeerNetwork",
            dependencies: [
                "Ledger", "Consensus", "ContentStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // targets: federation
        .target(
            name: "Federation",
            dependencies: ["Learning", "DataSets", "DataCatalog", "Tensor", "Ledger", "Consensus", "ContentStore", "Privacy", "Paillier"]
        ),

        // targets: node
        .target(
            name: "NodeDaemon",
            dependencies: [
                "Ledger", "Consensus", "ContentStore", "Federation", "PeerNetwork",
                "DataSets", "DataCatalog", "Learning",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "medchain",
            dependencies: [
                "Tensor", "DataSets", "Learning",
                // cli: ledger
                "Ledger",
                // cli: consensus
                "Consensus",
                // cli: store
                "ContentStore",
                // cli: privacy
                "Paillier", "Privacy",
                // cli: network
                // cli: node
                "NodeDaemon", .product(name: "Logging", package: "swift-log"),
                // cli: federation
                "Federation", "DataCatalog",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: Tests

        .testTarget(name: "TensorTests", dependencies: ["Tensor"], swiftSettings: kernelSettings),
        .testTarget(
            name: "DataSetsTests", dependencies: ["DataSets"],
            resources: [.copy("Inputs")]
        ),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Tensor"]),
        // tests: ledger
        .testTarget(
            name: "LedgerTests", dependencies: ["Ledger", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Inputs")]
        ),
        // tests: consensus
        .testTarget(name: "ConsensusTests", dependencies: ["Consensus", "Ledger"]),
        // tests: store
        .testTarget(
            name: "DataCatalogTests",
            dependencies: ["DataCatalog", "DataSets", "ContentStore", "Tensor", "Ledger", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "ContentStoreTests", dependencies: ["ContentStore"],
            resources: [.copy("Inputs")]
        ),
        // tests: privacy
        .testTarget(name: "PaillierTests", dependencies: ["Paillier"], resources: [.copy("Inputs")]),
        .testTarget(name: "PrivacyTests", dependencies: ["Privacy", "Tensor", "DataSets", "Learning"], resources: [.copy("Inputs")]),
        // tests: network
        .testTarget(
            name: "PeerNetworkTests",
            dependencies: [
                "PeerNetwork", "Consensus", "Ledger", "ContentStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // tests: node
        .testTarget(
            name: "NodeDaemonTests",
            dependencies: ["NodeDaemon", "Consensus", "Ledger", "PeerNetwork", "Federation", "Learning", "DataSets", "DataCatalog", "Tensor",
                           .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Inputs")]
        ),
        // tests: federation
        .testTarget(name: "FederationTests", dependencies: ["Federation"]),
    ],
    swiftLanguageModes: [.v6]
)
