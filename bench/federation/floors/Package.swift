// swift-tools-version:6.0
// Two reference servers for bench/federation (`run.sh --floors`): what the stack under fedns's HTTPS endpoint costs
// with no fedns code at all. Each answers every request with the same fixed JSON reply and headers over TLS, on one
// event loop: `nio-floor` with SwiftNIO, NIOSSL and NIOHTTP1 only; `hummingbird-floor` with Hummingbird 2 and
// HummingbirdTLS, one route, no middleware. A separate package, so the product's build does not carry them.
import PackageDescription

let package = Package(
    name: "floors",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "nio-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
        .executableTarget(
            name: "hummingbird-floor",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]),
    ])
