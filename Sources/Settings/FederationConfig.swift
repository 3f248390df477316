import Federation
import FederationHTTP
import FednsSupport
import NIOCore

/// `[federation]`: the HTTPS endpoint serving stellar.toml, the legacy stellar.txt and federation queries, and the
/// address book behind it. The section is optional: without it there is no HTTPS endpoint (and the
/// `fedns federation` commands say that a store must be configured first).
///
/// The endpoint's own keys become its ``FederationSiteOptions`` (``site``); the address book's store, which the
/// server assembly opens and the `fedns federation` commands use, stays here beside the switch.
///
/// Only the keys are checked here; the files they name (certificates, the operator's stellar.toml, the store) are
/// read and validated when the server starts, with messages that name the file.
public struct FederationConfig: Sendable, Hashable {
    public static let defaultListen = "127.0.0.1:8443"

    public var enabled: Bool
    /// A store URL (`sqlite:/absolute/path` or `postgres://…`), relative SQLite paths already resolved.
    public var store: String
    /// Everything else the section says: what the HTTPS endpoint serves and how.
    public var site: FederationSiteOptions

    public init(enabled: Bool = true, store: String, site: FederationSiteOptions) {
        self.enabled = enabled
        self.store = store
        self.site = site
    }

    static func read(_ reader: inout TableReader, directory: String) throws(ConfigError) -> FederationConfig {
        let enabled = try reader.bool("enabled", default: true)
        let listenText = try reader.string("listen", default: defaultListen)
        guard let listen = SocketAddress(hostPort: listenText) else {
            throw reader.error("listen", "expected an IP address and port such as \"\(defaultListen)\", found \"\(listenText)\"")
        }

        typealias CertificatePair = FederationSiteOptions.CertificatePair
        var certificates: [CertificatePair] = []
        let certificate = try reader.string("certificate").map { resolvePath($0, from: directory) }
        let privateKey = try reader.string("private_key").map { resolvePath($0, from: directory) }
        switch (certificate, privateKey) {
        case (let certificate?, let privateKey?):
            certificates.append(CertificatePair(certificate: certificate, privateKey: privateKey))
        case (nil, _) where enabled:
            throw reader.error("certificate", "required: the PEM file with the certificate chain (leaf first, then intermediates)")
        case (_, nil) where enabled:
            throw reader.error("private_key", "required: the PEM file with the private key of the certificate")
        default:
            break
        }
        for var extra in try reader.tables("extra_certificates") ?? [] {
            let pair = CertificatePair(
                certificate: resolvePath(try extra.requiredString("certificate", "the PEM certificate chain"), from: directory),
                privateKey: resolvePath(try extra.requiredString("private_key", "the PEM private key"), from: directory))
            try extra.rejectUnknownKeys()
            certificates.append(pair)
        }
        let caFile = try reader.string("ca_file").map { resolvePath($0, from: directory) }

        let domainTexts = try reader.stringArray("domains") ?? []
        guard !domainTexts.isEmpty || !enabled else {
            throw reader.error("domains", "expected at least one domain such as [\"example.org\"]: the part after '*' in addresses")
        }
        var domains: [FederationDomain] = []
        for (index, text) in domainTexts.enumerated() {
            let key = "\(reader.key("domains"))[\(index)]"
            do {
                let domain = try FederationDomain(text)
                guard !domains.contains(domain) else {
                    throw ConfigError(file: reader.file, key: key, message: "\"\(text)\" is listed twice")
                }
                domains.append(domain)
            } catch let error as AddressError {
                throw ConfigError(file: reader.file, key: key, message: "\"\(text)\" is not a usable domain: \(error)")
            } catch let error as ConfigError {
                throw error
            } catch {
                throw ConfigError(file: reader.file, key: key, message: "\(error)")
            }
        }

        let publicURL = try reader.string("public_url").map { text throws(ConfigError) -> HTTPSURL in
            do {
                return try HTTPSURL(text)
            } catch {
                throw reader.error("public_url", "\"\(text)\" \(error)")
            }
        }
        let store = try storeURL(try reader.string("store"), reader: reader, directory: directory)
        let stellarToml = try reader.string("stellar_toml").map { resolvePath($0, from: directory) }
        let idleTimeout = try reader.seconds("idle_timeout", in: 0.5...3600, default: FederationSiteOptions.defaultIdleTimeout)
        let maxConnections = try reader.integer("max_connections", in: 1...1_000_000, default: FederationSiteOptions.defaultMaxConnections)
        let threads = try reader.integer("threads", in: 0...256, default: 0)

        var forwardRules: [ForwardRule] = []
        for var rule in try reader.tables("forward") ?? [] {
            forwardRules.append(try readForwardRule(&rule))
        }
        let allowedNetworks = try reader.stringArray("allowed_network_passphrases") ?? []
        var authReader = try reader.subtable("auth")
        let auth = try authReader.isPresent ? readAuth(&authReader, directory: directory, allowedNetworks: allowedNetworks) : nil
        var selfServiceReader = try reader.subtable("self_service")
        let selfService = try readSelfService(&selfServiceReader)
        if selfService.enabled, auth == nil {
            throw selfServiceReader.error("enabled", "self-service addresses need sign-in: add a [federation.auth] section")
        }
        try reader.rejectUnknownKeys()
        return FederationConfig(
            enabled: enabled, store: store,
            site: FederationSiteOptions(
                file: reader.file, listen: listen, certificates: certificates, caFile: caFile, domains: domains,
                publicURL: publicURL, stellarToml: stellarToml, idleTimeout: idleTimeout, maxConnections: maxConnections,
                threads: threads, forwardRules: forwardRules, auth: auth, selfService: selfService,
                allowedNetworkPassphrases: allowedNetworks))
    }

