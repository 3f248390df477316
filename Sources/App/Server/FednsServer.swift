import AWSDiscovery
import DNSServer
import FederationHTTP
import Inventory
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Settings
import UnixSignals

/// `fedns serve`: everything the configuration asks for, in one ServiceGroup. SIGTERM and SIGINT shut down
/// gracefully; SIGHUP re-reads the inventory (and the federation endpoint's certificates and stellar.toml).
public struct FednsServer {
    public let config: FednsConfig
    public let logger: Logger

    public init(config: FednsConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// What the configuration turns into: services for the group, actions for SIGHUP, and clean-up that must run
    /// however the group ends.
    struct Assembly {
        var services: [any Service] = []
        var reloaders: [@Sendable () async -> Void] = []
        var shutdownHooks: [@Sendable () async -> Void] = []
    }

    public func run() async throws {
        var assembly = Assembly()
        do {
            try await assemble(into: &assembly)
            assembly.services.append(SignalReloader(signal: .sighup, logger: logger, actions: assembly.reloaders))
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: assembly.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                    gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            for hook in assembly.shutdownHooks.reversed() { await hook() }
            throw error
        }
        for hook in assembly.shutdownHooks.reversed() { await hook() }
        logger.info("stopped")
    }

    private func assemble(into assembly: inout Assembly) async throws {
        let store = SnapshotStore()
        // The zone publisher observes the store before the first inventory arrives, so the first answer already
        // comes from it.
        let zonePublisher = config.dns.enabled
            ? ZonePublisher(settings: config.dns.zone, store: store, logger: logger) : nil

        switch config.discovery.source {
        case .file(let path):
            let inventory = FileInventory(path: path, store: store, logger: logger)
            try inventory.load()
            assembly.services.append(inventory)
            assembly.reloaders.append { inventory.reload() }
        case .aws(let aws):
            let discovery = try await AWSDiscovery.make(aws, logger: logger)
            assembly.shutdownHooks.append { await discovery.shutdown() }
            let refresher = InventoryRefresher(
                source: discovery.source, settings: discovery.settings, store: store, logger: logger)
            // The last good snapshot answers at once; the first refresh runs as soon as the services start.
            await refresher.loadPersisted()
            assembly.services.append(refresher)
            assembly.reloaders.append { await refresher.requestRefresh() }
        }

        if let zonePublisher {
            // DNS gets event loops of its own, so HTTPS or discovery work never sits in front of a query.
            let dnsLoops = MultiThreadedEventLoopGroup(
                numberOfThreads: config.dns.threads > 0 ? config.dns.threads : System.coreCount)
            assembly.shutdownHooks.append { try? await dnsLoops.shutdownGracefully() }
            let dns = config.dns
            let server = DNSServer(
                settings: DNSServerSettings(
                    listen: dns.listen, tcpIdleTimeout: .nanoseconds(Int64(dns.tcpIdleTimeout * 1e9)),
                    tcpPartialMessageTimeout: .nanoseconds(Int64(dns.tcpPartialMessageTimeout * 1e9)),
                    tcpMaxConnections: dns.tcpMaxConnections),
                handler: zonePublisher.handler, group: dnsLoops, logger: logger,
                queryLogger: dns.queryLog ? logger : nil)
            // Bind before anything else runs, so a port in use stops start-up with a clear message.
            try await server.start()
            assembly.services.append(server)
        }

        if let federation = config.federation, federation.enabled {
            // Certificates, stellar.toml, the address book and the listen address are all checked here, so a
            // problem with any of them stops start-up with a message naming the file or key.
            let https = try await FederationHTTPServer.make(config: federation, logger: logger)
            assembly.services += https.services
            assembly.reloaders.append { await https.reload() }
            assembly.shutdownHooks.append { await https.shutdown() }
        }
    }
}

/// Runs reload actions whenever a signal arrives, until shutdown.
struct SignalReloader: Service {
    let signal: UnixSignal
    let logger: Logger
    let actions: [@Sendable () async -> Void]

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: signal)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("reloading", metadata: ["signal": "\(signal)"])
            for action in actions { await action() }
        }
    }
}
