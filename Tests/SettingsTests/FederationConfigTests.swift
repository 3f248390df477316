import DNSWire
import Federation
import FederationHTTP
import FednsSupport
import Foundation
import Testing

@testable import Settings

@Suite("Configuration: [federation]")
struct FederationConfigTests {
    func parse(_ federation: String) throws(ConfigError) -> FederationConfig? {
        try FednsConfig.parse(
            "[discovery]\nsource = \"file\"\nfile = \"inventory.json\"\n[federation]\n" + federation, origin: "test.toml",
            directory: "/etc/fedns"
        ).federation
    }

    @Test("no section, no HTTPS endpoint")
    func absent() throws {
        let config = try FednsConfig.parse("[discovery]\nsource = \"file\"\nfile = \"i.json\"\n", origin: "t.toml", directory: "/")
        #expect(config.federation == nil)
    }

    @Test("the contract keys, relative paths resolved against the configuration's directory")
    func contractKeys() throws {
        let config = try #require(
            try parse(
                """
                listen = "0.0.0.0:443"
                certificate = "tls/fullchain.pem"
                private_key = "/secrets/privkey.pem"
                domains = ["example.org", "Example.NET"]
                store = "sqlite:book/addresses.db"
                stellar_toml = "stellar-extra.toml"
                public_url = "https://fed.example.org"
                ca_file = "tls/ca.pem"
                idle_timeout = 2.5
                max_connections = 64
                threads = 2
                extra_certificates = [{ certificate = "tls/net.pem", private_key = "tls/net-key.pem" }]
                """))
        #expect(config.enabled)
        #expect(config.site.listen.displayText == "0.0.0.0:443")
        #expect(
            config.site.certificates == [
                .init(certificate: "/etc/fedns/tls/fullchain.pem", privateKey: "/secrets/privkey.pem"),
                .init(certificate: "/etc/fedns/tls/net.pem", privateKey: "/etc/fedns/tls/net-key.pem"),
            ])
        #expect(config.site.domains.map(\.description) == ["example.org", "example.net"])
        #expect(config.store == "sqlite:/etc/fedns/book/addresses.db")
        #expect(config.site.stellarToml == "/etc/fedns/stellar-extra.toml")
        #expect(config.site.publicURL?.description == "https://fed.example.org")
        #expect(config.site.caFile == "/etc/fedns/tls/ca.pem")
        #expect(config.site.idleTimeout == 2.5)
        #expect(config.site.maxConnections == 64)
        #expect(config.site.threads == 2)
        #expect(config.site.file == "test.toml")
    }

    @Test("defaults: 127.0.0.1:8443, the state directory's SQLite file, a 10 s idle timeout")
    func defaults() throws {
        let config = try #require(try parse("certificate = \"c.pem\"\nprivate_key = \"k.pem\"\ndomains = [\"example.org\"]\n"))
        #expect(config.site.listen.displayText == "127.0.0.1:8443")
        #expect(config.store == "sqlite:\(FederationConfig.defaultStorePath() ?? "?")")
        #expect(config.store.hasSuffix("/fedns/addresses.db") || config.store.hasSuffix("/addresses.db"))
        #expect(config.site.idleTimeout == 10)
        #expect(config.site.threads == 0)
        #expect(config.site.publicURL == nil)
        #expect(config.site.forwardRules.isEmpty)
    }

    @Test("a PostgreSQL store is kept as given")
    func postgresStore() throws {
        let config = try #require(
            try parse("enabled = false\nstore = \"postgres://fedns:secret@db.internal:5432/federation?sslmode=require\"\n"))
        #expect(config.store == "postgres://fedns:secret@db.internal:5432/federation?sslmode=require")
        #expect(!config.enabled)
    }

    @Test("forward rules, looked up or paid to a fixed account")
    func forwardRules() throws {
        let config = try #require(
            try parse(
                """
                certificate = "c.pem"
                private_key = "k.pem"
                domains = ["bank.example.org"]
                [[federation.forward]]
                forward_type = "bank_account"
                parameters = ["swift", "acct"]
                address = "{acct}*bank.example.org"
                [[federation.forward]]
                forward_type = "remittance"
                parameters = ["ref"]
                account = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
                memo_type = "text"
                memo = "ref {ref}"
                address = "{ref}*bank.example.org"
                """))
        #expect(config.site.forwardRules.map(\.forwardType) == ["bank_account", "remittance"])
        #expect(config.site.forwardRules[0].destination == .address(template: "{acct}*bank.example.org"))
        guard case .account(let account, let memoType, let memo, _) = config.site.forwardRules[1].destination else {
            Issue.record("not a fixed-account rule")
            return
        }
        #expect(account.description == "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ")
        #expect(memoType == .text)
        #expect(memo == "ref {ref}")
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        let text: String
        let key: String
        let mentions: String
        var testDescription: String { key }
    }

    static let required = "certificate = \"c.pem\"\nprivate_key = \"k.pem\"\n"

    static let badCases: [BadCase] = [
        BadCase(text: "domains = [\"example.org\"]\nprivate_key = \"k.pem\"\n", key: "federation.certificate", mentions: "required"),
        BadCase(text: "domains = [\"example.org\"]\ncertificate = \"c.pem\"\n", key: "federation.private_key", mentions: "required"),
        BadCase(text: required, key: "federation.domains", mentions: "at least one domain"),
        BadCase(text: required + "domains = [\"exa mple.org\"]\n", key: "federation.domains[0]", mentions: "not a usable domain"),
        BadCase(text: required + "domains = [\"example.org:8443\"]\n", key: "federation.domains[0]", mentions: "port"),
        BadCase(text: required + "domains = [\"a.org\", \"A.org\"]\n", key: "federation.domains[1]", mentions: "listed twice"),
        BadCase(text: required + "domains = [\"a.org\"]\nlisten = \"localhost:443\"\n", key: "federation.listen", mentions: "IP address and port"),
        BadCase(text: required + "domains = [\"a.org\"]\npublic_url = \"http://a.org\"\n", key: "federation.public_url", mentions: "https://"),
        BadCase(text: required + "domains = [\"a.org\"]\npublic_url = \"https://a.org/\"\n", key: "federation.public_url", mentions: "trailing slash"),
        BadCase(text: required + "domains = [\"a.org\"]\nstore = \"mysql://x\"\n", key: "federation.store", mentions: "sqlite:PATH"),
        BadCase(text: required + "domains = [\"a.org\"]\nstore = \"sqlite:\"\n", key: "federation.store", mentions: "empty"),
        BadCase(text: required + "domains = [\"a.org\"]\nidle_timeout = 0\n", key: "federation.idle_timeout", mentions: "seconds"),
        BadCase(text: required + "domains = [\"a.org\"]\ncertficate = \"x\"\n", key: "federation.certficate", mentions: "unknown key"),
        BadCase(
            text: required + "domains = [\"a.org\"]\nextra_certificates = [{ certificate = \"x.pem\" }]\n",
            key: "federation.extra_certificates[0].private_key", mentions: "required"),
        BadCase(
            text: required + "domains = [\"a.org\"]\nextra_certificates = [\"x.pem\"]\n",
            key: "federation.extra_certificates[0]", mentions: "expected a table"),
        BadCase(
            text: required + "domains = [\"a.org\"]\n[[federation.forward]]\nforward_type = \"Bank\"\naddress = \"x*a.org\"\n",
            key: "federation.forward[0]", mentions: "forward_type \"Bank\""),
        BadCase(
            text: required + "domains = [\"a.org\"]\n[[federation.forward]]\nforward_type = \"bank\"\naddress = \"{acct}*a.org\"\n",
            key: "federation.forward[0]", mentions: "{acct}"),
        BadCase(
            text: required + "domains = [\"a.org\"]\n[[federation.forward]]\nforward_type = \"bank\"\naddress = \"x*a.org\"\nmemo = \"m\"\nmemo_type = \"text\"\n",
            key: "federation.forward[0].memo", mentions: "needs account"),
        BadCase(
            text: required + "domains = [\"a.org\"]\n[[federation.forward]]\nforward_type = \"bank\"\naddress = \"x*a.org\"\naccount = \"GABC\"\n",
            key: "federation.forward[0].account", mentions: "not a Stellar account ID"),
    ]

    static let auth = """
        [federation.auth]
        signing_key_file = "keys/sep10.seed"
        network_passphrase = "Test SDF Network ; September 2015"
        jwt_secret_file = "/secrets/jwt"

        """

    @Test("[federation.auth] and [federation.self_service]: paths resolved, defaults, every key")
    func authAndSelfService() throws {
        let defaults = try #require(try parse(Self.required + "domains = [\"a.org\"]\n" + Self.auth))
        let auth = try #require(defaults.site.auth)
        #expect(auth.signingKeyFile == "/etc/fedns/keys/sep10.seed")
        #expect(auth.jwtSecretFile == "/secrets/jwt")
        #expect(auth.networkPassphrase == "Test SDF Network ; September 2015")
        #expect((auth.challengeLifetime, auth.tokenLifetime) == (300, 3600))
        #expect((auth.requestsPerMinutePerIP, auth.requestsPerMinutePerAccount) == (60, 20))
        #expect(defaults.site.selfService == SelfServicePolicy())
        #expect(!defaults.site.selfService.enabled)

        let full = try #require(
            try parse(
                Self.required + "domains = [\"a.org\"]\nallowed_network_passphrases = [\"Standalone Network ; February 2017\"]\n"
                    + Self.auth.replacingOccurrences(of: "Test SDF Network ; September 2015", with: "Standalone Network ; February 2017")
                    + """
                    challenge_ttl = 60
                    token_ttl = 600
                    requests_per_minute_per_ip = 5
                    requests_per_minute_per_account = 2

                    [federation.self_service]
                    enabled = true
                    max_per_account = 3
                    replace_earlier = true
                    reserved = ["Admin", "support"]
                    min_name_length = 2
                    max_name_length = 20
                    name_characters = "a-z0-9"
                    """))
        #expect(full.site.allowedNetworkPassphrases == ["Standalone Network ; February 2017"])
        #expect(full.site.auth?.challengeLifetime == 60)
        #expect(full.site.auth?.tokenLifetime == 600)
        #expect(full.site.auth?.requestsPerMinutePerIP == 5)
        #expect(full.site.auth?.requestsPerMinutePerAccount == 2)
        let policy = full.site.selfService
        #expect(policy.enabled && policy.replaceEarlier && policy.maxPerAccount == 3)
        #expect(policy.reserved == ["admin", "support"])
        #expect(policy.nameLengths == 2...20)
        #expect(policy.characters.description == "a-z0-9")
    }

    static let selfServiceCases: [BadCase] = [
        BadCase(text: "[federation.self_service]\nenabled = true\n", key: "federation.self_service.enabled", mentions: "[federation.auth]"),
        BadCase(
            text: auth.replacingOccurrences(of: "jwt_secret_file = \"/secrets/jwt\"\n", with: ""), key: "federation.auth.jwt_secret_file",
            mentions: "required"),
        BadCase(
            text: auth.replacingOccurrences(of: "Test SDF Network ; September 2015", with: "My Network"),
            key: "federation.auth.network_passphrase", mentions: "allowed_network_passphrases"),
        BadCase(text: auth + "challenge_ttl = 0\n", key: "federation.auth.challenge_ttl", mentions: "5 to 3600"),
        BadCase(text: auth + "tokn_ttl = 10\n", key: "federation.auth.tokn_ttl", mentions: "unknown key"),
        BadCase(text: auth + "[federation.self_service]\nname_characters = \"z-a\"\n", key: "federation.self_service.name_characters", mentions: "backwards"),
        BadCase(text: auth + "[federation.self_service]\nmin_name_length = 9\nmax_name_length = 3\n", key: "federation.self_service.max_name_length", mentions: "below"),
        BadCase(text: auth + "[federation.self_service]\nreserved = [\"a*b\"]\n", key: "federation.self_service.reserved[0]", mentions: "'*'"),
        BadCase(text: auth + "[federation.self_service]\nmax_per_account = 0\n", key: "federation.self_service.max_per_account", mentions: "1 to 1000"),
    ].map { BadCase(text: required + "domains = [\"a.org\"]\n" + $0.text, key: $0.key, mentions: $0.mentions) }

    @Test("[federation.auth] and [federation.self_service] errors name their key", arguments: selfServiceCases)
    func authErrors(_ bad: BadCase) {
        errors(bad)
    }

    @Test("errors name the file, the key and what was expected", arguments: badCases)
    func errors(_ bad: BadCase) {
        do {
            _ = try parse(bad.text)
            Issue.record("accepted: \(bad.text)")
        } catch {
            #expect(error.file == "test.toml")
            #expect(error.key == bad.key, "\(error)")
            #expect(error.description.contains(bad.mentions), "\(error.description)")
        }
    }
}
