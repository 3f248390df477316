import AddressBook
import Federation
import FednsSupport
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Metrics
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The HTTPS endpoint assembled from its ``FederationSiteOptions`` and an address book the composition root has
/// opened: certificates, the site (discovery files per domain), the routes, and the services that keep them
/// current. Everything that can be wrong with the options is found by ``make(options:addressBook:logger:metricsFactory:onRunning:)``,
/// before any service runs, so `fedns serve` stops with a message naming the file or key instead of starting
/// half-way.
///
/// ```swift
/// let mirror = AddressBookMirror(store: try await AddressBook.open(url: url, logger: logger), logger: logger)
/// try await mirror.refresh()           // the book as it is now, before the first request
/// let https = try await FederationHTTPServer.make(options: site, addressBook: mirror, logger: logger)
/// services += https.services           // the HTTPS server, the address book mirror, the certificate watcher
/// onSIGHUP { await https.reload() }    // certificates, the operator's stellar.toml (old ones kept on error), the book
/// atExit { await https.shutdown(); await mirror.store.close() }   // the event loops; the store is the opener's
/// ```
public struct FederationHTTPServer: Sendable {
    public let services: [any Service]
    private let options: FederationSiteOptions
    private let certificates: CertificateStore
    private let site: SiteState
    private let mirror: AddressBookMirror
    /// What stellar.toml publishes for SEP-10, loaded at start (new key files need a restart).
    private let webAuth: StellarToml.WebAuthKeys?
    private let metrics: FederationMetrics
    private let eventLoopGroup: MultiThreadedEventLoopGroup
    private let boundAddress: ListeningAddress
    private let logger: Logger

    /// The address the server listens on once it runs (the port chosen when `listen` has port 0); nil before.
    public var localAddress: SocketAddress? { boundAddress.value }

    /// How often the certificate files are checked for changes.
    public static let certificatePollInterval = Duration.seconds(2)

    /// `addressBook` is the mirror the endpoint answers from, loaded already (its first refresh done); it runs as
    /// one of ``services``, and its store stays the caller's to close. `onRunning` is called once the listener is
    /// bound (inside the service group), e.g. to drop privileges after the last privileged bind.
    public static func make(
        options: FederationSiteOptions, addressBook: AddressBookMirror, logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory, onRunning: @escaping @Sendable () -> Void = {}
    ) async throws -> FederationHTTPServer {
        // Event loops of its own, as DNS has: a burst of handshakes never delays DNS, AWS or database work.
        let eventLoopGroup = MultiThreadedEventLoopGroup(
            numberOfThreads: options.threads > 0 ? options.threads : System.coreCount)
        do {
            return try await make(
                options: options, mirror: addressBook, logger: logger, metricsFactory: metricsFactory,
                eventLoopGroup: eventLoopGroup, onRunning: onRunning)
        } catch {
            try? await eventLoopGroup.shutdownGracefully()
            throw error
        }
    }

