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
    /// SEP-10 web authentication (`/auth`), when configured.
    public var auth: WebAuthOptions?
    /// Self-service records (`/federation/records`); they need ``auth``.
    public var selfService: SelfServicePolicy
    /// Network passphrases a stellar.toml may name besides the public and test networks.
    public var allowedNetworkPassphrases: [String]

    public init(
        file: String, listen: SocketAddress, certificates: [CertificatePair], caFile: String? = nil,
        domains: [FederationDomain], publicURL: HTTPSURL? = nil, stellarToml: String? = nil,
        idleTimeout: Double = FederationSiteOptions.defaultIdleTimeout,
        maxConnections: Int = FederationSiteOptions.defaultMaxConnections, threads: Int = 0, forwardRules: [ForwardRule] = [],
        auth: WebAuthOptions? = nil, selfService: SelfServicePolicy = SelfServicePolicy(), allowedNetworkPassphrases: [String] = []
    ) {
        self.auth = auth
        self.selfService = selfService
        self.allowedNetworkPassphrases = allowedNetworkPassphrases
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

/// `[federation.auth]`: SEP-10 web authentication. The key files are read when the server starts (and by
/// `fedns check-config`), each refused unless only its owner may read it.
public struct WebAuthOptions: Sendable, Hashable {
    public static let defaultChallengeLifetime = 300
    public static let defaultTokenLifetime = 3600
    public static let defaultRequestsPerMinutePerIP = 60
    public static let defaultRequestsPerMinutePerAccount = 20

    /// A file holding the Stellar secret seed (`S…`) that signs challenges; its account is `SIGNING_KEY`.
    public var signingKeyFile: String
    /// The network challenges are signed for (`NETWORK_PASSPHRASE`).
    public var networkPassphrase: String
    /// A file holding the HS256 secret tokens are signed with (at least 32 bytes).
    public var jwtSecretFile: String
    /// Seconds a challenge may be answered in.
    public var challengeLifetime: Int
    /// Seconds a token is valid for.
    public var tokenLifetime: Int
    /// Requests to `/auth` and `/federation/records` per minute from one client address (an IPv6 /64), and for one
    /// account once it has proven itself (`POST /auth` with its signature, requests with its token; challenges that
    /// merely name an account are not counted, or a stranger could lock its owner out).
    public var requestsPerMinutePerIP: Int
    public var requestsPerMinutePerAccount: Int

    public init(
        signingKeyFile: String, networkPassphrase: String, jwtSecretFile: String,
        challengeLifetime: Int = WebAuthOptions.defaultChallengeLifetime, tokenLifetime: Int = WebAuthOptions.defaultTokenLifetime,
        requestsPerMinutePerIP: Int = WebAuthOptions.defaultRequestsPerMinutePerIP,
        requestsPerMinutePerAccount: Int = WebAuthOptions.defaultRequestsPerMinutePerAccount
    ) {
        self.signingKeyFile = signingKeyFile
        self.networkPassphrase = networkPassphrase
        self.jwtSecretFile = jwtSecretFile
        self.challengeLifetime = challengeLifetime
        self.tokenLifetime = tokenLifetime
        self.requestsPerMinutePerIP = requestsPerMinutePerIP
        self.requestsPerMinutePerAccount = requestsPerMinutePerAccount
    }
}