    /// `[federation.auth]`: SEP-10 web authentication.
    ///
    /// ```toml
    /// [federation.auth]
    /// signing_key_file = "sep10.seed"      # the S… seed signing challenges (chmod 600); published as SIGNING_KEY
    /// network_passphrase = "Public Global Stellar Network ; September 2015"
    /// jwt_secret_file = "jwt.secret"       # at least 32 bytes (chmod 600): openssl rand -base64 48 > jwt.secret
    /// challenge_ttl = 300                  # seconds to answer a challenge
    /// token_ttl = 3600                     # seconds a token is valid
    /// requests_per_minute_per_ip = 60      # /auth and /federation/records, per client address (IPv6: per /64)
    /// requests_per_minute_per_account = 20 # POST /auth and token requests; challenges naming an account do not count
    /// ```
    private static func readAuth(_ reader: inout TableReader, directory: String, allowedNetworks: [String]) throws(ConfigError)
        -> WebAuthOptions
    {
        let signingKeyFile = resolvePath(
            try reader.requiredString("signing_key_file", "a file holding the Stellar secret seed (S…) that signs challenges"),
            from: directory)
        let network = try reader.requiredString(
            "network_passphrase", "the network's passphrase, e.g. \"\(StellarToml.publicNetworkPassphrase)\"")
        let known = StellarNetwork.known.map(\.passphrase)
        guard known.contains(network) || allowedNetworks.contains(network) else {
            throw reader.error(
                "network_passphrase",
                "\"\(network)\" is neither the public nor the test network; list it in [federation] allowed_network_passphrases "
                    + "if it is a network of your own")
        }
        let jwtSecretFile = resolvePath(
            try reader.requiredString("jwt_secret_file", "a file holding at least 32 random bytes that sign tokens"), from: directory)
        let options = WebAuthOptions(
            signingKeyFile: signingKeyFile, networkPassphrase: network, jwtSecretFile: jwtSecretFile,
            challengeLifetime: try reader.integer("challenge_ttl", in: 5...3600, default: WebAuthOptions.defaultChallengeLifetime),
            tokenLifetime: try reader.integer("token_ttl", in: 60...604_800, default: WebAuthOptions.defaultTokenLifetime),
            requestsPerMinutePerIP: try reader.integer(
                "requests_per_minute_per_ip", in: 1...100_000, default: WebAuthOptions.defaultRequestsPerMinutePerIP),
            requestsPerMinutePerAccount: try reader.integer(
                "requests_per_minute_per_account", in: 1...100_000, default: WebAuthOptions.defaultRequestsPerMinutePerAccount))
        try reader.rejectUnknownKeys()
        return options
    }

