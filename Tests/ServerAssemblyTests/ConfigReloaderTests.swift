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

@Suite("Reload: names and host keys")
struct NamingReloadTests {
    static func config(_ text: String) throws -> FednsConfig {
        try FednsConfig.parse(text, origin: "test.toml", directory: "/etc/fedns", environment: [:])
    }

    @Test("[dns] groups and name_tag apply live; the host key reader's settings need a restart")
    func namingAndHostKeys() throws {
        let before = try Self.config("[discovery]\nregions = [\"eu-west-1\"]\n")
        let groups = try Self.config("[dns]\nname_tag = \"Host\"\ngroups = { role = \"Role\" }\n[discovery]\nregions = [\"eu-west-1\"]\n")
        #expect(ConfigReloader.restartOnlyChanges(from: before, to: groups).isEmpty)
        #expect(before.dns.zone != groups.dns.zone)  // so the zone publisher recompiles with them
        let slower = try Self.config("[discovery]\nregions = [\"eu-west-1\"]\nhost_key_rate = 1\n")
        #expect(ConfigReloader.restartOnlyChanges(from: before, to: slower) == ["discovery.host_keys, discovery.host_key_rate"])
    }
}
