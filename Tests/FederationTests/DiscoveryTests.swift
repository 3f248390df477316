import Testing

@testable import Federation

@Suite struct DiscoveryTests {
    static let domain = Fixtures.domain("example.org")

    private func document(_ operatorTOML: String?, publicURL: HTTPSURL? = nil) throws(StellarTomlError) -> DiscoveryDocument {
        try StellarToml.document(for: Self.domain, publicURL: publicURL, operatorTOML: operatorTOML, operatorSource: "operator.toml")
    }

    private func problems(_ operatorTOML: String) -> [StellarTomlError.Problem] {
        do {
            _ = try document(operatorTOML)
            return []
        } catch {
            return error.problems
        }
    }

    /// A stellar.toml with a table header the TOML parser aborted on (found by fuzzing the configuration, which
    /// shares the parser): `fedns federation check` reads such files from any site. A problem now, not a crash.
    @Test func aHeaderWithoutAKeyIsAProblemNotACrash() {
        let problems = StellarToml.check("ORG_NAME = \"x\"\n[=]\n", source: "remote")
        #expect(problems.contains { $0.rule == "toml" && $0.message.contains("line 2, column 2") }, "\(problems)")
        #expect(StellarToml.rootStrings("[#]").isEmpty)
    }

    @Test func generatedFromTheDomainAlone() throws {
        let toml = try document(nil)
        #expect(
            toml.text == """
                # Stellar discovery for example.org (SEP-1). FEDERATION_SERVER is set by fedns.
                FEDERATION_SERVER = "https://example.org/federation"

                """)
        #expect(toml.headers.first == HeaderField("Content-Type", "text/plain; charset=utf-8"))
        #expect(toml.headers.contains(HeaderField("Access-Control-Allow-Origin", "*")))
        #expect(toml.headers.contains(HeaderField("ETag", toml.etag)))
        try StellarToml.validate(toml.text, source: "generated")
    }

    @Test func publicURLAndPortsShapeTheEndpoint() throws {
        let withURL = try document(nil, publicURL: HTTPSURL("https://fed.example.org:8443/stellar"))
        #expect(withURL.text.contains(#"FEDERATION_SERVER = "https://fed.example.org:8443/stellar/federation""#))
        let local = try StellarToml.document(for: Fixtures.domain("localhost:8443"), publicURL: nil)
        #expect(local.text.contains(#"FEDERATION_SERVER = "https://localhost:8443/federation""#))
    }

    @Test func operatorKeysAreKeptVerbatim() throws {
        let operatorTOML = """
            # Our accounts
            ACCOUNTS = ["GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"]
            NETWORK_PASSPHRASE = "Public Global Stellar Network ; September 2015"

            [DOCUMENTATION]
            ORG_NAME = "Zürich Payments"
            ORG_URL = "https://example.org"

            [[CURRENCIES]]
            code = "USD"
            issuer = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"
            image = "https://example.org/usd.png?v=2"
            """
        let toml = try document(operatorTOML)
        #expect(toml.text.hasSuffix("\n\n" + operatorTOML + "\n"))
        try StellarToml.validate(toml.text, source: "generated")
    }

    @Test func etagChangesWithTheBodyAndOnlyThen() throws {
        let first = try document("VERSION = \"2.7.0\"")
        #expect(try document("VERSION = \"2.7.0\"").etag == first.etag)
        #expect(try document("VERSION = \"2.7.1\"").etag != first.etag)
        #expect(first.etag.hasPrefix("\"") && first.etag.hasSuffix("-\(first.body.count)\""))
    }

    @Test func operatorMayNotSetFederationServer() {
        #expect(problems(#"FEDERATION_SERVER = "https://example.org/federation""#).map(\.key) == ["FEDERATION_SERVER"])
    }

    @Test(arguments: [
        (#"TRANSFER_SERVER = "http://example.org/sep6""#, "TRANSFER_SERVER",
         #""http://example.org/sep6" must use https://, not http:// (Stellar clients refuse plain HTTP)"#),
        (#"WEB_AUTH_ENDPOINT = "https://example.org/auth/""#, "WEB_AUTH_ENDPOINT",
         #""https://example.org/auth/" must not end with '/'; remove the trailing slash"#),
        (#"KYC_SERVER = "https://example.org/kyc?x=1""#, "KYC_SERVER",
         #""https://example.org/kyc?x=1" must not have a query string (clients add their own)"#),
        (#"HORIZON_URL = "horizon.example.org""#, "HORIZON_URL",
         #""horizon.example.org" expected an https:// URL such as https://example.org/federation"#),
        ("[DOCUMENTATION]\nORG_URL = \"https://example.org/\"", "DOCUMENTATION.ORG_URL",
         #""https://example.org/" must not end with '/'; remove the trailing slash"#),
        ("[DOCUMENTATION]\nORG_TWITTER_LINK = \"http://twitter.com/x\"", "DOCUMENTATION.ORG_TWITTER_LINK",
         #""http://twitter.com/x" must use https://, not http:// (Stellar clients refuse plain HTTP)"#),
        (#"SIGNING_KEY = "GABC""#, "SIGNING_KEY",
         #""GABC" is not a Stellar account ID: it is only 4 characters; Stellar keys have at least 56, so check that it was copied whole"#),
        (#"ACCOUNTS = ["GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ", "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUA"]"#,
         "ACCOUNTS[1]",
         #""GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUA" is not a Stellar account ID: its checksum does not match, so a character is wrong or missing; copy it again from the wallet"#),
        ("[[CURRENCIES]]\ncode = \"A\"\ncontract = \"CAXH2LADVFIHVYTF5T23KNLIQWSTHE5CAKOSIE4UTFZGLINCLLX4M4AY\"\n[[CURRENCIES]]\ncode = \"B\"\nissuer = \"SBGWKM3CD4IL47QN6X54N6Y33T3JDNVI6AIJ6CD5IM47HG3IG4O36XCU\"",
         "CURRENCIES[1].issuer",
         #""SBGWKM3CD4IL47QN6X54N6Y33T3JDNVI6AIJ6CD5IM47HG3IG4O36XCU" is not a Stellar account ID: it is a secret seed (S…), which must never be shared or stored here; give an account ID (G…) instead"#),
        (#"NETWORK_PASSPHRASE = "Private Network""#, "NETWORK_PASSPHRASE",
         #"expected "Public Global Stellar Network ; September 2015" or "Test SDF Network ; September 2015""#),
        (#"SIGNING_KEY = 5"#, "SIGNING_KEY", "expected a string"),
    ])
    func invalidValues(operatorTOML: String, key: String, message: String) {
        #expect(problems(operatorTOML).map { [$0.key, $0.message] } == [[key, message]])
    }

    @Test func everyProblemIsReported() {
        let found = problems("SIGNING_KEY = \"x\"\nTRANSFER_SERVER = \"http://a.org\"\nKYC_SERVER = \"https://a.org/\"")
        #expect(found.map(\.key) == ["KYC_SERVER", "SIGNING_KEY", "TRANSFER_SERVER"])
    }

    @Test func invalidTOMLNamesTheLine() {
        let found = problems("VERSION = \"1\"\nthis is not toml\n")
        #expect(found.count == 1)
        #expect(found.first?.message.hasPrefix("not valid TOML at line 2") == true)
    }

    @Test func sizeLimit() throws {
        let filler = { (count: Int) in "# " + String(repeating: "x", count: count) + "\n" }
        let header = try document(nil).body.count + 1  // the blank line before the operator's text
        #expect(try document(filler(StellarToml.maximumBytes - 1 - header - 3)).body.count == StellarToml.maximumBytes - 1)
        let found = problems(filler(StellarToml.maximumBytes - header - 3))
        #expect(found.map(\.message) == ["the file is 100000 bytes; SEP-1 allows less than 100000 (100 KB)"])
        #expect(found.map(\.rule) == ["size"])
        #expect(throws: StellarTomlError.self) {
            try StellarToml.validate(filler(StellarToml.maximumBytes), source: "big.toml")
        }
    }

    @Test func errorsNameTheFileAndKey() {
        let error = StellarTomlError(
            source: "operator.toml", problems: [.init(key: "SIGNING_KEY", rule: "account-id", message: "bad"), .init(key: "", rule: "size", message: "big")])
        #expect(error.description == "operator.toml: SIGNING_KEY: bad [account-id]\noperator.toml: big [size]")
    }

    @Test(arguments: [
        ("https://example.org", nil), ("https://example.org:8443/a/b", nil), ("https://[::1]:8443", nil),
        ("http://example.org", URLProblem.notHTTPS), ("HTTP://example.org", .notHTTPS), ("ftp://x.org", .notAURL),
        ("https://example.org/", .trailingSlash), ("https://user:pw@example.org", .hasCredentials), ("https://", .invalidHost),
        ("https://exa mple.org", .invalidCharacter(" ")), ("https://example.org:99999", .invalidPort),
        ("https://example.org#top", .hasFragment), ("https://ex_ample.org", .invalidHost),
    ])
    func publicURLs(text: String, problem: URLProblem?) {
        if let problem {
            #expect(throws: problem) { try HTTPSURL(text) }
        } else {
            #expect(throws: Never.self) { try HTTPSURL(text) }
        }
    }

    @Test func stellarTxtUsesLFAndBothSections() {
        let txt = StellarTxt.document(for: Self.domain, publicURL: nil)
        #expect(!txt.body.contains(13))
        #expect(
            txt.text == """
                # Stellar federation for example.org (legacy stellar.txt; current clients read /.well-known/stellar.toml)
                [federation_url]
                https://example.org/federation

                [reverse_federation_url]
                https://example.org/federation

                """)
        #expect(txt.headers.contains(HeaderField("Access-Control-Allow-Origin", "*")))
    }
}
