import AddressBook
import Federation
import FederationHTTP
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A real FederationHTTPServer (TLS, address book, watcher) on a loopback port, for the duration of a closure.
enum LiveServer {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The endpoint's options and the address book's store URL, as `[federation]` would give them.
    struct Config: Sendable {
        var site: FederationSiteOptions
        var store: String
    }

    static func config(
        port: Int = 0, certificates: [FederationSiteOptions.CertificatePair], caFile: String?, domains: [String], store: String,
        stellarToml: String? = nil
    ) throws -> Config {
        Config(
            site: FederationSiteOptions(
                file: "test.toml", listen: try SocketAddress(ipAddress: "127.0.0.1", port: port), certificates: certificates,
                caFile: caFile, domains: try domains.map { try FederationDomain($0) }, stellarToml: stellarToml),
            store: store)
    }

    /// The store opened and its mirror loaded, as the server assembly hands them to the endpoint.
    static func openAddressBook(_ store: String) async throws -> AddressBookMirror {
        let mirror = AddressBookMirror(store: try await AddressBook.open(url: store, logger: logger), logger: logger)
        do {
            try await mirror.refresh()
        } catch {
            await mirror.store.close()
            throw error
        }
        return mirror
    }

    /// Starts the server, waits until it listens, runs `body` with the port, and shuts everything down. The
    /// configuration's port is replaced by 0 (unless `keepPort`): the server picks a free one, so parallel tests never
    /// race for one.
    static func run<Value: Sendable>(
        _ config: Config, keepPort: Bool = false, _ body: @Sendable (FederationHTTPServer, Int) async throws -> Value
    ) async throws -> Value {
        var options = config.site
        // `keepPort`: for domains that carry the port (localhost:PORT), which must be the one listened on.
        if !keepPort { options.listen = try SocketAddress(ipAddress: "127.0.0.1", port: 0) }
        let addressBook = try await openAddressBook(config.store)
        let server: FederationHTTPServer
        do {
            server = try await FederationHTTPServer.make(options: options, addressBook: addressBook, logger: logger)
        } catch {
            await addressBook.store.close()
            throw error
        }
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
        await addressBook.store.close()
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
