// swift-tools-version:6.2
// fedns: authoritative DNS for EC2 instance names and Stellar federation over HTTPS, in one process.
// Module map and data flow: ../README.md ("Architecture"). Dependencies point one way, downwards.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "fedns",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fedns", targets: ["fedns"]),
        .executable(name: "ec2ssh", targets: ["ec2ssh"]),
        .executable(name: "ec2scp", targets: ["ec2scp"]),
        .executable(name: "ec2sftp", targets: ["ec2sftp"]),
        .executable(name: "ec2host", targets: ["ec2host"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Shared helpers with no domain knowledge (dates, files, the low-priority background thread).
        .target(
            name: "FednsSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),

        // DNS message codec: pure, no sockets, never traps on input.
        .target(
            name: "DNSWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // The instance model, immutable snapshots, and the sources that produce them.
        .target(
            name: "Inventory",
            dependencies: [
                "FednsSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings),

        // A small AWS client of our own (there is no AWS SDK for Swift here): SigV4, the credential chain,
        // the EC2 and STS query APIs, retries. Map of its folders: Sources/AWSClient/README.md.
        .target(
            name: "AWSClient",
            dependencies: [
                "FednsSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // The inventory from EC2: EC2's values mapped to instances, the AWS source of the refresher, set up from
        // its own DiscoveryOptions.
        .target(
            name: "AWSDiscovery",
            dependencies: [
                "AWSClient", "Inventory",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),

        // A cache prefetch hint, which Swift has no intrinsic for (large table loops in EC2Zone).
        .target(name: "CPrefetch"),

        // Names to records and the authoritative protocol policy: pure (query + snapshot -> response).
        .target(
            name: "EC2Zone",
            dependencies: [
                "DNSWire", "Inventory", "FednsSupport", "CPrefetch", .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // Batched datagram I/O below SwiftNIO (Linux): recvmmsg/sendmmsg on SO_REUSEPORT sockets, one thread each.
        .target(name: "CBatchedUDP"),
        .target(
            name: "BatchedUDP",
            dependencies: ["CBatchedUDP", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strictSettings),

        // fedns as a primary for standard secondaries: AXFR, IXFR and its journal, NOTIFY, TSIG, access by address.
        .target(
            name: "ZoneTransfer",
            dependencies: [
                "DNSWire", "EC2Zone", "FednsSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // UDP and TCP transports (and a small client): bytes in, EC2Zone's DNSQueryHandler, bytes out. UDP on
        // BatchedUDP threads (Linux), TCP on SwiftNIO.
        .target(
            name: "DNSServer",
            dependencies: [
                "DNSWire", "EC2Zone", "FednsSupport", "BatchedUDP",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // The HTTPS side: TLS (certificates, SNI, reload, strict policy), the routes that frame the Federation
        // core, and the server assembled from [federation]. Map of its folders: Sources/FederationHTTP/README.md.
        .target(
            name: "FederationHTTP",
            dependencies: [
                "Federation", "AddressBook", "FednsSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // The inventory document (control endpoint, `fedns instances --json`) and where commands find it.
        .target(
            name: "InventoryLookup",
            dependencies: [
                "Inventory", "EC2Zone", "FednsSupport", "AWSDiscovery",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),

        // The companion commands' core: OpenSSH argument grammar, destination rewriting, name resolution.
        .target(name: "Companion", dependencies: ["Inventory", "EC2Zone"], swiftSettings: strictSettings),

        // The companion commands' command line: options, config, inventory lookup, --start, exec, titles, completion.
        .target(
            name: "CompanionCLI",
            dependencies: [
                "Companion", "Settings", "InventoryLookup", "AWSClient", "AWSDiscovery", "Inventory", "EC2Zone", "DNSWire",
                "FednsSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .executableTarget(name: "ec2ssh", dependencies: ["CompanionCLI"], swiftSettings: strictSettings),
        .executableTarget(name: "ec2scp", dependencies: ["CompanionCLI"], swiftSettings: strictSettings),
        .executableTarget(name: "ec2sftp", dependencies: ["CompanionCLI"], swiftSettings: strictSettings),
        .executableTarget(name: "ec2host", dependencies: ["CompanionCLI"], swiftSettings: strictSettings),

        // The configuration file: TOML in, validated, out as each module's own options value. Imported only by the
        // composition roots (ServerAssembly, the fedns and companion executables through CompanionCLI).
        .target(
            name: "Settings",
            dependencies: [
                "DNSWire", "EC2Zone", "Companion", "Federation", "FederationHTTP", "FednsSupport", "Inventory",
                "AWSDiscovery", "InventoryLookup", "ZoneTransfer",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ],
            swiftSettings: strictSettings),

        // Stellar federation (SEP-2 and the 2014 protocol), StrKey, memos, stellar.toml / stellar.txt: pure values,
        // no HTTP and no database (request value in, response value out).
        .target(
            name: "Federation",
            dependencies: [
                "FednsSupport", .product(name: "TOMLKit", package: "TOMLKit"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // The address book behind federation: one store protocol, SQLite and PostgreSQL behind one code path,
        // migrations, CSV/JSON import, the in-memory mirror the server answers from (with its metrics), and the
        // proved copy of a whole book from one store to another (`fedns federation migrate`).
        .target(
            name: "AddressBook",
            dependencies: [
                "Federation",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings),

        // The server's assembly and its operator surface: the one composition root of `fedns serve` (stores,
        // mirrors, refresher, listeners opened in one place), signals and reload, the control endpoint, metrics,
        // logging, resolver set-up, doctor.
        .target(
            name: "ServerAssembly",
            dependencies: [
                "DNSWire", "EC2Zone", "DNSServer", "Inventory", "Settings", "FednsSupport", "AWSDiscovery", "InventoryLookup",
                "AWSClient", "FederationHTTP", "AddressBook", "ZoneTransfer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings),

        .executableTarget(
            name: "fedns",
            dependencies: [
                "ServerAssembly", "DNSServer", "DNSWire", "Settings", "Companion", "EC2Zone", "FednsSupport", "Inventory",
                "InventoryLookup", "Federation", "AddressBook", "FederationHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),

        // The fuzz targets: one function per surface that reads outside bytes, invariants checked inside
        // (fuzz/README.md). The tests replay every corpus through them; fuzz/run.sh links them to libFuzzer.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "DNSWire", "EC2Zone", "DNSServer", "Inventory", "FederationHTTP", "Federation", "AWSClient", "AWSDiscovery",
                "Settings", "AddressBook", "FednsSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "fuzz/Targets", swiftSettings: strictSettings),
        .testTarget(name: "FuzzReplayTests", dependencies: ["FuzzTargets", "EC2Zone"], swiftSettings: strictSettings),

        // Helpers several test targets share.
        .target(
            name: "TestSupport", dependencies: [.product(name: "Logging", package: "swift-log")], path: "Tests/TestSupport",
            swiftSettings: strictSettings),
        .testTarget(name: "DNSWireTests", dependencies: ["DNSWire", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "EC2ZoneTests", dependencies: ["EC2Zone", "DNSWire", "FednsSupport", "Inventory", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "DNSServerTests",
            dependencies: [
                "DNSServer", "DNSWire", "EC2Zone", "Inventory", "FednsSupport", "TestSupport", "BatchedUDP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "SettingsTests",
            dependencies: [
                "Settings", "DNSWire", "EC2Zone", "Inventory", "InventoryLookup", "AWSDiscovery", "Companion", "Federation",
                "FederationHTTP", "FednsSupport",
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ServerAssemblyTests",
            dependencies: [
                "ServerAssembly", "Settings", "AddressBook", "EC2Zone", "Inventory", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "CompanionTests", dependencies: ["Companion", "Inventory", "EC2Zone", "DNSWire"], swiftSettings: strictSettings),
        .testTarget(
            name: "CompanionCLITests",
            dependencies: ["CompanionCLI", "Companion", "Inventory", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: strictSettings),
        .testTarget(name: "FederationTests", dependencies: ["Federation"], swiftSettings: strictSettings),
        .testTarget(
            name: "AddressBookTests",
            dependencies: [
                "AddressBook", "Federation", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "FederationHTTPTests",
            dependencies: [
                "FederationHTTP", "Federation", "AddressBook", "FednsSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "InventoryTests",
            dependencies: [
                "Inventory", "FednsSupport", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ], swiftSettings: strictSettings),
        .testTarget(name: "FednsSupportTests", dependencies: ["FednsSupport", "TestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "InventoryLookupTests",
            dependencies: [
                "InventoryLookup", "AWSDiscovery", "EC2Zone", "Inventory",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings),
        .testTarget(
            name: "AWSDiscoveryTests",
            dependencies: ["AWSDiscovery", "AWSClient", "Inventory", "FednsSupport", "TestSupport"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "ZoneTransferTests",
            dependencies: [
                "ZoneTransfer", "EC2Zone", "DNSWire", "Inventory", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // Fixtures: TSIG vectors made by dnspython (Fixtures/make_tsig_vectors.py), read by #filePath.
            exclude: ["Fixtures"],
            swiftSettings: strictSettings),
        .testTarget(
            name: "AWSClientTests",
            dependencies: [
                "AWSClient", "FednsSupport", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // Read through #filePath-relative paths (the SigV4 suite, the moto seeding script).
            exclude: ["Fixtures"],
            swiftSettings: strictSettings),
    ]
)

// The libFuzzer driver exists only when fuzz/run.sh builds it (FEDNS_FUZZ=1, with -sanitize=fuzzer): its main
// hands over to libFuzzer's.
if Context.environment["FEDNS_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(name: "fedns-fuzz", dependencies: ["FuzzTargets"], path: "fuzz/Driver", swiftSettings: strictSettings))
    package.products.append(.executable(name: "fedns-fuzz", targets: ["fedns-fuzz"]))
}
