import Federation
import NIOCore

/// What the HTTPS endpoint is told to serve and how: the listen address, the certificates, the domains and their
/// discovery files, the federation settings and the connection limits. A plain value: `Settings` builds it from
/// `[federation]`, and ``FederationHTTPServer`` reads nothing else (the address book comes opened, from the
/// composition root). Paths are absolute by the time they get here.
public struct FederationSiteOptions: Sendable, Hashable {
    /// One certificate chain (PEM, leaf first, then intermediates) and its private key.
    public struct CertificatePair: Sendable, Hashable {
        public var certificate: String
        public var privateKey: String

        public init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }
    }

    public static let defaultIdleTimeout = 10.0
    public static let defaultMaxConnections = 1024

    /// The configuration file, for messages about keys whose values turn out to be unusable at start.
    public var file: String
    public var listen: SocketAddress
    /// The default certificate (for clients without SNI) first, then the others.
    public var certificates: [CertificatePair]
    /// Extra trust roots a served chain may end at (a private CA), besides the system's.
    public var caFile: String?
    public var domains: [FederationDomain]
    /// The base URL the endpoint is reached at from outside; `https://DOMAIN` when absent.
    public var publicURL: HTTPSURL?
    /// The operator's own stellar.toml keys, merged into every generated stellar.toml.
    public var stellarToml: String?
    /// Seconds a connection may sit without completing a request (idle keep-alive, a trickled request head or
    /// body, a stalled TLS handshake) before it is closed.
    public var idleTimeout: Double
    /// Connections open at once; further clients wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// Event-loop threads serving HTTPS; 0 means one per CPU core.
    public var threads: Int
    public var forwardRules: [ForwardRule]

    public init(
        file: String, listen: SocketAddress, certificates: [CertificatePair], caFile: String? = nil,
        domains: [FederationDomain], publicURL: HTTPSURL? = nil, stellarToml: String? = nil,
        idleTimeout: Double = FederationSiteOptions.defaultIdleTimeout,
        maxConnections: Int = FederationSiteOptions.defaultMaxConnections, threads: Int = 0, forwardRules: [ForwardRule] = []
    ) {
        self.file = file
        self.listen = listen
        self.certificates = certificates
        self.caFile = caFile
        self.domains = domains
        self.publicURL = publicURL
        self.stellarToml = stellarToml
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.threads = threads
        self.forwardRules = forwardRules
    }

    /// What the federation core needs: the configured domains and the `type=forward` rules.
    var federationSettings: FederationSettings {
        FederationSettings(domains: Set(domains), forwardRules: forwardRules)
    }
}
