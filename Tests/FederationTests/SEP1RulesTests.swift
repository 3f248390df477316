import Testing

@testable import Federation

/// stellar.toml against SEP-1 v2.7 as the anchor test suite checks it: every problem names its key and rule.
@Suite struct SEP1RulesTests {
    static let issuer = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"
    static let contract = "CAXH2LADVFIHVYTF5T23KNLIQWSTHE5CAKOSIE4UTFZGLINCLLX4M4AY"

    /// A file an anchor would publish, clean under every rule.
    static let clean = """
        VERSION = "2.7.0"
        NETWORK_PASSPHRASE = "Public Global Stellar Network ; September 2015"
        FEDERATION_SERVER = "https://example.org/federation"
        WEB_AUTH_ENDPOINT = "https://example.org/auth"
        SIGNING_KEY = "\(issuer)"
        ACCOUNTS = ["\(issuer)"]

        [DOCUMENTATION]
        ORG_NAME = "Example"
        ORG_URL = "https://example.org"
        ORG_LOGO = "https://example.org/logo.png"
        ORG_OFFICIAL_EMAIL = "info@example.org"
        ORG_PHONE_NUMBER = "+14155550100"

        [[PRINCIPALS]]
        name = "Jane"
        email = "jane@example.org"
        id_photo_hash = "\(String(repeating: "ab", count: 32))"

        [[CURRENCIES]]
        code = "USD"
        issuer = "\(issuer)"
        status = "live"
        display_decimals = 2
        name = "US dollar"
        desc = "One dollar"
        is_asset_anchored = true
        anchor_asset_type = "fiat"
        collateral_addresses = ["x"]

        [[CURRENCIES]]
        code_template = "CORN????????"
        contract = "\(contract)"
        status = "test"
        desc = "Corn"
        is_asset_anchored = false
        anchor_asset_type = "commodity"

        [[CURRENCIES]]
        toml = "https://example.org/.well-known/TOKEN.toml"

        [[VALIDATORS]]
        ALIAS = "node-1"
        DISPLAY_NAME = "Node 1"
        HOST = "core.example.org:11625"
        PUBLIC_KEY = "\(issuer)"
        HISTORY = "https://history.example.org/core"
        """

    @Test func aCleanFileHasNoProblems() {
        #expect(StellarToml.check(Self.clean) == [])
    }

    @Test("each broken rule is named with its key, rule and severity", arguments: [
        ("NETWORK_PASSPHRASE = \"Standalone Network ; February 2017\"", "NETWORK_PASSPHRASE", "network-passphrase", true),
        ("ACCOUNTS = \"\(issuer)\"", "ACCOUNTS", "type", true),
        ("ACCOUNTS = [5]", "ACCOUNTS[0]", "type", true),
        ("WEB_AUTH_CONTRACT_ID = \"\(issuer)\"", "WEB_AUTH_CONTRACT_ID", "contract-id", true),
        ("URI_REQUEST_SIGNING_KEY = \"GABC\"", "URI_REQUEST_SIGNING_KEY", "account-id", true),
        ("DIRECT_PAYMENT_SERVER = \"https://x.org/\"", "DIRECT_PAYMENT_SERVER", "url", true),
        ("FEDERATON_SERVER = \"https://x.org/federation\"", "FEDERATON_SERVER", "known-key", false),
        ("DOCUMENTATION = \"x\"", "DOCUMENTATION", "type", true),
        ("[DOCUMENTATION]\nORG_LOGO = \"http://example.org/logo.png\"", "DOCUMENTATION.ORG_LOGO", "url", true),
        ("[DOCUMENTATION]\nORG_SUPPORT_EMAIL = \"support\"", "DOCUMENTATION.ORG_SUPPORT_EMAIL", "email", false),
        ("[DOCUMENTATION]\nORG_PHONE_NUMBER = \"(415) 555-0100\"", "DOCUMENTATION.ORG_PHONE_NUMBER", "e164", false),
        ("[DOCUMENTATION]\nORG_NAMES = \"x\"", "DOCUMENTATION.ORG_NAMES", "known-key", false),
        ("[[PRINCIPALS]]\nid_photo_hash = \"abc\"", "PRINCIPALS[0].id_photo_hash", "sha256", false),
        ("PRINCIPALS = [1]", "PRINCIPALS[0]", "type", true),
        ("[PRINCIPALS]\nname = \"x\"", "PRINCIPALS", "type", true),
        ("[[CURRENCIES]]\nissuer = \"\(issuer)\"", "CURRENCIES[0]", "required", true),
        ("[[CURRENCIES]]\ncode = \"USD\"", "CURRENCIES[0]", "required", true),
        ("[[CURRENCIES]]\ncode = \"THIRTEENCHARS\"\nissuer = \"\(issuer)\"", "CURRENCIES[0].code", "max-length", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\nstatus = \"alive\"", "CURRENCIES[0].status", "enum", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\ndisplay_decimals = 8", "CURRENCIES[0].display_decimals", "range", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\ndisplay_decimals = \"2\"", "CURRENCIES[0].display_decimals", "type", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\nis_unlimited = \"yes\"", "CURRENCIES[0].is_unlimited", "type", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\nanchor_asset_type = \"gold\"", "CURRENCIES[0].anchor_asset_type", "enum", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\napproval_server = \"https://a.org/?x=1\"", "CURRENCIES[0].approval_server", "url", true),
        ("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(issuer)\"\nname = \"a name longer than twenty\"", "CURRENCIES[0].name", "max-length", true),
        ("[[VALIDATORS]]\nALIAS = \"Node One\"", "VALIDATORS[0].ALIAS", "alias", false),
        ("[[VALIDATORS]]\nPUBLIC_KEY = \"\(contract)\"", "VALIDATORS[0].PUBLIC_KEY", "account-id", true),
        ("[[VALIDATORS]]\nHISTORY = \"https://history.example.org/\"", "VALIDATORS[0].HISTORY", "url", true),
        ("[[VALIDATORS]]\nHOST = \"https://core.example.org\"", "VALIDATORS[0].HOST", "host", false),
    ] as [(String, String, String, Bool)])
    func rules(toml: String, key: String, rule: String, isError: Bool) {
        let severity: StellarTomlProblem.Severity = isError ? .error : .warning
        let found = StellarToml.check(toml).filter { $0.key == key && $0.rule == rule && $0.severity == severity }
        #expect(found.count == 1, "\(StellarToml.check(toml))")
        // Every error is the one named: nothing else in these one-line files breaks a rule.
        #expect(StellarToml.check(toml).filter { $0.severity == .error }.count == (isError ? 1 : 0))
    }

