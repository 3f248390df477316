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

    static func config(
        port: Int = 0, certificates: [FederationConfig.CertificatePair], caFile: String?, domains: [String], store: String,
        stellarToml: String? = nil
    ) throws -> FederationConfig {
        FederationConfig(
            file: "test.toml", listen: try SocketAddress(ipAddress: "127.0.0.1", port: port), certificates: certificates,
            caFile: caFile, domains: try domains.map { try FederationDomain($0) }, store: store, stellarToml: stellarToml)
    }

    /// Starts the server, waits until it listens, runs `body` with the port, and shuts everything down. The
    /// configuration's port is replaced by 0: the server picks a free one, so parallel tests never race for one.
    static func run<Value: Sendable>(
        _ config: FederationConfig, _ body: @Sendable (FederationHTTPServer, Int) async throws -> Value
    ) async throws -> Value {
        var config = config
        config.listen = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
        let server = try await FederationHTTPServer.make(config: config, logger: logger)
        let group = ServiceGroup(services: server.services, logger: logger)
        let outcome = await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let outcome: Result<Value, any Error>
            do {
                outcome = .success(try await body(server, try await listeningPort(server)))
            } catch {
                outcome = .failure(error)
            }
            // The services stop before what they use (the event loops, the store) is shut down.
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            return outcome
        }
        await server.shutdown()
        return try outcome.get()
    }

    private static func listeningPort(_ server: FederationHTTPServer) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = server.localAddress?.port { return port }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CancellationError()
    }
}
