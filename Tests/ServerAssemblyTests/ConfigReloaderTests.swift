import Settings
import Testing

@testable import ServerAssembly

/// SIGHUP names the settings it cannot apply without a restart.
@Suite("Reload: what needs a restart")
struct ConfigReloaderTests {
    static let base = """
        [discovery]
        source = "file"
        file = "inventory.json"
        [federation]
        certificate = "c.pem"
        private_key = "k.pem"
        domains = ["example.org"]

        """

    static func config(_ extra: String) throws -> FednsConfig {
        try FednsConfig.parse(base + extra, origin: "test.toml", directory: "/etc/fedns", environment: [:])
    }

    static let auth = """
        [federation.auth]
        signing_key_file = "seed"
        network_passphrase = "Test SDF Network ; September 2015"
        jwt_secret_file = "jwt"

        """

    @Test("SEP-10 keys, the self-service policy and the accepted networks need a restart", arguments: [
        ("", auth),
        (auth, auth + "token_ttl = 60\n"),
        (auth, auth + "[federation.self_service]\nenabled = true\n"),
        ("", "allowed_network_passphrases = [\"x\"]\n"),
    ])
    func federationAccounts(before: String, after: String) throws {
        let keys = ConfigReloader.restartOnlyChanges(from: try Self.config(before), to: try Self.config(after))
        #expect(keys == ["federation.auth, federation.self_service, federation.allowed_network_passphrases"])
    }

    @Test("an unchanged [federation.auth] is not reported")
    func unchanged() throws {
        #expect(ConfigReloader.restartOnlyChanges(from: try Self.config(Self.auth), to: try Self.config(Self.auth)).isEmpty)
    }
}
