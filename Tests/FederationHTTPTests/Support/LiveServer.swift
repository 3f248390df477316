import AddressBook
import Federation
import FederationHTTP
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Settings

/// A real FederationHTTPServer (TLS, address book, watcher) on a loopback port, for the duration of a closure.
enum LiveServer {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A port nothing listens on right now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    static func config(
        port: Int, certificates: [FederationConfig.CertificatePair], caFile: String?, domains: [String], store: String,
        stellarToml: String? = nil
    ) throws -> FederationConfig {
        FederationConfig(
            file: "test.toml", listen: try SocketAddress(ipAddress: "127.0.0.1", port: port), certificates: certificates,
            caFile: caFile, domains: try domains.map { try FederationDomain($0) }, store: store, stellarToml: stellarToml)
    }

    /// Starts the server, waits until it accepts connections, runs `body`, and shuts everything down.
    static func run<Result: Sendable>(
        _ config: FederationConfig, _ body: @Sendable (FederationHTTPServer) async throws -> Result
    ) async throws -> Result {
        let server = try await FederationHTTPServer.make(config: config, logger: logger)
        let group = ServiceGroup(services: server.services, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            do {
                try await waitUntilListening(port: config.listen.port ?? 0)
                let result = try await body(server)
                await group.triggerGracefulShutdown()
                await server.shutdown()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                await server.shutdown()
                throw error
            }
        }
    }

    private static func waitUntilListening(port: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connect(host: "127.0.0.1", port: port).get()
                try await channel.close()
                return
            } catch {
                guard ContinuousClock.now < deadline else { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