    private static func make(
        options: FederationSiteOptions, mirror: AddressBookMirror, logger: Logger, metricsFactory: any MetricsFactory,
        eventLoopGroup: MultiThreadedEventLoopGroup, onRunning: @escaping @Sendable () -> Void
    ) async throws -> FederationHTTPServer {
        let certificates = try CertificateStore(sources: options.certificates, caFile: options.caFile, logger: logger)
        warnAboutUncoveredHosts(options, certificates: certificates, logger: logger)
        let accounts = try options.auth.map { auth throws(ConfigError) in
            AccountRoutes(
                options: options, auth: auth, keys: try AccountKeys.load(auth, file: options.file), mirror: mirror, logger: logger)
        }
        let loaded = try loadSite(options, webAuth: accounts?.discoveryKeys)
        logWarnings(loaded, options: options, logger: logger)
        let siteState = SiteState(loaded)
        try await ListenProbe.check(options.listen, file: options.file, key: "federation.listen", group: eventLoopGroup)

        let localAddress = ListeningAddress()
        let metrics = FederationMetrics(factory: metricsFactory)
        metrics.recordCertificateDaysLeft(certificates.daysUntilFirstExpiry)
        // Every request is answered by this, on either path (FastPathHandler or HummingbirdRequestAnswerer).
        let site = SiteRequestAnswerer(
            site: siteState, federation: FederationQueryAnswerer(settings: options.federationSettings), directory: mirror,
            accounts: accounts)
        // Replies to repeated lookups, dropped whenever the book is reloaded.
        let lookupCache = LookupReplyCache()
        mirror.observe { _, _ in lookupCache.invalidate() }
        let idleTimeout = TimeAmount.nanoseconds(Int64(options.idleTimeout * 1e9))
        let application = Application(
            responder: HummingbirdRequestAnswerer(site: site, metrics: metrics),
            server: .http1OverTLS(
                configuration: httpConfiguration(), certificates: certificates,
                plaintextHandlers: { [ConnectionTimeoutHandler(timeout: idleTimeout)] },
                http1Handlers: { [FastPathHandler(site: site, cache: lookupCache, metrics: metrics)] }),
            configuration: ApplicationConfiguration(
                address: .hostname(options.listen.ipAddress ?? "127.0.0.1", port: options.listen.port ?? 0),
                availableConnectionsDelegate: MaximumAvailableConnections(options.maxConnections, logger: logger)),
            onServerRunning: { [logger, options, localAddress, store = mirror.store] channel in
                localAddress.set(channel.localAddress)
                logger.info(
                    "HTTPS listening",
                    metadata: [
                        "address": "\(channel.localAddress?.displayText ?? options.listen.displayText)",
                        "domains": "\(options.domains.map(\.description).joined(separator: ","))",
                        "store": "\(store.location)",
                    ])
                // Last: it may drop privileges, and the line above says what was bound as whom.
                onRunning()
            },
            eventLoopGroupProvider: .shared(eventLoopGroup), logger: DeferredMetadataLogHandler.wrapping(logger))

        let watcher = CertificateWatcher(
            store: certificates, interval: certificatePollInterval,
            onReload: { metrics.recordCertificateDaysLeft(certificates.daysUntilFirstExpiry) }, logger: logger)
        if let accounts {
            logger.info(
                "SEP-10 web authentication enabled",
                metadata: [
                    "signing_key": "\(accounts.service.signingKey.accountID)", "network": "\(accounts.service.network)",
                    "self_service": "\(accounts.policy.enabled)",
                ])
        }
        return FederationHTTPServer(
            services: [mirror, watcher, application], options: options, certificates: certificates, site: siteState, mirror: mirror,
            webAuth: accounts?.discoveryKeys, metrics: metrics, eventLoopGroup: eventLoopGroup, boundAddress: localAddress,
            logger: logger)
    }

    /// What the files start-up reads came to: the certificate chains, and what the SEP-1 check of the served
    /// stellar.toml warned about.
    public struct CheckedFiles: Sendable {
        public var certificates: [CertificateBundle]
        public var stellarTomlWarnings: [StellarTomlProblem]
    }

    /// The files start-up reads, checked without binding or opening the address book: every certificate chain
    /// (order, key, expiry, issuer), the SEP-10 key files, and the stellar.toml the site would publish (checked
    /// against SEP-1). `fedns check-config` and `fedns doctor` call this, so they refuse exactly what `fedns serve`
    /// would.
    public static func checkFiles(_ options: FederationSiteOptions) throws -> CheckedFiles {
        let bundles = try CertificateStore.load(options.certificates, caFile: options.caFile)
        let webAuth = try options.auth.map { auth throws(ConfigError) in
            let keys = try AccountKeys.load(auth, file: options.file)
            return StellarToml.WebAuthKeys(signingKey: keys.signingKey.accountID, network: StellarNetwork(passphrase: auth.networkPassphrase))
        }
        return CheckedFiles(certificates: bundles, stellarTomlWarnings: try loadSite(options, webAuth: webAuth).warnings)
    }