    @Test("a currency missing what the anchor test suite requires gets warnings, naming each field")
    func anchorSuiteRequirements() {
        let found = StellarToml.check("[[CURRENCIES]]\ncode = \"X\"\nissuer = \"\(Self.issuer)\"")
        #expect(found.allSatisfy { $0.severity == .warning && $0.rule == "required" && $0.key == "CURRENCIES[0]" })
        #expect(found.map(\.message).sorted() == [
            "anchor_asset_type is missing (the anchor test suite requires it)", "desc is missing (the anchor test suite requires it)",
            "is_asset_anchored is missing (the anchor test suite requires it)", "status is missing (the anchor test suite requires it)",
        ])
    }

    @Test("plain http is accepted for localhost only", arguments: [
        ("http://localhost:8000/federation", true), ("http://127.0.0.1/auth", true), ("http://[::1]:8443/x", true),
        ("http://api.localhost/x", true), ("http://example.org/x", false), ("http://localhost.example.org/x", false),
        ("http://localhost/", false),
    ])
    func localhost(url: String, accepted: Bool) {
        #expect(StellarToml.check("TRANSFER_SERVER = \"\(url)\"").isEmpty == accepted)
    }

    @Test("an allowed network passphrase passes; a file too big is refused by size")
    func networkAndSize() {
        let standalone = "NETWORK_PASSPHRASE = \"Standalone Network ; February 2017\""
        #expect(StellarToml.check(standalone, allowedNetworks: ["Standalone Network ; February 2017"]) == [])
        #expect(StellarToml.check(standalone).first?.message.contains("Public Global Stellar Network") == true)
        let big = "# " + String(repeating: "x", count: StellarToml.maximumBytes) + "\n"
        #expect(StellarToml.check(big).map(\.rule) == ["size"])
    }

    @Test("fedns writes the SEP-10 keys itself when it runs /auth; the operator may not set them too")
    func webAuthKeys() throws {
        let keys = StellarToml.WebAuthKeys(signingKey: try AccountID(Self.issuer), network: .testNetwork)
        let document = try StellarToml.document(for: Fixtures.domain("example.org"), publicURL: nil, webAuth: keys)
        #expect(
            document.text == """
                # Stellar discovery for example.org (SEP-1). FEDERATION_SERVER, WEB_AUTH_ENDPOINT, SIGNING_KEY and NETWORK_PASSPHRASE are set by fedns.
                FEDERATION_SERVER = "https://example.org/federation"
                WEB_AUTH_ENDPOINT = "https://example.org/auth"
                SIGNING_KEY = "\(Self.issuer)"
                NETWORK_PASSPHRASE = "Test SDF Network ; September 2015"

                """)
        let behindProxy = try StellarToml.document(
            for: Fixtures.domain("example.org"), publicURL: try HTTPSURL("https://fed.example.org:8443"), webAuth: keys)
        #expect(behindProxy.text.contains(#"WEB_AUTH_ENDPOINT = "https://fed.example.org:8443/auth""#))
        for key in ["SIGNING_KEY", "WEB_AUTH_ENDPOINT", "NETWORK_PASSPHRASE"] {
            let error = #expect(throws: StellarTomlError.self) {
                try StellarToml.document(
                    for: Fixtures.domain("example.org"), publicURL: nil, webAuth: keys, operatorTOML: "\(key) = \"x\"")
            }
            #expect(error?.problems.map(\.rule) == ["set-by-fedns"])
        }
        // Without [federation.auth] the operator may publish another server's SEP-10 keys.
        #expect(throws: Never.self) {
            try StellarToml.document(for: Fixtures.domain("example.org"), publicURL: nil, operatorTOML: "SIGNING_KEY = \"\(Self.issuer)\"")
        }
    }

    @Test("warnings travel with the served document")
    func warningsAreKept() throws {
        let document = try StellarToml.document(for: Fixtures.domain("example.org"), publicURL: nil, operatorTOML: "SOMETHING = 1")
        #expect(document.warnings.map(\.key) == ["SOMETHING"])
    }
}