    /// `[federation.self_service]`: what signed-in accounts may claim.
    ///
    /// ```toml
    /// [federation.self_service]
    /// enabled = true                 # default false
    /// max_per_account = 1            # addresses per account and domain
    /// replace_earlier = false        # at the limit: true replaces the account's earliest address, false refuses (403)
    /// reserved = ["admin", "support"]
    /// min_name_length = 3
    /// max_name_length = 32
    /// name_characters = "a-z0-9._-"  # compared in lower case
    /// ```
    private static func readSelfService(_ reader: inout TableReader) throws(ConfigError) -> SelfServicePolicy {
        let defaults = SelfServicePolicy()
        let enabled = try reader.bool("enabled", default: false)
        let maxPerAccount = try reader.integer("max_per_account", in: 1...1000, default: defaults.maxPerAccount)
        let replaceEarlier = try reader.bool("replace_earlier", default: false)
        let reserved = try reader.stringArray("reserved") ?? []
        for (index, name) in reserved.enumerated() {
            do {
                _ = try UserName(name)
            } catch {
                throw ConfigError(file: reader.file, key: "\(reader.key("reserved"))[\(index)]", message: "\"\(name)\": \(error)")
            }
        }
        let minLength = try reader.integer("min_name_length", in: 1...UserName.maximumBytes, default: defaults.nameLengths.lowerBound)
        let maxLength = try reader.integer("max_name_length", in: 1...UserName.maximumBytes, default: defaults.nameLengths.upperBound)
        guard minLength <= maxLength else {
            throw reader.error("max_name_length", "is \(maxLength), below min_name_length (\(minLength))")
        }
        let characterText = try reader.string("name_characters", default: SelfServicePolicy.defaultCharacters)
        let characters: NameCharacters
        do {
            characters = try NameCharacters(characterText)
        } catch {
            throw reader.error("name_characters", "\"\(characterText)\": \(error)")
        }
        try reader.rejectUnknownKeys()
        return SelfServicePolicy(
            enabled: enabled, maxPerAccount: maxPerAccount, reserved: reserved, nameLengths: minLength...maxLength,
            characters: characters, replaceEarlier: replaceEarlier)
    }

    /// `sqlite:PATH` with PATH made absolute (relative to the configuration file, `~/` expanded), or a PostgreSQL
    /// URL as given (its details are checked when the store is opened); the default is the state directory.
    private static func storeURL(_ text: String?, reader: TableReader, directory: String) throws(ConfigError) -> String {
        guard let text else {
            guard let path = defaultStorePath() else {
                throw reader.error("store", "no default location (neither STATE_DIRECTORY, XDG_STATE_HOME nor HOME is set); set store = \"sqlite:PATH\"")
            }
            return "sqlite:\(path)"
        }
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw reader.error("store", "the path after sqlite: is empty; use sqlite:addresses.db") }
            return "sqlite:\(resolvePath(path, from: directory))"
        }
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            throw reader.error(
                "store", "expected \"sqlite:PATH\" or \"postgres://USER:PASSWORD@HOST:PORT/DATABASE\", found \"\(text.prefix(12))…\"")
        }
        return text
    }

    /// `$STATE_DIRECTORY/addresses.db` under systemd (`StateDirectory=fedns`), else
    /// `$XDG_STATE_HOME/fedns/addresses.db` or `~/.local/state/fedns/addresses.db`.
    public static func defaultStorePath() -> String? {
        ProcessEnvironment.userDirectory(systemd: "STATE_DIRECTORY", xdg: "XDG_STATE_HOME", fallback: ".local/state")
            .map { "\($0)/addresses.db" }
    }

    /// `[[federation.forward]]`: how `type=forward` requests are answered.
    ///
    /// ```toml
    /// [[federation.forward]]
    /// forward_type = "bank_account"
    /// parameters = ["swift", "acct"]
    /// address = "{acct}*bank.example.org"   # the address to look up, or with `account`: the address replied
    /// account = "G…"                        # optional: pay this account instead of looking the address up
    /// memo_type = "text"                    # optional, with memo: the memo built from the request
    /// memo = "{swift}{acct}"
    /// ```
    private static func readForwardRule(_ reader: inout TableReader) throws(ConfigError) -> ForwardRule {
        let forwardType = try reader.requiredString("forward_type", "the forward_type this rule answers, such as \"bank_account\"")
        let parameters = try reader.stringArray("parameters") ?? []
        let address = try reader.requiredString("address", "an address template such as \"{acct}*bank.example.org\"")
        let account = try reader.string("account").map { text throws(ConfigError) -> AccountID in
            do {
                return try AccountID(text)
            } catch {
                throw reader.error("account", "\"\(text)\" is not a Stellar account ID: \(error)")
            }
        }
        let memoType = try reader.string("memo_type").map { text throws(ConfigError) -> MemoType in
            guard let type = MemoType(rawValue: text) else {
                throw reader.error("memo_type", "expected \"text\", \"id\" or \"hash\", found \"\(text)\"")
            }
            return type
        }
        let memo = try reader.string("memo")
        if account == nil, memoType != nil || memo != nil {
            throw reader.error("memo", "a memo template needs account = \"G…\" (a looked-up address brings its own memo)")
        }
        try reader.rejectUnknownKeys()
        let destination: ForwardRule.Destination =
            account.map { .account($0, memoType: memoType, memoTemplate: memo, addressTemplate: address) }
            ?? .address(template: address)
        do {
            return try ForwardRule(forwardType: forwardType, requiredParameters: parameters, destination: destination)
        } catch {
            throw ConfigError(file: reader.file, key: reader.path, message: error.description)
        }
    }
}