    /// The configured hosts (domains and the `public_url` host) that no certificate names.
    public static func uncoveredHosts(_ options: FederationSiteOptions, bundles: [CertificateBundle]) -> [String] {
        let hosts = options.domains.map(\.host) + (options.publicURL.flatMap { HostHeader(urlAuthorityOf: $0.description)?.name }.map { [$0] } ?? [])
        return hosts.filter { host in !bundles.contains { $0.covers(host: host) } }
    }

    /// SIGHUP: re-reads the certificates and the operator's stellar.toml (keeping what is in use when either is
    /// broken, with the problem logged), and checks the address book at once.
    public func reload() async {
        if certificates.reload() == nil {
            metrics.recordCertificateDaysLeft(certificates.daysUntilFirstExpiry)
        }
        do {
            let fresh = try Self.loadSite(options, webAuth: webAuth)
            site.replace(with: fresh)
            logger.info("stellar.toml reloaded", metadata: ["file": "\(options.stellarToml ?? "none")"])
            Self.logWarnings(fresh, options: options, logger: logger)
        } catch {
            logger.error("stellar.toml not reloaded; serving the previous one", metadata: ["error": "\(error)"])
        }
        do {
            try await mirror.refresh()
        } catch {
            logger.error("address book unreadable on reload; serving the last loaded addresses", metadata: ["error": "\(error)"])
        }
    }

    /// Stops the event loops. The address book's store is closed by whoever opened it, after this.
    public func shutdown() async {
        try? await eventLoopGroup.shutdownGracefully()
    }

    // MARK: Parts

    /// A domain no certificate names works for no client; said at start rather than discovered by users. (Not an
    /// error: a certificate being renewed for a new name is a moment an operator may knowingly start in.)
    static func warnAboutUncoveredHosts(_ options: FederationSiteOptions, certificates: CertificateStore, logger: Logger) {
        for host in uncoveredHosts(options, bundles: certificates.bundles) {
            logger.warning(
                "no certificate names this host; TLS clients will refuse it",
                metadata: ["host": "\(host)", "certificates": "\(certificates.bundles.map(\.certificatePath).joined(separator: ","))"])
        }
    }

    /// Request limits: a federation request is one short line; nothing needs large or many headers. No idle timeout
    /// here: Hummingbird's would not see the requests the fast path answers (``ConnectionTimeoutHandler`` keeps it).
    static func httpConfiguration() -> HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            additionalChannelHandlers: [ParserErrorResponseHandler()], idleTimeout: nil,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 64))
    }

    /// The SEP-1 check's warnings about the served stellar.toml (its errors stop start-up and reloads instead).
    static func logWarnings(_ site: FederationSite, options: FederationSiteOptions, logger: Logger) {
        for warning in site.warnings {
            logger.warning("stellar.toml: \(warning)", metadata: ["file": "\(options.stellarToml ?? "generated")"])
        }
    }

    /// The site from the configuration and the operator's stellar.toml, if any; problems name the file.
    static func loadSite(_ options: FederationSiteOptions, webAuth: StellarToml.WebAuthKeys?) throws -> FederationSite {
        var operatorTOML: String?
        if let path = options.stellarToml {
            do {
                operatorTOML = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigError(
                    file: options.file, key: "federation.stellar_toml",
                    message: "cannot read \(path): \((error as NSError).localizedDescription)")
            }
        }
        return try FederationSite(
            domains: options.domains, publicURL: options.publicURL, webAuth: webAuth, operatorTOML: operatorTOML,
            operatorSource: options.stellarToml ?? "stellar.toml", allowedNetworks: options.allowedNetworkPassphrases)
    }
}

/// Where the server listens, known once it runs.
final class ListeningAddress: Sendable {
    private let address = Mutex<SocketAddress?>(nil)

    var value: SocketAddress? { address.withLock { $0 } }

    func set(_ value: SocketAddress?) {
        address.withLock { $0 = value }
    }
}
