// swift-tools-version:6.0
// The floor of fedns's DNS stack, for bench/dns (`run.sh --floors`): two responders that answer every query with
// one fixed A record and contain no fedns code, so that what the I/O path alone costs is measured in the same run
// as fedns and the reference servers.
// - `nio-dns-floor`: SwiftNIO's DatagramBootstrap with the socket options fedns uses today (one SO_REUSEPORT
//   socket per event loop, recvmmsg vector reads into a fixed buffer, replies flushed once per read burst).
// - `posix-dns-floor`: one thread per SO_REUSEPORT socket running a blocking recvmmsg/sendmmsg loop with a
//   configurable batch size: a prototype of a UDP hot path without NIO.
// A separate package, so the product's build does not carry them.
import PackageDescription

let package = Package(
    name: "dns-floors",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2")
    ],
    targets: [
        // recvmmsg/sendmmsg and struct mmsghdr: Glibc declares them only under _GNU_SOURCE, which Swift's Glibc
        // module does not define (NIO carries the same shim in CNIOLinux, which it does not export).
        .target(name: "CBatchIO"),
        // What both floors share: the fixed answer and the command line.
        .target(name: "DNSFloor"),
        .executableTarget(
            name: "nio-dns-floor",
            dependencies: [
                "DNSFloor", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        .executableTarget(name: "posix-dns-floor", dependencies: ["DNSFloor", "CBatchIO"]),
    ])
