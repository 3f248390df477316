import DNSServer
import Inventory
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Settings
import UnixSignals

/// `fedns serve`: everything the configuration asks for, in one ServiceGroup. SIGTERM and SIGINT shut down
/// gracefully; SIGHUP re-reads the inventory.
public struct FednsServer {
    public let config: FednsConfig
    public let logger: Logger

    public init(config: FednsConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    public func run() async throws {
        // DNS gets event loops of its own, so HTTPS or discovery work never sits in front of a query.
        let dnsLoops = MultiThreadedEventLoopGroup(
            numberOfThreads: config.dns.threads > 0 ? config.dns.threads : System.coreCount)
        do {
            try await run(dnsLoops: dnsLoops)
        } catch {
            try? await dnsLoops.shutdownGracefully()
            throw error
        }
        try? await dnsLoops.shutdownGracefully()
    }

    private func run(dnsLoops: MultiThreadedEventLoopGroup) async throws {
        let store = SnapshotStore()
        var services: [any Service] = []
        var reloaders: [@Sendable () -> Void] = []

        // The zone publisher observes the store before the first inventory arrives, so the first answer already
        // comes from it.
        let zonePublisher = config.dns.enabled
            ? ZonePublisher(settings: config.dns.zone, store: store, logger: logger) : nil

        switch config.discovery.source {
        case .file(let path):
            let inventory = FileInventory(path: path, store: store, logger: logger)
            try inventory.load()
            services.append(inventory)
            reloaders.append { inventory.reload() }
        }

        if let zonePublisher {
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
            services.append(server)
        }

        services.append(SignalReloader(signal: .sighup, logger: logger, actions: reloaders))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }
}

/// Runs reload actions whenever a signal arrives, until shutdown.
struct SignalReloader: Service {
    let signal: UnixSignal
    let logger: Logger
    let actions: [@Sendable () -> Void]

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: signal)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.info("reloading", metadata: ["signal": "\(signal)"])
            for action in actions { action() }
        }
    }
}
