import AWSDiscovery
import DNSServer
import EC2Zone
import FederationHTTP
import FednsSupport
import Foundation
import Inventory
import InventoryLookup
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Settings
import UnixSignals
import ZoneTransfer

/// `fedns serve`: everything the configuration asks for, in one ServiceGroup. SIGTERM and SIGINT shut down
/// gracefully; SIGHUP re-reads the inventory (and the federation endpoint's certificates and stellar.toml).
public struct FednsServer {
    public let config: FednsConfig
    public let logger: Logger
    /// Where metrics are collected; `/metrics` on the control endpoint renders it.
    public let metrics: PrometheusCollectorRegistry

    public init(config: FednsConfig, logger: Logger, metrics: PrometheusCollectorRegistry) {
        self.config = config
        self.logger = logger
        self.metrics = metrics
    }

    /// What the configuration turns into: services for the group, actions for SIGHUP, and clean-up that must run
    /// however the group ends.
    struct Assembly {
        var services: [any Service] = []
        var reloaders: [@Sendable () async -> Void] = []
        var shutdownHooks: [@Sendable () async -> Void] = []
    }

    public func run() async throws {
        MemoryReturn.mapLargeBlocksSeparately()  // before the inventory and the zone are built
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
        // SIGHUP: the configuration first, so what follows (inventory, certificates) uses the new settings.
        let configReloader = ConfigReloader(initial: config, logger: logger)
        assembly.reloaders.append { await configReloader.reload() }
        // The zone publisher observes the store before the first inventory arrives, so the first answer already
        // comes from it.
        let transfer = config.dns.transfer.flatMap { $0.isEnabled ? $0 : nil }
        let transfers = transfer.map { ZoneTransferService(options: $0, logger: logger) }
        let notifier = transfer.flatMap { $0.notify.isEmpty ? nil : NotifySender(targets: $0.notify, keys: $0.keys, logger: logger) }
        if let notifier { assembly.shutdownHooks.append { notifier.shutdown() } }
        // Without a cookie_secret_file each process makes its own secret, once: a reload keeps it, so the cookies
        // clients hold stay valid.
        let processCookieSecret = ServerCookies.Secret.random()
        let zonePublisher = config.dns.enabled
            ? ZonePublisher(
                settings: config.dns.zone, store: store, logger: logger, transfers: transfers, notifier: notifier,
                features: EDNSFeatures(config.dns, processSecret: processCookieSecret))
            : nil
        if let zonePublisher {
            configReloader.onReload { fresh in
                zonePublisher.update(settings: fresh.dns.zone)
                zonePublisher.handler.configure(EDNSFeatures(fresh.dns, processSecret: processCookieSecret))
            }
        }

        // Refreshes (AWS's sockets and XML, or the file; the snapshot; the zone compile) run on one thread of their
        // own at the lowest priority, so they use only CPU time that queries leave. One thread also means one malloc
        // arena for the inventory and the zone: refreshes spread over the shared pool's threads left freed memory
        // stranded in each thread's arena (at 100,000 instances, 24 MB more resident after every other reload).
        let background = await BackgroundThread()
        assembly.shutdownHooks.append { try? await background.shutdown() }
        logger.info("inventory refreshes run on a background thread", metadata: ["priority": "\(background.priority.rawValue)"])
        switch config.discovery.source {
        case .file(let path):
            let inventory = FileInventory(path: path, store: store, logger: logger, executor: background)
            // The first load runs here, at normal priority: nothing is answered before it, so nothing to protect.
            try inventory.load()
            assembly.services.append(inventory)
            assembly.reloaders.append { await inventory.reloadOnExecutor() }
        case .aws(let aws):
            let discovery = try await AWSDiscovery.make(aws, logger: logger, eventLoopGroup: background.group)
            assembly.shutdownHooks.append { await discovery.shutdown() }
            let refresher = InventoryRefresher(
                source: discovery.source, settings: discovery.settings, store: store, logger: logger,
                executor: background)
            // The last good snapshot answers at once; the first refresh runs as soon as the services start.
            await refresher.loadPersisted()
            configReloader.onReload { fresh in
                guard case .aws(let aws) = fresh.discovery.source else { return }
                var settings = aws.refresh
                // An unset region list was resolved once at start; keep that resolution.
                if case .list(let regions) = settings.regions, regions.isEmpty { settings.regions = discovery.settings.regions }
                await refresher.update(settings: settings)
            }
            assembly.services.append(refresher)
            assembly.reloaders.append { await refresher.requestRefresh() }
            // SSH host keys from the instances' consoles, beside the refreshes and at the same low priority.
            assembly.services.append(
                HostKeyCollector(options: aws.hostKeys, source: discovery.source, store: store, logger: logger, executor: background))
        }
        // Services stop in reverse order: this one, just before the inventory's services above, lifts their thread's
        // priority.
        assembly.services.append(BackgroundPriorityAtShutdown(background: background, logger: logger))

        if let zonePublisher {
            // DNS gets event loops of its own, so HTTPS or discovery work never sits in front of a query.
            let dnsLoops = MultiThreadedEventLoopGroup(
                numberOfThreads: config.dns.threads > 0 ? config.dns.threads : System.coreCount)
            assembly.shutdownHooks.append { try? await dnsLoops.shutdownGracefully() }
            let dns = config.dns
            let server = DNSServer(
                settings: DNSServerOptions(
                    listen: dns.listen, tcpIdleTimeout: .nanoseconds(Int64(dns.tcpIdleTimeout * 1e9)),
                    tcpPartialMessageTimeout: .nanoseconds(Int64(dns.tcpPartialMessageTimeout * 1e9)),
                    tcpMaxConnections: dns.tcpMaxConnections, rateLimit: dns.rateLimit, rateLimitSlip: dns.rateLimitSlip),
                handler: zonePublisher.handler, group: dnsLoops, logger: logger,
                queryLogger: dns.queryLog ? logger : nil)
            configReloader.onReload { fresh in
                server.configureRateLimit(responsesPerSecond: fresh.dns.rateLimit, slip: fresh.dns.rateLimitSlip)
            }
            // Bind before anything else runs, so a port in use stops start-up with a clear message.
            try await server.start()
            assembly.services.append(server)
        }

        // Listeners that bind inside the group report here; the last one lets privileges go.
        let bindsInGroup = (config.control.enabled ? 1 : 0) + (config.servedFederation != nil ? 1 : 0)
        let barrier = StartupBarrier(expecting: bindsInGroup) { [config, logger] in
            guard let user = config.process.user else { return }
            // glibc switches every thread of the process along with the calling one.
            do {
                try PrivilegeDrop.drop(to: user, group: config.process.group, logger: logger)
            } catch {
                // Carrying on as root after being told not to would be worse than stopping.
                logger.critical("\(error)")
                exit(EXIT_FAILURE)
            }
        }

        if let federation = config.servedFederation {
            // The address book (its store, and the mirror the endpoint answers from), then the endpoint over it:
            // the store, certificates, stellar.toml and the listen address are all checked here, so a problem with
            // any of them stops start-up with a message naming the file or key. The files are checked before the
            // store is opened, as they were when the endpoint opened its own store, so that a broken certificate
            // is said first and creates no SQLite file. The store closes last, after the endpoint has stopped.
            _ = try FederationHTTPServer.checkFiles(federation.site)
            let addressBook = try await FederationAddressBook.open(federation, logger: logger)
            assembly.shutdownHooks.append { await addressBook.close() }
            let https = try await FederationHTTPServer.make(
                options: federation.site, addressBook: addressBook.mirror, logger: logger, onRunning: barrier.arrive)
            assembly.services += https.services  // the mirror among them
            assembly.reloaders.append { await https.reload() }  // refreshes the mirror too
            assembly.shutdownHooks.append { await https.shutdown() }
        }

        if config.control.enabled {
            let handler = zonePublisher?.handler
            let currentZone: @Sendable () -> CompiledZone? = { handler?.zone }
            let gauges = InventoryGauges(store: store)
            let control = ControlServer(
                config: config.control, store: store, zone: currentZone, zoneOptions: config.dns.zone, registry: metrics,
                beforeScrape: [gauges.update], logger: logger)
            assembly.services.append(control.makeApplication(onRunning: barrier.arrive))
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

extension FednsServer {
    /// The files `serve` reads at start besides the configuration (certificates, SEP-10 keys, stellar.toml), checked
    /// without binding anything: what `fedns check-config` adds to parsing the configuration. Returns the warnings
    /// (the SEP-1 check's) that would not stop `serve`.
    public static func checkFiles(_ config: FednsConfig) throws -> [String] {
        guard let federation = config.servedFederation else { return [] }
        return try FederationHTTPServer.checkFiles(federation.site).stellarTomlWarnings.map {
            "\(federation.site.stellarToml ?? "stellar.toml"): \($0)"
        }
    }
}
